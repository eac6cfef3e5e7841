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

use app::backend::search::{SearchService, SearchStatus};
use app::backend::{leads, sources, Error};
use app::filter::{LeadView, ParamError};
use app::format::parse_query_pairs;
use app::backend::leads::{Actor, StatusChange};
use app::model::{Lead, LeadStatus, StatusChangeOutcome};

use crate::router::AppState;

/// Largest page the API returns; the UI offers 25, 50 and 100.
pub const MAX_API_PAGE_SIZE: u32 = 500;

/// Routes under `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/leads", get(list_all_leads))
        .route("/api/v1/sources/{id}/leads", get(list_source_leads))
        .route("/api/v1/leads/{id}", get(get_lead).patch(patch_lead).fallback(method_not_allowed))
        .route("/api/v1/search/status", get(search_status))
        .route("/api/v1/{*rest}", axum::routing::any(unknown_endpoint))
}

/// Returns a JSON 404 for unknown API paths, like every other API error.
async fn unknown_endpoint(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> Response {
    let body = serde_json::json!({ "error": format!("no API endpoint at {}", uri.path()) });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

/// Returns a JSON 405 naming the methods a lead accepts.
async fn method_not_allowed(method: axum::http::Method) -> Response {
    let body = serde_json::json!({ "error": format!("{method} is not allowed on a lead; use GET or PATCH") });
    (StatusCode::METHOD_NOT_ALLOWED, [(axum::http::header::ALLOW, "GET, PATCH")], Json(body)).into_response()
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
    version: i32,
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
            version: lead.version,
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

async fn respond(pool: &PgPool, search: &SearchService, view: LeadView) -> Result<Json<serde_json::Value>, ApiError> {
    if view.is_search() {
        return respond_search(pool, search, view).await;
    }
    let page = leads::list_full(pool, &view).await?;
    let leads: Vec<ApiLead> = page.items.iter().map(ApiLead::from).collect();
    Ok(Json(serde_json::json!({
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "leads": leads,
    })))
}

/// Returns the page of a list request with `q`: hits in order of relevance, each with
/// its score and the values it matched.
async fn respond_search(pool: &PgPool, search: &SearchService, view: LeadView) -> Result<Json<serde_json::Value>, ApiError> {
    let page = app::backend::search::search_page(pool, search, &view).await?;
    let leads: Vec<serde_json::Value> = page
        .leads
        .iter()
        .zip(&page.hits)
        .map(|(lead, hit)| {
            let mut body = serde_json::to_value(ApiLead::from(lead)).unwrap_or_default();
            body["score"] = serde_json::json!(hit.score);
            body["matched"] = serde_json::to_value(&hit.matched).unwrap_or_default();
            body
        })
        .collect();
    Ok(Json(serde_json::json!({
        "total": page.total,
        "page": page.page,
        "size": page.size,
        "leads": leads,
    })))
}

/// `GET /api/v1/search/status`: whether Advanced Search is starting,
/// building its index (with progress), ready or failed.
async fn search_status(State(search): State<SearchService>) -> Json<SearchStatus> {
    Json(search.status())
}

/// `GET /api/v1/leads`: leads of every source, or of `source=ID`.
async fn list_all_leads(
    State(pool): State<PgPool>,
    State(search): State<SearchService>,
    RawQuery(query): RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let view = parse_view(query.as_deref(), None)?;
    respond(&pool, &search, view).await
}

/// `GET /api/v1/sources/{id}/leads`: one source's leads; 404 for an unknown source.
async fn list_source_leads(
    State(pool): State<PgPool>,
    State(search): State<SearchService>,
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
    respond(&pool, &search, view).await
}

/// Parses an id from the path; anything but a positive whole number is an
/// unknown lead.
fn lead_id(raw_id: &str) -> Result<i64, ApiError> {
    raw_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::App(Error::NotFound(format!("lead {raw_id:?}"))))
}

/// `GET /api/v1/leads/{id}`: the lead with its history, oldest first, and its
/// distribution attempts, newest first.
async fn get_lead(State(pool): State<PgPool>, Path(raw_id): Path<String>) -> Result<Json<serde_json::Value>, ApiError> {
    let id = lead_id(&raw_id)?;
    let detail = leads::find(&pool, id).await?.ok_or_else(|| Error::NotFound(format!("lead {id}")))?;
    let mut body = serde_json::to_value(ApiLead::from(&detail.lead)).unwrap_or_default();
    body["history"] = serde_json::to_value(&detail.history).unwrap_or_default();
    body["distribution_attempts"] = serde_json::to_value(&detail.attempts).unwrap_or_default();
    Ok(Json(body))
}

fn invalid_field(field: &str, value: &serde_json::Value, message: &str) -> ApiError {
    ApiError::InvalidParameter(ParamError { param: field.to_string(), value: value.to_string(), message: message.to_string() })
}

/// Reads a PATCH body: `status` (required), `reason` and `version`
/// (optional). Unknown fields are refused, so a typo never passes silently.
fn parse_status_change(body: &[u8]) -> Result<StatusChange, ApiError> {
    let json: serde_json::Value = serde_json::from_slice(body).map_err(|error| {
        ApiError::App(Error::InvalidInput(format!(
            "the body is not valid JSON ({error}); send an object such as {{\"status\": \"sold\", \"reason\": \"...\"}}"
        )))
    })?;
    let Some(object) = json.as_object() else {
        return Err(invalid_field("body", &json, "expected a JSON object with a status field"));
    };
    if let Some(unknown) = object.keys().find(|key| !["status", "reason", "version"].contains(&key.as_str())) {
        return Err(invalid_field(unknown, &object[unknown], "unknown field; expected status, reason or version"));
    }
    let status_help = "expected one of active, sold, duplicate, rejected, suppressed";
    let status = match object.get("status") {
        Some(serde_json::Value::String(name)) => name.parse::<LeadStatus>().map_err(|_| ApiError::InvalidParameter(ParamError {
            param: "status".to_string(),
            value: name.clone(),
            message: status_help.to_string(),
        }))?,
        Some(other) => return Err(invalid_field("status", other, status_help)),
        None => return Err(invalid_field("status", &serde_json::Value::Null, &format!("the status is required; {status_help}"))),
    };
    let reason = match object.get("reason") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(reason)) => Some(reason.clone()),
        Some(other) => return Err(invalid_field("reason", other, "expected a string")),
    };
    let expected_version = match object.get("version") {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => Some(
            value
                .as_i64()
                .and_then(|version| i32::try_from(version).ok())
                .filter(|version| *version > 0)
                .ok_or_else(|| invalid_field("version", value, "expected the lead's version, a whole number from 1"))?,
        ),
    };
    Ok(StatusChange { status, reason, expected_version })
}

/// `PATCH /api/v1/leads/{id}`: changes the status under the same rules as the
/// UI. With `version`, a lead that changed since that version is not
/// overwritten, and the response is a 409 with the current status.
async fn patch_lead(State(pool): State<PgPool>, Path(raw_id): Path<String>, body: axum::body::Bytes) -> Result<Response, ApiError> {
    let id = lead_id(&raw_id)?;
    let change = parse_status_change(&body)?;
    // Until API keys exist, every integration is recorded under one name.
    let outcome = leads::change_status(&pool, id, &change, &Actor::Api("api".to_string())).await?;
    let changed = match outcome {
        StatusChangeOutcome::Changed { .. } => true,
        StatusChangeOutcome::Unchanged { .. } => false,
        StatusChangeOutcome::Stale { status, version } => {
            let body = serde_json::json!({
                "error": format!(
                    "lead {id} is at version {version}, not {}: its status is now {status}; \
                     read it again and decide whether the change still applies",
                    change.expected_version.unwrap_or_default()
                ),
                "current_status": status,
                "version": version,
            });
            return Ok((StatusCode::CONFLICT, Json(body)).into_response());
        }
    };
    let detail = leads::find(&pool, id).await?.ok_or_else(|| Error::NotFound(format!("lead {id}")))?;
    let body = serde_json::json!({ "changed": changed, "lead": ApiLead::from(&detail.lead) });
    Ok(Json(body).into_response())
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
    fn api_search_rejects_sort_and_substrings() {
        assert_eq!(parameter_of(parse_view(Some("q=ana&sort=name"), None)), "sort");
        assert_eq!(parameter_of(parse_view(Some("q=ana&email=gmail"), None)), "email");
        assert!(parse_view(Some("q=ana&status=sold&from=2024-01-01"), None).expect("valid").is_search());
    }

    #[test]
    fn api_rejects_unknown_and_invalid_parameters() {
        assert_eq!(parameter_of(parse_view(Some("colour=red"), None)), "colour");
        assert_eq!(parameter_of(parse_view(Some("status=won"), None)), "status");
        assert_eq!(parameter_of(parse_view(Some("source=3"), Some(4))), "source");
    }
}
