//! `leadbase bench`: latency of the lead list at the JSON API, over real HTTP
//! on loopback, next to PostgreSQL's own execution time for the same queries.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use app::backend::{leads, Error};
use app::filter::LeadView;
use app::format::thousands;

use crate::router::{router, AppState};

/// Options of `leadbase bench`.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// Leads the database must hold; an empty database is seeded first.
    pub leads: u64,
    /// Timed requests per case, after the warm-up requests.
    pub iterations: usize,
    /// Path of the Markdown report.
    pub report: std::path::PathBuf,
}

/// Requests per case sent before timing starts, to warm caches and plans.
const WARM_UP: usize = 3;

struct Case {
    name: String,
    path: String,
    /// The same view, for `explain analyze`.
    view: LeadView,
}

struct Measurement {
    case: Case,
    p50_ms: f64,
    p95_ms: f64,
    max_ms: f64,
    total: u64,
    postgres_rows_ms: f64,
    postgres_count_ms: f64,
}

/// Seeds the database if it is empty, serves the app on a free loopback port
/// and times every case. Writes the report to disk and returns it.
pub async fn run(pool: PgPool, leptos_options: leptos::prelude::LeptosOptions, options: BenchOptions) -> Result<String, Error> {
    let existing: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await?;
    if existing == 0 {
        let summary = crate::seed::seed(&pool, crate::seed::SeedOptions { leads: options.leads, seed: 42, if_empty: false }).await?;
        println!("{summary}");
    } else if u64::try_from(existing).unwrap_or(0) != options.leads {
        return Err(Error::InvalidInput(format!(
            "the database has {} leads, not {}: point DATABASE_URL at an empty database or pass --leads {existing}",
            thousands(u64::try_from(existing).unwrap_or(0)),
            thousands(options.leads)
        )));
    }
    sqlx::query("vacuum analyze leads").execute(&pool).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|source| Error::Io {
        context: "cannot open a loopback port for the benchmark server".to_string(),
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| Error::Io { context: "no local address".to_string(), source })?;
    let app = router(AppState { leptos_options, pool: pool.clone() });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let cases = cases(&pool).await?;
    let mut client = HttpClient::connect(addr).await?;
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        for _ in 0..WARM_UP {
            client.get(&case.path).await?;
        }
        let mut timings = Vec::with_capacity(options.iterations);
        let mut total = 0;
        for _ in 0..options.iterations {
            let started = Instant::now();
            let body = client.get(&case.path).await?;
            timings.push(started.elapsed());
            total = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|json| json["total"].as_u64())
                .unwrap_or(0);
        }
        let (postgres_rows_ms, postgres_count_ms) = leads::explain_times(&pool, &case.view).await?;
        timings.sort();
        let measurement = Measurement {
            p50_ms: percentile(&timings, 0.50),
            p95_ms: percentile(&timings, 0.95),
            max_ms: timings.last().map(ms).unwrap_or(0.0),
            total,
            postgres_rows_ms,
            postgres_count_ms,
            case,
        };
        println!(
            "{:<40} p50 {:>8.1} ms  p95 {:>8.1} ms  (PostgreSQL rows {:>7.1} ms, count {:>7.1} ms, total {})",
            measurement.case.name,
            measurement.p50_ms,
            measurement.p95_ms,
            measurement.postgres_rows_ms,
            measurement.postgres_count_ms,
            thousands(measurement.total)
        );
        results.push(measurement);
    }
    server.abort();

    let report = render_report(&options, existing.max(0) as u64, &results);
    std::fs::write(&options.report, &report).map_err(|source| Error::Io {
        context: format!("cannot write {}", options.report.display()),
        source,
    })?;
    Ok(report)
}

/// Builds the benchmark cases: each filter alone, a combination, a deep page and
/// every sort, against the largest source where a source matters.
async fn cases(pool: &PgPool) -> Result<Vec<Case>, Error> {
    let (source_id, source_leads): (i64, i64) =
        sqlx::query_as("select id, lead_count from sources order by lead_count desc, id limit 1").fetch_one(pool).await?;
    let deep_page = u64::try_from(source_leads).unwrap_or(0) / 50 / 2;
    let source_path = format!("/api/v1/sources/{source_id}/leads");

    let mut cases = Vec::new();
    let mut add = |name: &str, base: &str, query: String, source: Option<i64>| {
        let (mut view, _) = LeadView::from_query_string(&query);
        if source.is_some() {
            view.filter.source_id = source;
        }
        let path = if query.is_empty() { base.to_string() } else { format!("{base}?{query}") };
        cases.push(Case { name: name.to_string(), path, view });
    };
    add("source, no filter (first page)", &source_path, String::new(), Some(source_id));
    add("all sources, no filter", "/api/v1/leads", String::new(), None);
    add("source, status sold", &source_path, "status=sold".to_string(), Some(source_id));
    add("source, one month", &source_path, "from=2025-06-01&to=2025-06-30&tz=UTC".to_string(), Some(source_id));
    add("source, name 'mar'", &source_path, "name=mar".to_string(), Some(source_id));
    add("source, email 'gmail'", &source_path, "email=gmail".to_string(), Some(source_id));
    add("source, email 'smith9'", &source_path, "email=smith9".to_string(), Some(source_id));
    add("source, phone '4567'", &source_path, "phone=4567".to_string(), Some(source_id));
    add("source, email + status + month", &source_path, "email=gmail&status=sold&from=2025-06-01&to=2025-06-30&tz=UTC".to_string(), Some(source_id));
    add(&format!("source, deep page {deep_page}"), &source_path, format!("page={deep_page}"), Some(source_id));
    for sort in ["created_at", "-created_at", "name", "-name", "email", "phone", "status", "source"] {
        add(&format!("source, sort {sort}"), &source_path, format!("sort={sort}"), Some(source_id));
    }
    Ok(cases)
}

fn ms(duration: &Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted timings.
fn percentile(sorted: &[Duration], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    ms(&sorted[rank - 1])
}

fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name").map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string()))
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{cores} cores ({model}), {memory_gib:.0} GiB memory")
}

fn render_report(options: &BenchOptions, lead_count: u64, results: &[Measurement]) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# Benchmarks\n");
    let _ = writeln!(text, "## Lead list at the JSON API\n");
    let _ = writeln!(text, "- Command: `scripts/bench` (runs `leadbase bench --leads {} --iterations {}`)", options.leads, options.iterations);
    let _ = writeln!(text, "- Machine: {}", machine_description());
    let _ = writeln!(text, "- Data: {} leads from `leadbase seed --seed 42`, after `vacuum analyze`", thousands(lead_count));
    let _ = writeln!(
        text,
        "- Method: {} timed GET requests per case after {WARM_UP} warm-up requests, one keep-alive HTTP/1.1 connection on \
         loopback, so each latency includes HTTP, JSON and both the row and the count query. PostgreSQL columns are the \
         `explain analyze` execution times of the same two queries, measured once.\n",
        options.iterations
    );
    let _ = writeln!(text, "| case | matches | p50 ms | p95 ms | max ms | PostgreSQL rows ms | PostgreSQL count ms |");
    let _ = writeln!(text, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for result in results {
        // Unfiltered views take their total from the sources' lead counts and
        // run no count query.
        let count = if result.case.view.filter.is_narrowed() {
            format!("{:.1}", result.postgres_count_ms)
        } else {
            "not run".to_string()
        };
        let _ = writeln!(
            text,
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {count} |",
            result.case.name,
            thousands(result.total),
            result.p50_ms,
            result.p95_ms,
            result.max_ms,
            result.postgres_rows_ms,
        );
    }
    text
}

/// A minimal HTTP/1.1 client over one keep-alive connection: enough to time
/// GET requests against the server under test without another dependency.
struct HttpClient {
    stream: BufReader<TcpStream>,
}

impl HttpClient {
    async fn connect(addr: SocketAddr) -> Result<HttpClient, Error> {
        let stream = TcpStream::connect(addr).await.map_err(|source| Error::Io { context: format!("cannot connect to {addr}"), source })?;
        Ok(HttpClient { stream: BufReader::new(stream) })
    }

    async fn get(&mut self, path: &str) -> Result<String, Error> {
        let io = |source: std::io::Error| Error::Io { context: format!("GET {path} failed"), source };
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
        self.stream.get_mut().write_all(request.as_bytes()).await.map_err(io)?;

        let mut status_line = String::new();
        self.stream.read_line(&mut status_line).await.map_err(io)?;
        if !status_line.starts_with("HTTP/1.1 200") {
            return Err(Error::InvalidInput(format!("GET {path} returned {}", status_line.trim())));
        }
        let mut content_length = 0usize;
        loop {
            let mut header = String::new();
            self.stream.read_line(&mut header).await.map_err(io)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; content_length];
        self.stream.read_exact(&mut body).await.map_err(io)?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
}
