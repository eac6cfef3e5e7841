//! Server functions: thin wrappers that check input and call the backend.

use leptos::prelude::*;

use crate::model::{Source, SourceLeads};
#[cfg(feature = "ssr")]
use crate::{backend::Error, filter::LeadView, model::Page};

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

/// Loads one source, or `None` when the id is unknown.
#[server]
pub async fn get_source(source_id: i64) -> Result<Option<Source>, ServerFnError> {
    let pool = pool()?;
    crate::backend::sources::find(&pool, source_id).await.map_err(Error::into_server_fn_error)
}

/// Loads a source and one page of its leads under the view in `query`, a URL
/// query string. Returns `None` for an unknown source id, so the page can
/// respond with a 404.
#[server]
pub async fn get_source_leads(source_id: i64, query: String) -> Result<Option<SourceLeads>, ServerFnError> {
    let pool = pool()?;
    let Some(source) = crate::backend::sources::find(&pool, source_id).await.map_err(Error::into_server_fn_error)? else {
        return Ok(None);
    };
    // Invalid parameters fall back to defaults; the page shows why.
    let (view, _ignored) = LeadView::from_query_string(&query);
    match crate::backend::leads::list_by_source(&pool, &source, &view).await {
        Ok(leads) => Ok(Some(SourceLeads { source, leads, filter_error: None })),
        Err(Error::InvalidInput(message)) => {
            let leads = Page { items: Vec::new(), total: 0, page: view.page.page, size: view.page.size };
            Ok(Some(SourceLeads { source, leads, filter_error: Some(message) }))
        }
        Err(error) => Err(error.into_server_fn_error()),
    }
}
