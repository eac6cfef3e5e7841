//! The JSON read API for integrations: lead lists with the same filters,
//! sort and paging as the lead tables.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use app::backend::{leads, sources, Error};
use app::filter::{LeadView, ParamError};
use app::format::parse_query_pairs;
use app::model::{Lead, LeadStatus};

use crate::router::AppState;

/// Largest page the API returns; the UI offers 25, 50 and 100.
pub const MAX_API_PAGE_SIZE: u32 = 500;

/// Routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/leads", get(list_all_leads))
        .route("/api/v1/sources/{id}/leads", get(list_source_leads))
        .route("/api/v1/{*rest}", axum::routing::any(unknown_endpoint))
}

/// Returns a JSON 404 for unknown API paths, like every other API error.
async fn unknown_endpoint(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> Response {
    let body = serde_json::json!({ "error": format!("no API endpoint at {}", uri.path()) });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// A failed API request, returned as JSON with the parameter at fault.
#[derive(Debug)]
pub enum ApiError {
    InvalidParameter(ParamError),
    App(Error),
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError::App(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::InvalidParameter(error) => {
                let body = serde_json::json!({
                    "error": error.to_string(),
                    "parameter": error.param,
                    "value": error.value,
                });
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
            ApiError::App(Error::InvalidInput(message)) => {
                (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": message }))).into_response()
            }
            ApiError::App(error) => error.into_response(),
        }
    }
}

#[derive(Serialize)]
struct SourceRef<'a> {
    id: i64,
    name: &'a str,
}

#[derive(Serialize)]
struct ApiLead<'a> {
    id: i64,
    source: SourceRef<'a>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    status: LeadStatus,
    created_at: DateTime<Utc>,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    fields: &'a serde_json::Value,
}

impl<'a> From<&'a Lead> for ApiLead<'a> {
    fn from(lead: &'a Lead) -> Self {
        ApiLead {
            id: lead.id,
            source: SourceRef { id: lead.source_id, name: &lead.source_name },
            first_name: lead.first_name.as_deref(),
            last_name: lead.last_name.as_deref(),
            email: lead.email.as_deref(),
            phone: lead.phone.as_deref(),
            status: lead.status,
            created_at: lead.created_at,
            ip: lead.ip.as_deref(),
            user_agent: lead.user_agent.as_deref(),
            fields: &lead.fields,
        }
    }
}

/// Parses API parameters strictly: the first invalid or unknown one is a 400.
/// `size` may be any number from 1 to [`MAX_API_PAGE_SIZE`].
fn parse_view(query: Option<&str>, path_source: Option<i64>) -> Result<LeadView, ApiError> {
    let pairs = parse_query_pairs(query.unwrap_or_default());

    let mut size = None;
    let mut view_pairs = Vec::new();
    for (name, value) in &pairs {
        match name.as_str() {
            "size" => size = Some(value.as_str()),
            "source" if path_source.is_some() => {
                return Err(ApiError::InvalidParameter(ParamError {
                    param: "source".to_string(),
                    value: value.clone(),
                    message: "the source is set by the path; use /api/v1/leads?source=ID to choose it by parameter".to_string(),
                }))
            }
            _ => view_pairs.push((name.as_str(), value.as_str())),
        }
    }

    let (mut view, errors) = LeadView::from_pairs(view_pairs);
    if let Some(error) = errors.into_iter().next() {
        return Err(ApiError::InvalidParameter(error));
    }
    if let Some(raw) = size {
        view.page.size = match raw.trim().parse::<u32>() {
            Ok(size) if (1..=MAX_API_PAGE_SIZE).contains(&size) => size,
            _ => {
                return Err(ApiError::InvalidParameter(ParamError {
                    param: "size".to_string(),
                    value: raw.to_string(),
                    message: format!("expected a whole number from 1 to {MAX_API_PAGE_SIZE}"),
                }))
            }
        };
    }
    if path_source.is_some() {
        view.filter.source_id = path_source;
    }
    Ok(view)
}

async fn respond(pool: &PgPool, view: LeadView) -> Result<Json<serde_json::Value>, ApiError> {
    let page = leads::list_full(pool, &view).await?;
    let leads: Vec<ApiLead> = page.items.iter().map(ApiLead::from).collect();
    Ok(Json(serde_json::json!({
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "leads": leads,
    })))
}

/// `GET /api/v1/leads`: leads of every source, or of `source=ID`.
async fn list_all_leads(State(pool): State<PgPool>, RawQuery(query): RawQuery) -> Result<Json<serde_json::Value>, ApiError> {
    let view = parse_view(query.as_deref(), None)?;
    respond(&pool, view).await
}

/// `GET /api/v1/sources/{id}/leads`: one source's leads; 404 for an unknown source.
async fn list_source_leads(
    State(pool): State<PgPool>,
    Path(raw_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let source_id = raw_id
        .parse::<i64>()
        .map_err(|_| Error::NotFound(format!("source {raw_id:?}")))?;
    if sources::find(&pool, source_id).await?.is_none() {
        return Err(Error::NotFound(format!("source {source_id}")).into());
    }
    let view = parse_view(query.as_deref(), Some(source_id))?;
    respond(&pool, view).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::PageRequest;

    fn parameter_of(result: Result<LeadView, ApiError>) -> String {
        match result {
            Err(ApiError::InvalidParameter(error)) => error.param,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn api_size_allows_up_to_500() {
        let view = parse_view(Some("size=500"), None).expect("valid");
        assert_eq!(view.page, PageRequest { page: 1, size: 500 });
        assert_eq!(parameter_of(parse_view(Some("size=501"), None)), "size");
        assert_eq!(parameter_of(parse_view(Some("size=0"), None)), "size");
    }

    #[test]
    fn api_rejects_unknown_and_invalid_parameters() {
        assert_eq!(parameter_of(parse_view(Some("colour=red"), None)), "colour");
        assert_eq!(parameter_of(parse_view(Some("status=won"), None)), "status");
        assert_eq!(parameter_of(parse_view(Some("source=3"), Some(4))), "source");
    }
}
