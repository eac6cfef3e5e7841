//! The application error type, shared by server functions, REST routes and the CLI.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use leptos::prelude::ServerFnError;

/// Everything that can go wrong while serving a request or running a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A requested record does not exist, such as an unknown source id.
    #[error("{0} not found")]
    NotFound(String),

    /// Input that breaks a rule; the message names the value and the fix.
    #[error("{0}")]
    InvalidInput(String),

    /// The database failed or rejected a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),

    /// A part of Leadbase is not ready, such as a search index being built.
    /// The message names the part and when to retry.
    #[error("{0}")]
    Unavailable(String),

    /// The search index failed.
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),

    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Returns the HTTP status this error maps to.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::InvalidInput(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Database(sqlx::Error::RowNotFound) => StatusCode::NOT_FOUND,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(_) | Error::Migration(_) | Error::Io { .. } | Error::Index(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// Returns the message a user may see. Internal failures are logged with their cause
    /// and replaced by a plain sentence, so no SQL or path leaks to the browser.
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() && !matches!(self, Error::Unavailable(_)) {
            tracing::error!(error = ?self, "request failed");
            "Something went wrong on the server; the error has been logged. Try again in a moment.".to_string()
        } else {
            self.to_string()
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::json!({ "error": self.public_message() });
        (status, Json(body)).into_response()
    }
}

impl Error {
    /// Converts to a server function error carrying only the public message.
    /// `ServerFnError`'s blanket `From` would copy the full text instead, SQL
    /// details included, which is why server functions call this explicitly.
    pub fn into_server_fn_error(self) -> ServerFnError {
        ServerFnError::ServerError(self.public_message())
    }
}
