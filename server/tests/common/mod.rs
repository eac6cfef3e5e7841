//! Helpers shared by the integration tests.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;

use app::backend::search::SearchService;
use leadbase::cli::leptos_options;
use leadbase::config::Config;
use leadbase::router::{router, AppState};

/// Sends a GET request through the real router.
pub async fn send(pool: &PgPool, uri: &str) -> Response {
    send_request(pool, Request::get(uri).body(Body::empty()).expect("valid request")).await
}

/// Sends a request through the real router. Advanced Search is not started,
/// so its requests return 503 (see [`send_with_search`]).
pub async fn send_request(pool: &PgPool, request: Request<Body>) -> Response {
    let search = SearchService::not_started(pool.clone());
    send_with_search(pool, &search, request).await
}

/// Sends a request through the real router, with a running search service.
pub async fn send_with_search(pool: &PgPool, search: &SearchService, request: Request<Body>) -> Response {
    let config = Config::from_lookup(|_| None).expect("default configuration is valid");
    let app = router(AppState {
        leptos_options: leptos_options(&config),
        pool: pool.clone(),
        operator: app::api::Operator(config.operator.clone()),
        search: search.clone(),
    });
    app.oneshot(request).await.expect("router answers")
}

/// Sends a JSON body with `method` and returns the status and the JSON response.
pub async fn send_json(pool: &PgPool, method: &str, uri: &str, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("valid request");
    let response = send_request(pool, request).await;
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body readable").to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{method} {uri} returned invalid JSON ({error}): {text}"));
    (status, json)
}

/// Sends a GET request and returns status and body.
pub async fn get(pool: &PgPool, uri: &str) -> (StatusCode, String) {
    let response = send(pool, uri).await;
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body readable").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Sends a GET request and returns status and body parsed as JSON.
pub async fn get_json(pool: &PgPool, uri: &str) -> (StatusCode, serde_json::Value) {
    let (status, body) = get(pool, uri).await;
    let json = serde_json::from_str(&body).unwrap_or_else(|error| panic!("{uri} returned invalid JSON ({error}): {body}"));
    (status, json)
}

/// Sends a GET request and returns the status and the `Location` header.
pub async fn get_location(pool: &PgPool, uri: &str) -> (StatusCode, String) {
    let response = send(pool, uri).await;
    let location = response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (response.status(), location)
}

/// Creates a source and returns its id.
pub async fn create_source(pool: &PgPool, name: &str) -> i64 {
    sqlx::query_scalar("insert into sources (name) values ($1) returning id")
        .bind(name)
        .fetch_one(pool)
        .await
        .expect("source inserted")
}

/// Inserts a lead with the given name, email and creation time (RFC 3339).
pub async fn insert_lead(pool: &PgPool, source_id: i64, first_name: &str, email: &str, created_at: &str) -> i64 {
    sqlx::query_scalar(
        "insert into leads (source_id, first_name, email, created_at) values ($1, $2, $3, $4::timestamptz) returning id",
    )
    .bind(source_id)
    .bind(first_name)
    .bind(email)
    .bind(created_at)
    .fetch_one(pool)
    .await
    .expect("lead inserted")
}
