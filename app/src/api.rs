//! Server functions: thin wrappers that check input and call the backend.

use leptos::prelude::*;

use crate::model::{Source, SourceLeads};
#[cfg(feature = "ssr")]
use crate::{backend::Error, model::PageRequest};

#[cfg(feature = "ssr")]
fn pool() -> Result<sqlx::PgPool, ServerFnError> {
    use_context::<sqlx::PgPool>()
        .ok_or_else(|| ServerFnError::new("the database pool is missing from the request context"))
}

/// Lists every source with its lead count.
#[server]
pub async fn list_sources() -> Result<Vec<Source>, ServerFnError> {
    let pool = pool()?;
    crate::backend::sources::list(&pool).await.map_err(Error::into_server_fn_error)
}

/// Loads a source and one page of its leads, newest first. Returns `None` for an
/// unknown source id, so the page can respond with a 404.
#[server]
pub async fn get_source_leads(
    source_id: i64,
    page: u32,
    size: u32,
) -> Result<Option<SourceLeads>, ServerFnError> {
    let pool = pool()?;
    let (request, _ignored) =
        PageRequest::from_query(Some(&page.to_string()), Some(&size.to_string()));
    let Some(source) = crate::backend::sources::find(&pool, source_id).await.map_err(Error::into_server_fn_error)? else {
        return Ok(None);
    };
    let leads = crate::backend::leads::list_by_source(&pool, &source, request)
        .await
        .map_err(Error::into_server_fn_error)?;
    Ok(Some(SourceLeads { source, leads }))
}
