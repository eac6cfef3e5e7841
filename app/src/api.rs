//! Server functions: thin wrappers that check input and call the backend.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{LeadDetail, LeadList, LeadStatus, Neighbours, Source, StatusChangeOutcome};
#[cfg(feature = "ssr")]
use crate::{backend::Error, filter::LeadView, model::{LeadSummary, Rows}};

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
/// string, without the total (see [`count_source_leads`]). Returns `None` for
/// an unknown source id. A GET endpoint with a fixed path, so the benchmark
/// times exactly what the table loads.
#[server(endpoint = "source_leads", input = GetUrl)]
pub async fn get_source_leads(source_id: i64, query: String) -> Result<Option<LeadList>, ServerFnError> {
    let pool = pool()?;
    if crate::backend::sources::find(&pool, source_id).await.map_err(Error::into_server_fn_error)?.is_none() {
        return Ok(None);
    }
    let view = view_in_source(&query, Some(source_id));
    list_view(&pool, &view).await.map(Some)
}

/// Counts a source's leads under the view in `query`; `None` when the filter
/// cannot run, which the rows already explain.
#[server(endpoint = "source_leads_count", input = GetUrl)]
pub async fn count_source_leads(source_id: i64, query: String) -> Result<Option<u64>, ServerFnError> {
    let pool = pool()?;
    let view = view_in_source(&query, Some(source_id));
    count_view(&pool, &view).await
}

/// Loads one page of leads across all sources under the view in `query`.
#[server(endpoint = "leads", input = GetUrl)]
pub async fn get_leads(query: String) -> Result<Option<LeadList>, ServerFnError> {
    let pool = pool()?;
    let view = view_in_source(&query, None);
    list_view(&pool, &view).await.map(Some)
}

/// Counts the leads across all sources under the view in `query`.
#[server(endpoint = "leads_count", input = GetUrl)]
pub async fn count_leads(query: String) -> Result<Option<u64>, ServerFnError> {
    let pool = pool()?;
    let view = view_in_source(&query, None);
    count_view(&pool, &view).await
}

/// Loads a page of a view: from the search index for an Advanced Search,
/// else from SQL.
#[cfg(feature = "ssr")]
async fn list_view(pool: &sqlx::PgPool, view: &LeadView) -> Result<LeadList, ServerFnError> {
    if !view.is_search() {
        return lead_list(view, crate::backend::leads::rows(pool, view).await);
    }
    let service = search_service()?;
    match crate::backend::search::search_page(pool, &service, view).await {
        Ok(page) => Ok(LeadList { rows: page.rows(), filter_error: None, retry: false, hits: page.hits }),
        Err(error) => lead_list(view, Err(error)),
    }
}

#[cfg(feature = "ssr")]
async fn count_view(pool: &sqlx::PgPool, view: &LeadView) -> Result<Option<u64>, ServerFnError> {
    if !view.is_search() {
        return lead_count(crate::backend::leads::count(pool, &view.filter).await);
    }
    let service = search_service()?;
    lead_count(crate::backend::search::search_count(&service, view).await)
}

#[cfg(feature = "ssr")]
fn search_service() -> Result<crate::backend::search::SearchService, ServerFnError> {
    use_context::<crate::backend::search::SearchService>()
        .ok_or_else(|| ServerFnError::new("the search service is missing from the request context"))
}

/// Parses a view leniently: invalid parameters fall back to defaults and the
/// page shows why. A source in the path wins over one in the query.
#[cfg(feature = "ssr")]
fn view_in_source(query: &str, source_id: Option<i64>) -> LeadView {
    let (mut view, _ignored) = LeadView::from_query_string(query);
    if source_id.is_some() {
        view.filter.source_id = source_id;
    }
    view
}

/// Turns an invalid filter into a message for the page instead of an error.
#[cfg(feature = "ssr")]
fn lead_list(view: &LeadView, result: Result<Rows<LeadSummary>, Error>) -> Result<LeadList, ServerFnError> {
    match result {
        Ok(rows) => Ok(LeadList { rows, filter_error: None, retry: false, hits: Vec::new() }),
        // A search index still building is a message for the page too.
        Err(error @ (Error::InvalidInput(_) | Error::Unavailable(_))) => {
            let retry = matches!(error, Error::Unavailable(_));
            let rows = Rows { items: Vec::new(), page: view.page.page, size: view.page.size, has_next: false };
            Ok(LeadList { rows, filter_error: Some(error.to_string()), retry, hits: Vec::new() })
        }
        Err(error) => Err(error.into_server_fn_error()),
    }
}

#[cfg(feature = "ssr")]
fn lead_count(result: Result<u64, Error>) -> Result<Option<u64>, ServerFnError> {
    match result {
        Ok(total) => Ok(Some(total)),
        Err(Error::InvalidInput(_) | Error::Unavailable(_)) => Ok(None),
        Err(error) => Err(error.into_server_fn_error()),
    }
}

/// Name recorded as the actor of changes made in the UI, until sign-in exists.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator(pub String);

/// Loads a lead with its history and distribution attempts, or `None` for an
/// unknown id.
#[server]
pub async fn get_lead(lead_id: i64) -> Result<Option<LeadDetail>, ServerFnError> {
    let pool = pool()?;
    crate::backend::leads::find(&pool, lead_id).await.map_err(Error::into_server_fn_error)
}

/// Finds the leads before and after a lead in the table at `back`, the
/// address the detail view was opened from.
#[server]
pub async fn get_lead_neighbours(lead_id: i64, back: String) -> Result<Neighbours, ServerFnError> {
    let pool = pool()?;
    let Some(link) = crate::filter::TableLink::parse(&back) else {
        return Ok(Neighbours::default());
    };
    let found = if link.view.is_search() {
        crate::backend::search::search_neighbours(&search_service()?, lead_id, &link.view).await
    } else {
        crate::backend::leads::neighbours(&pool, lead_id, &link.view).await
    };
    match found {
        Ok(found) => Ok(found),
        // A table whose filter cannot run has no order to step through.
        Err(Error::InvalidInput(_) | Error::Unavailable(_)) => Ok(Neighbours::default()),
        Err(error) => Err(error.into_server_fn_error()),
    }
}

/// Changes a lead's status from the UI, as the configured operator. `version`
/// is the version the page showed; a lead changed since is not overwritten.
#[server]
pub async fn change_lead_status(
    lead_id: i64,
    status: LeadStatus,
    reason: Option<String>,
    version: i32,
) -> Result<StatusChangeOutcome, ServerFnError> {
    use crate::backend::leads::{change_status, Actor, StatusChange};
    let pool = pool()?;
    let operator = use_context::<Operator>().map(|operator| operator.0).unwrap_or_else(|| "operator".to_string());
    let change = StatusChange { status, reason, expected_version: Some(version) };
    change_status(&pool, lead_id, &change, &Actor::User(operator)).await.map_err(Error::into_server_fn_error)
}
