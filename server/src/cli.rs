//! The command line: `serve` (the default), `migrate`, `import`, `seed`,
//! `reindex` and `bench`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use leptos::prelude::LeptosOptions;
use sqlx::migrate::MigrateDatabase;
use sqlx::PgPool;

use app::api::Operator;
use app::backend::search::SearchService;

use crate::config::Config;
use crate::router::{router, AppState};
use crate::Error;

/// Leadbase: a lead database for lead-distribution operators.
#[derive(Debug, Parser)]
#[command(name = "leadbase", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and its API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Import leads from a CSV file into a source, creating the source if new.
    Import {
        /// Name of the source that receives the leads.
        #[arg(long)]
        source: String,
        /// CSV file: UTF-8 with or without BOM, comma or semicolon separated.
        file: PathBuf,
        /// Also write every rejected row, with its row, line, column, value and
        /// error, to this CSV file.
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
    },
    /// Time the lead list over HTTP and write BENCHMARKS.md.
    Bench {
        /// Leads the benchmark database holds; an empty one is seeded first.
        #[arg(long, default_value_t = 1_000_000)]
        leads: u64,
        /// Timed requests per endpoint and case; enough that one slow request
        /// does not decide a millisecond-scale p95.
        #[arg(long, default_value_t = 100)]
        iterations: usize,
        /// Markdown report to write.
        #[arg(long, default_value = "BENCHMARKS.md")]
        report: PathBuf,
    },
    /// Rebuild the search index from PostgreSQL. A running server keeps
    /// searching the old index until the new one is complete, then switches.
    Reindex,
    /// Fill an empty database with deterministic demo data.
    Seed {
        /// Number of leads to create across all demo sources.
        #[arg(long, default_value_t = 10_000)]
        leads: u64,
        /// Random seed: the same seed and lead count give the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Do nothing when the database already has leads, instead of failing.
        #[arg(long)]
        if_empty: bool,
    },
}

/// Errors that end a command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    App(#[from] Error),
    #[error("cannot listen on {addr}: {source}; set LEADBASE_ADDR to a free address")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}

/// Runs one command to completion.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_database(&config).await?;
            println!("Migrations applied to {}", config.database_display());
            Ok(())
        }
        Command::Import { source, file, rejects } => {
            let pool = open_database(&config).await?;
            let report = crate::leads_csv::import_file(&pool, &source, &file).await?;
            print!("{}", report.render());
            if let Some(path) = rejects {
                report.write_rejections(&path)?;
                println!("Wrote {} rejected rows to {}", report.rejected.len(), path.display());
            }
            Ok(())
        }
        Command::Bench { leads, iterations, report } => {
            let pool = open_database(&config).await?;
            let options = crate::bench::BenchOptions { leads, iterations, report };
            crate::bench::run(pool, leptos_options(&config), options).await?;
            Ok(())
        }
        Command::Reindex => {
            let pool = open_database(&config).await?;
            let started = std::time::Instant::now();
            let generation = app::backend::search::build_generation(&pool, &config.index_dir, |indexed, total| {
                if total > 0 {
                    eprint!("\rindexed {indexed} of {total} leads ({}%)   ", indexed * 100 / total);
                }
            })
            .await?;
            eprintln!();
            println!(
                "Rebuilt the search index in {:.1} s: {} (a running server switches to it within a second)",
                started.elapsed().as_secs_f64(),
                config.index_dir.join(&generation).display()
            );
            Ok(())
        }
        Command::Seed { leads, seed, if_empty } => {
            let pool = open_database(&config).await?;
            let summary = crate::seed::seed(&pool, crate::seed::SeedOptions { leads, seed, if_empty }).await?;
            println!("{summary}");
            Ok(())
        }
    }
}

/// Creates the database when it does not exist, connects and migrates it.
pub async fn open_database(config: &Config) -> Result<PgPool, Error> {
    let exists = sqlx::Postgres::database_exists(&config.database_url).await?;
    if !exists {
        tracing::info!(database = %config.database_display(), "creating database");
        sqlx::Postgres::create_database(&config.database_url).await?;
    }
    let pool = app::backend::connect(&config.database_url).await?;
    app::backend::migrate(&pool).await?;
    Ok(pool)
}

/// Builds the Leptos settings for serving the compiled site from `config.site_root`.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("leadbase")
        .site_root(config.site_root.to_string_lossy().as_ref())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build()
}

async fn serve(config: Config) -> Result<(), CliError> {
    tracing::info!(
        database = %config.database_display(),
        data_dir = %config.data_dir.display(),
        index_dir = %config.index_dir.display(),
        site_root = %config.site_root.display(),
        "starting leadbase"
    );
    let pool = open_database(&config).await?;
    std::fs::create_dir_all(&config.data_dir).map_err(|source| Error::Io {
        context: format!("cannot create data directory {}", config.data_dir.display()),
        source,
    })?;

    tokio::spawn(fold_status_counts_forever(pool.clone()));
    let search = SearchService::start(pool.clone(), config.index_dir.clone());
    let state = AppState {
        leptos_options: leptos_options(&config),
        pool,
        operator: Operator(config.operator.clone()),
        search: search.clone(),
    };
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|source| CliError::Bind { addr: config.addr, source })?;
    tracing::info!(address = %format!("http://{}", config.addr), "listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(CliError::Serve)?;
    // The batch being indexed commits, so the next start resumes after it.
    search.stop().await;
    tracing::info!("server stopped");
    Ok(())
}

/// How often the per-status lead counters are folded back into one row per
/// source and status; between folds, every change adds a row to sum.
const STATUS_COUNT_FOLD_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

async fn fold_status_counts_forever(pool: PgPool) {
    let mut ticks = tokio::time::interval(STATUS_COUNT_FOLD_INTERVAL);
    loop {
        ticks.tick().await;
        match app::backend::leads::fold_status_counts(&pool).await {
            Ok(0) => {}
            Ok(groups) => tracing::debug!(groups, "folded lead counters"),
            Err(error) => tracing::warn!(%error, "folding the lead counters failed; totals stay exact, the next fold retries"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; stop the server with Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested");
}
