//! The HTTP router: Leptos pages and server functions, static files, health check.

use axum::extract::{FromRef, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use app::api::Operator;
use app::backend::search::SearchService;
use app::{shell, App};

/// Shared state of every request handler.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// Name recorded for changes made in the UI.
    pub operator: Operator,
    /// Advanced Search over the lead index.
    pub search: SearchService,
}

/// Builds the router, so that `serve` and the tests run the same routes.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let pool = state.pool.clone();
    let operator = state.operator.clone();
    let fallback_pool = state.pool.clone();
    let fallback_operator = state.operator.clone();
    let search = state.search.clone();
    let fallback_search = state.search.clone();
    let leptos_options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health))
        .merge(crate::api::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(pool.clone());
                provide_context(operator.clone());
                provide_context(search.clone());
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || {
                provide_context(fallback_pool.clone());
                provide_context(fallback_operator.clone());
                provide_context(fallback_search.clone());
            },
            shell,
        ))
        .layer(middleware::from_fn(redirect_trailing_slash))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Redirects `/sources/` to `/sources`, keeping the query, so every view has
/// one URL. Leading slashes collapse to one, so `//host/` cannot become a
/// redirect to another site.
async fn redirect_trailing_slash(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = format!("/{}", path.trim_matches('/'));
        let target = match request.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed,
        };
        return Redirect::permanent(&target).into_response();
    }
    next.run(request).await
}

/// Returns 200 when the database responds, 503 otherwise.
async fn health(State(pool): State<PgPool>) -> axum::http::StatusCode {
    match sqlx::query("select 1").execute(&pool).await {
        Ok(_) => axum::http::StatusCode::OK,
        Err(error) => {
            tracing::warn!(%error, "health check failed: database unreachable");
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
