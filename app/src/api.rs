//! Server functions: thin wrappers that check input and call the backend.

use leptos::prelude::*;

use crate::model::{LeadList, Source};
#[cfg(feature = "ssr")]
use crate::{backend::Error, filter::LeadView, model::{LeadSummary, Page}};

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

/// Loads one page of a source's leads under the view in `query`, a URL query
/// string. Returns `None` for an unknown source id.
#[server]
pub async fn get_source_leads(source_id: i64, query: String) -> Result<Option<LeadList>, ServerFnError> {
    let pool = pool()?;
    let Some(source) = crate::backend::sources::find(&pool, source_id).await.map_err(Error::into_server_fn_error)? else {
        return Ok(None);
    };
    // Invalid parameters fall back to defaults; the page shows why.
    let (view, _ignored) = LeadView::from_query_string(&query);
    let result = crate::backend::leads::list_by_source(&pool, &source, &view).await;
    lead_list(&view, result).map(Some)
}

/// Loads one page of leads across all sources under the view in `query`.
#[server]
pub async fn get_leads(query: String) -> Result<Option<LeadList>, ServerFnError> {
    let pool = pool()?;
    let (view, _ignored) = LeadView::from_query_string(&query);
    let result = crate::backend::leads::list_across_sources(&pool, &view).await;
    lead_list(&view, result).map(Some)
}

/// Turns an invalid filter into a message for the page instead of an error.
#[cfg(feature = "ssr")]
fn lead_list(view: &LeadView, result: Result<Page<LeadSummary>, Error>) -> Result<LeadList, ServerFnError> {
    match result {
        Ok(leads) => Ok(LeadList { leads, filter_error: None }),
        Err(Error::InvalidInput(message)) => {
            let leads = Page { items: Vec::new(), total: 0, page: view.page.page, size: view.page.size };
            Ok(LeadList { leads, filter_error: Some(message) })
        }
        Err(error) => Err(error.into_server_fn_error()),
    }
}
