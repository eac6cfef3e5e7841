//! The HTTP router: Leptos pages and server functions, static files, health check.

use axum::extract::{FromRef, State};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use tower_http::trace::TraceLayer;

use app::{shell, App};

/// What every request handler can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
}

/// Builds the router, so that `serve` and the tests run the same routes.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let pool = state.pool.clone();
    let leptos_options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(pool.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Answers 200 when the database answers, 503 otherwise.
async fn health(State(pool): State<PgPool>) -> axum::http::StatusCode {
    match sqlx::query("select 1").execute(&pool).await {
        Ok(_) => axum::http::StatusCode::OK,
        Err(error) => {
            tracing::warn!(%error, "health check failed: database unreachable");
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        }
    }
}
