//! Connection pool and migrations.

use std::time::Duration;

use sqlx::migrate::Migrator;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use super::Error;

/// The migrations under `migrations/`, embedded at build time.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Opens a connection pool and checks that the database responds.
pub async fn connect(database_url: &str) -> Result<PgPool, Error> {
    // sqlx prepares every statement, and after five runs PostgreSQL may switch
    // a statement to a generic plan that ignores the bound values. For LIKE
    // filters that plan cannot use the trigram indexes well, so every
    // execution is planned for its own values.
    let options = PgConnectOptions::from_str(database_url)?.options([("plan_cache_mode", "force_custom_plan")]);
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies every migration that the database has not seen yet.
pub async fn migrate(pool: &PgPool) -> Result<(), Error> {
    MIGRATOR.run(pool).await?;
    Ok(())
}
