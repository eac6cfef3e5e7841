//! `leadbase bench`: latency of the lead list at the JSON API, over real HTTP
//! on loopback, next to PostgreSQL's own execution time for the same queries.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use app::backend::search::{self, SearchService};
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

    // The index is rebuilt from scratch, timed, into a directory of its own.
    let index_dir = std::env::temp_dir().join(format!("leadbase-bench-index-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&index_dir);
    let started = Instant::now();
    search::build_generation(&pool, &index_dir, |_, _| {}).await?;
    let reindex_seconds = started.elapsed().as_secs_f64();
    println!("reindex of {} leads: {reindex_seconds:.1} s", thousands(existing.max(0) as u64));
    let search = SearchService::start(pool.clone(), index_dir.clone());
    search.wait_until_ready(Duration::from_secs(60)).await?;
    // Peak memory from here on is what serving and searching take, not the rebuild.
    reset_peak_memory();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|source| Error::Io {
        context: "cannot open a loopback port for the benchmark server".to_string(),
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| Error::Io { context: "no local address".to_string(), source })?;
    let app = router(AppState {
        leptos_options,
        pool: pool.clone(),
        operator: app::api::Operator("bench".to_string()),
        search: search.clone(),
    });
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
    let search_cases = search_cases(&pool).await?;
    let mut search_results = Vec::with_capacity(search_cases.len());
    for case in search_cases {
        let (latency, body) = time_requests(&mut client, &case.path(), options.iterations).await?;
        let rank = rank_of(&body, &case.expected);
        let total = serde_json::from_str::<serde_json::Value>(&body).ok().and_then(|json| json["total"].as_u64()).unwrap_or(0);
        println!("{:<44} p95 {:>6.1} ms  expected lead at {}", case.name, latency.p95_ms, describe_rank(rank));
        search_results.push(SearchMeasurement { latency, rank, total, case });
    }
    let peak_mib = peak_memory_mib();
    let comparisons = compare_with_postgres(&pool, &search_results).await?;
    server.abort();
    let _ = std::fs::remove_dir_all(&index_dir);

    let mut report = render_report(&options, existing.max(0) as u64, &results);
    report.push_str(&render_search_report(&options, reindex_seconds, peak_mib, &search_results, &comparisons));
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

/// One Advanced Search case: a query typed by someone looking for one lead.
struct SearchCase {
    name: String,
    /// Query string for `/api/v1/leads`.
    query: String,
    /// The text searched, for the PostgreSQL comparison.
    text: String,
    /// Result the query is meant to find.
    expected: Expected,
}

/// The result a search case looks for.
#[derive(Clone, Debug)]
enum Expected {
    /// One lead, by id.
    Lead(i64),
    /// Any lead with this first and last name: names repeat in the demo data.
    Name(String, String),
}

impl SearchCase {
    fn path(&self) -> String {
        format!("/api/v1/leads?{}", self.query)
    }
}

struct SearchMeasurement {
    case: SearchCase,
    latency: Latency,
    /// Position of the expected lead in the first page, from 1.
    rank: Option<usize>,
    total: u64,
}

/// Latency and ranking of PostgreSQL's own text search on the same case.
struct Comparison {
    trigram: Latency,
    trigram_rank: Option<usize>,
    full_text: Latency,
    full_text_rank: Option<usize>,
}

/// Replaces the character at `index` (counted in characters) with `with`.
fn replace_char(text: &str, index: usize, with: char) -> String {
    text.chars().enumerate().map(|(at, c)| if at == index { with } else { c }).collect()
}

/// Swaps the characters at `index` and `index + 1`.
fn swap_chars(text: &str, index: usize) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if index + 1 < chars.len() {
        chars.swap(index, index + 1);
    }
    chars.into_iter().collect()
}

/// Builds the search cases from real leads: exact, prefix, one-typo and
/// two-typo queries on emails and names, alone and with filters.
async fn search_cases(pool: &PgPool) -> Result<Vec<SearchCase>, Error> {
    // A lead well inside the data with an address no other lead has, a last
    // name and a phone. Names repeat in the demo data, so name cases look for
    // the name, not this lead.
    let candidates: Vec<(i64, String, String, String, String, i64, String)> = sqlx::query_as(
        "select id, email, last_name, phone, status::text, source_id, coalesce(first_name, '') from leads \
         where email ~ '^[a-z]+[.]?[a-z]+[0-9]+@' and length(last_name) >= 6 and last_name ~ '^[A-Za-z]+$' \
           and phone is not null and id > (select max(id) / 2 from leads) \
         order by id limit 20",
    )
    .fetch_all(pool)
    .await?;
    let mut chosen = None;
    for candidate in candidates {
        let same: i64 = sqlx::query_scalar("select count(*) from leads where email_normalized = lower($1)")
            .bind(&candidate.1)
            .fetch_one(pool)
            .await?;
        if same == 1 {
            chosen = Some(candidate);
            break;
        }
    }
    let (id, email, last_name, phone, status, source_id, first_name) = chosen.ok_or_else(|| {
        Error::InvalidInput(
            "no lead in the second half of the data has a unique email with digits, a last name and a phone; \
             seed the database with leadbase seed"
                .to_string(),
        )
    })?;
    let (local, domain) = email.split_once('@').unwrap_or((&email, ""));
    // Swap the first two neighbouring letters that differ, so the typo is real.
    let chars: Vec<char> = local.chars().collect();
    let swap_at = (0..chars.len().saturating_sub(1)).find(|&at| chars[at] != chars[at + 1]).unwrap_or(0);
    let one_typo = format!("{}@{domain}", swap_chars(local, swap_at));
    let last = chars.len().saturating_sub(1);
    let replaced = if chars[last] == 'q' { 'z' } else { 'q' };
    let two_typos = format!("{}@{domain}", replace_char(&swap_chars(local, swap_at), last, replaced));
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let national: String = digits.chars().skip(digits.len().saturating_sub(10)).collect();
    let lower_last = last_name.to_lowercase();
    let name_typo = replace_char(&lower_last, 2, if lower_last.chars().nth(2) == Some('x') { 'z' } else { 'x' });
    let first_name_query = first_name.to_lowercase();
    let by_name = Expected::Name(first_name.clone(), last_name.clone());

    let name_query = format!("{first_name_query} {lower_last}");
    let name_typo_query = format!("{first_name_query} {name_typo}");
    // The address up to two letters past the @, as typed so far.
    let prefix: String = email.chars().take(local.chars().count() + 3).collect();
    let lead = Expected::Lead(id);
    let none = String::new();
    let planned = [
        (lead.clone(), format!("exact email {email}"), email.clone(), none.clone()),
        (lead.clone(), format!("email prefix {prefix}"), prefix, none.clone()),
        (lead.clone(), format!("email, one typo {one_typo}"), one_typo.clone(), none.clone()),
        (lead.clone(), format!("email, two typos {two_typos}"), two_typos.clone(), none.clone()),
        (by_name.clone(), format!("name '{name_query}'"), name_query, none.clone()),
        (by_name.clone(), format!("name, one typo '{name_typo_query}'"), name_typo_query.clone(), none.clone()),
        (lead.clone(), format!("phone digits {national}"), national, none.clone()),
        (lead.clone(), format!("email, one typo + status {status}"), one_typo, format!("&status={status}")),
        (
            lead,
            "email, two typos + source + year".to_string(),
            two_typos,
            format!("&source={source_id}&from=2020-01-01&to=2030-12-31&tz=UTC"),
        ),
        (by_name, format!("name, one typo + status {status}"), name_typo_query, format!("&status={status}")),
    ];
    Ok(planned
        .into_iter()
        .map(|(expected, name, text, extra)| {
            let query = format!("q={}{extra}", encode_query_component(&text));
            SearchCase { name, query, text, expected }
        })
        .collect())
}

/// Position of the first expected lead among the leads of an API response, from 1.
fn rank_of(body: &str, expected: &Expected) -> Option<usize> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let ids: Vec<i64> = json["leads"].as_array()?.iter().filter_map(|lead| lead["id"].as_i64()).collect();
    let names: Vec<(String, String)> = json["leads"]
        .as_array()?
        .iter()
        .map(|lead| (lead["first_name"].as_str().unwrap_or_default().to_string(), lead["last_name"].as_str().unwrap_or_default().to_string()))
        .collect();
    position_of(expected, &ids, &names)
}

/// Position, from 1, of the first of `ids` (with their names) that the case expects.
fn position_of(expected: &Expected, ids: &[i64], names: &[(String, String)]) -> Option<usize> {
    let found = match expected {
        Expected::Lead(id) => ids.iter().position(|candidate| candidate == id),
        Expected::Name(first, last) => names.iter().position(|(candidate_first, candidate_last)| candidate_first == first && candidate_last == last),
    };
    found.map(|index| index + 1)
}

fn describe_rank(rank: Option<usize>) -> String {
    match rank {
        Some(rank) => format!("#{rank}"),
        None => "not in the first 50".to_string(),
    }
}

/// Times a pg_trgm similarity query and a full-text query over the same
/// fields for each search case, and where they rank the expected lead. The
/// full-text query gets a GIN index of its own, created once.
async fn compare_with_postgres(pool: &PgPool, results: &[SearchMeasurement]) -> Result<Vec<Comparison>, Error> {
    const DOCUMENT: &str = "to_tsvector('simple', coalesce(name_folded, '') || ' ' || coalesce(email_normalized, '') || ' ' || coalesce(phone_digits, ''))";
    sqlx::query(&format!("create index if not exists bench_leads_full_text on leads using gin ({DOCUMENT})")).execute(pool).await?;
    let trigram = "select id, coalesce(first_name, ''), coalesce(last_name, '') from leads where name_folded % $1 or email_normalized % $1 or phone_digits % $1 \
                   order by greatest(similarity(name_folded, $1), similarity(email_normalized, $1), similarity(phone_digits, $1)) desc, id desc \
                   limit 50";
    let full_text = format!(
        "select id, coalesce(first_name, ''), coalesce(last_name, '') from leads where {DOCUMENT} @@ plainto_tsquery('simple', $1) \
         order by ts_rank({DOCUMENT}, plainto_tsquery('simple', $1)) desc, id desc limit 50"
    );
    // Fewer runs: these queries are far slower, and the point is the order of magnitude.
    const RUNS: usize = 10;
    let mut comparisons = Vec::new();
    for result in results {
        let text = result.case.text.to_lowercase();
        let (trigram_latency, trigram_ids) = time_sql(pool, trigram, &text, RUNS).await?;
        let (full_text_latency, full_text_ids) = time_sql(pool, &full_text, &text, RUNS).await?;
        let position = |ids: &[(i64, String, String)]| {
            let (only_ids, names): (Vec<i64>, Vec<(String, String)>) =
                ids.iter().map(|(id, first, last)| (*id, (first.clone(), last.clone()))).unzip();
            position_of(&result.case.expected, &only_ids, &names)
        };
        comparisons.push(Comparison {
            trigram: trigram_latency,
            trigram_rank: position(&trigram_ids),
            full_text: full_text_latency,
            full_text_rank: position(&full_text_ids),
        });
    }
    // The index exists for this comparison only; the list benchmark runs without it.
    sqlx::query("drop index if exists bench_leads_full_text").execute(pool).await?;
    Ok(comparisons)
}

async fn time_sql(pool: &PgPool, sql: &str, text: &str, runs: usize) -> Result<(Latency, Vec<(i64, String, String)>), Error> {
    let mut timings = Vec::with_capacity(runs);
    let mut ids = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        ids = sqlx::query_as(sql).bind(text).fetch_all(pool).await?;
        timings.push(started.elapsed());
    }
    timings.sort();
    Ok((Latency { p50_ms: percentile(&timings, 0.50), p95_ms: percentile(&timings, 0.95) }, ids))
}

/// Resets the process's peak resident memory, so a later reading covers
/// only what follows.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process, in MiB, from `/proc/self/status`.
fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .unwrap_or(f64::NAN)
}

fn render_search_report(
    options: &BenchOptions,
    reindex_seconds: f64,
    peak_mib: f64,
    results: &[SearchMeasurement],
    comparisons: &[Comparison],
) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "\n## Advanced Search\n");
    let _ = writeln!(
        text,
        "- Full reindex (`leadbase reindex`, the same code): {reindex_seconds:.1} s (target: at most 45 s)."
    );
    let _ = writeln!(
        text,
        "- Peak resident memory of the benchmark process, which serves the app and runs the client, from just after \
         the reindex through every search: {peak_mib:.0} MiB (target: under 500 MB)."
    );
    let _ = writeln!(
        text,
        "- Method: {} timed requests per case at the JSON API (`/api/v1/leads?q=…`), as for the list above. The \
         queries come from one real lead of the data, typed exactly, as a prefix, with one typo (two letters \
         swapped) and two typos; *rank* is where that lead appears (for the name cases, the first lead \
         of that name, because names repeat in the demo data). PostgreSQL columns run the same text through \
         pg_trgm similarity (`%` on the folded name, email and phone digits, ordered by similarity) and through \
         full-text search (`@@ plainto_tsquery('simple', …)` over the same fields, with a GIN index), 10 runs each.",
        options.iterations
    );
    let _ = writeln!(text, "- Target: search p95 at most 25 ms.\n");
    let _ = writeln!(text, "| case | matches | p50 ms | p95 ms | rank | pg_trgm p95 ms | pg_trgm rank | tsvector p95 ms | tsvector rank |");
    let _ = writeln!(text, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (result, comparison) in results.iter().zip(comparisons) {
        let rank = |rank: Option<usize>| rank.map_or("not found".to_string(), |rank| rank.to_string());
        let _ = writeln!(
            text,
            "| {} | {} | {:.1} | {:.1} | {} | {:.1} | {} | {:.1} | {} |",
            result.case.name.replace('|', "\\|"),
            thousands(result.total),
            result.latency.p50_ms,
            result.latency.p95_ms,
            rank(result.rank),
            comparison.trigram.p95_ms,
            rank(comparison.trigram_rank),
            comparison.full_text.p95_ms,
            rank(comparison.full_text_rank),
        );
    }
    text
}
