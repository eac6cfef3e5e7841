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
use app::format::{encode_query_component, thousands};

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
    /// Query string of the view, as the table's URL carries it.
    query: String,
    /// The source the case reads, in the path; `None` for all sources.
    source_id: Option<i64>,
    /// The same view, for `explain analyze`.
    view: LeadView,
}

impl Case {
    /// Returns the GET endpoint the table loads its rows from.
    fn rows_path(&self) -> String {
        match self.source_id {
            Some(id) => format!("/api/source_leads?source_id={id}&query={}", encode_query_component(&self.query)),
            None => format!("/api/leads?query={}", encode_query_component(&self.query)),
        }
    }

    /// Returns the GET endpoint the table loads its total from.
    fn count_path(&self) -> String {
        // The total depends on the filter alone; the path names the source.
        let mut filter = self.view.filter.clone();
        if self.source_id.is_some() {
            filter.source_id = None;
        }
        let query = encode_query_component(&LeadView { filter, ..LeadView::default() }.to_query_string());
        match self.source_id {
            Some(id) => format!("/api/source_leads_count?source_id={id}&query={query}"),
            None => format!("/api/leads_count?query={query}"),
        }
    }

    /// Returns the JSON read API path, which returns rows and total together.
    fn api_path(&self) -> String {
        let base = match self.source_id {
            Some(id) => format!("/api/v1/sources/{id}/leads"),
            None => "/api/v1/leads".to_string(),
        };
        if self.query.is_empty() {
            base
        } else {
            format!("{base}?{}", self.query)
        }
    }
}

/// Latency percentiles of one endpoint, in milliseconds.
struct Latency {
    p50_ms: f64,
    p95_ms: f64,
}

struct Measurement {
    case: Case,
    rows: Latency,
    count: Latency,
    api: Latency,
    total: u64,
    postgres_rows_ms: f64,
    postgres_count_ms: Option<f64>,
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
    let app = router(AppState { leptos_options, pool: pool.clone(), operator: app::api::Operator("bench".to_string()) });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let cases = cases(&pool).await?;
    let mut client = HttpClient::connect(addr).await?;
    let mut results = Vec::with_capacity(cases.len());
    for case in cases {
        let rows = time_requests(&mut client, &case.rows_path(), options.iterations).await?.0;
        let (count, body) = time_requests(&mut client, &case.count_path(), options.iterations).await?;
        let (api, _) = time_requests(&mut client, &case.api_path(), options.iterations).await?;
        let total = serde_json::from_str::<Option<u64>>(&body).ok().flatten().unwrap_or(0);
        let (postgres_rows_ms, postgres_count_ms) = leads::explain_times(&pool, &case.view).await?;
        let measurement = Measurement { rows, count, api, total, postgres_rows_ms, postgres_count_ms, case };
        println!(
            "{:<40} rows p95 {:>7.1} ms  count p95 {:>7.1} ms  API p95 {:>7.1} ms  (PostgreSQL rows {:>6.1} ms, total {})",
            measurement.case.name,
            measurement.rows.p95_ms,
            measurement.count.p95_ms,
            measurement.api.p95_ms,
            measurement.postgres_rows_ms,
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

/// Sends warm-up requests, then times `iterations` GET requests. Returns the
/// percentiles and the last response body.
async fn time_requests(client: &mut HttpClient, path: &str, iterations: usize) -> Result<(Latency, String), Error> {
    for _ in 0..WARM_UP {
        client.get(path).await?;
    }
    let mut timings = Vec::with_capacity(iterations);
    let mut body = String::new();
    for _ in 0..iterations {
        let started = Instant::now();
        body = client.get(path).await?;
        timings.push(started.elapsed());
    }
    timings.sort();
    Ok((Latency { p50_ms: percentile(&timings, 0.50), p95_ms: percentile(&timings, 0.95) }, body))
}

/// Builds the benchmark cases: each filter alone, a combination, deep pages
/// and every sort, against the largest source where a source matters.
async fn cases(pool: &PgPool) -> Result<Vec<Case>, Error> {
    let (source_id, source_leads): (i64, i64) =
        sqlx::query_as("select id, lead_count from sources order by lead_count desc, id limit 1").fetch_one(pool).await?;
    let deep_page = u64::try_from(source_leads).unwrap_or(0) / 50 / 2;
    // The lead just before the deep page, as the Next link on the page before
    // it names it.
    let cursor: i64 = sqlx::query_scalar(
        "select id from leads where source_id = $1 order by created_at desc, id desc offset $2 limit 1",
    )
    .bind(source_id)
    .bind(i64::try_from((deep_page - 1) * 50 - 1).unwrap_or(0))
    .fetch_one(pool)
    .await?;

    let mut cases = Vec::new();
    let mut add = |name: &str, query: String, source: Option<i64>| {
        let (mut view, _) = LeadView::from_query_string(&query);
        if source.is_some() {
            view.filter.source_id = source;
        }
        cases.push(Case { name: name.to_string(), query, source_id: source, view });
    };
    let source = Some(source_id);
    add("source, no filter (first page)", String::new(), source);
    add("all sources, no filter", String::new(), None);
    add("source, status sold", "status=sold".to_string(), source);
    add("source, one month", "from=2025-06-01&to=2025-06-30&tz=UTC".to_string(), source);
    add("source, name 'mar'", "name=mar".to_string(), source);
    add("source, email 'gmail'", "email=gmail".to_string(), source);
    add("source, email 'smith9'", "email=smith9".to_string(), source);
    add("source, phone '4567'", "phone=4567".to_string(), source);
    add("source, email + status + month", "email=gmail&status=sold&from=2025-06-01&to=2025-06-30&tz=UTC".to_string(), source);
    add(&format!("source, deep page {deep_page} by Next"), format!("page={deep_page}&after={cursor}"), source);
    add(&format!("source, deep page {deep_page} pasted"), format!("page={deep_page}"), source);
    for sort in ["created_at", "-created_at", "name", "-name", "email", "phone", "status", "source"] {
        add(&format!("source, sort {sort}"), format!("sort={sort}"), source);
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
    let _ = writeln!(text, "## Lead list over HTTP\n");
    let _ = writeln!(text, "- Command: `scripts/bench` (runs `leadbase bench --leads {} --iterations {}`)", options.leads, options.iterations);
    let _ = writeln!(text, "- Machine: {}", machine_description());
    let _ = writeln!(text, "- Data: {} leads from `leadbase seed --seed 42`, after `vacuum analyze`", thousands(lead_count));
    let _ = writeln!(
        text,
        "- Method: {} timed GET requests per endpoint and case after {WARM_UP} warm-up requests, one keep-alive HTTP/1.1 \
         connection on loopback, so each latency includes HTTP and JSON. *Rows* is the endpoint the table loads its \
         page from (`/api/source_leads`), *count* the one its total arrives from afterwards (`/api/source_leads_count`), \
         *API* the JSON read API (`/api/v1/sources/{{id}}/leads`), which runs both at once on two connections. \
         PostgreSQL columns are the `explain analyze` execution times of the same queries, measured once; \
         \"kept\" means the per-source and per-status counters answer the count without a query.",
        options.iterations
    );
    let _ = writeln!(
        text,
        "- Targets: rows p95 at most 25 ms unfiltered or by status or date, 60 ms for substring filters, and a deep \
         page reached by Next at most 1.5 times the first page; count p95 at most 300 ms. A deep page opened from \
         a link without its cursor (the pasted case) first finds the lead before it by skipping index entries from \
         the nearer end of the list, then reads like a Next page; its PostgreSQL column times only that read.\n"
    );
    let _ = writeln!(
        text,
        "| case | matches | rows p50 ms | rows p95 ms | count p95 ms | API p95 ms | PostgreSQL rows ms | PostgreSQL count ms |"
    );
    let _ = writeln!(text, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for result in results {
        let count = match result.postgres_count_ms {
            Some(ms) => format!("{ms:.1}"),
            None => "kept".to_string(),
        };
        let _ = writeln!(
            text,
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {count} |",
            result.case.name,
            thousands(result.total),
            result.rows.p50_ms,
            result.rows.p95_ms,
            result.count.p95_ms,
            result.api.p95_ms,
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
