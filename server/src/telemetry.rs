//! Log output.

use tracing_subscriber::EnvFilter;

/// Logs to standard error, filtered by `RUST_LOG` (default: info for Leadbase and
/// HTTP requests, warnings for everything else).
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,leadbase=info,app=info,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
