//! Log output.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Logs to standard error, filtered by `RUST_LOG`. The default shows info for
/// Leadbase and HTTP requests and warnings for everything else, except sqlx's
/// slow-statement warnings, which print a bulk insert's whole SQL text.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,leadbase=info,app=info,tower_http=info,sqlx::query=error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
