//! SQL for leads: the only module that reads or writes the `leads` table.

use std::fmt::Write as _;
use std::net::IpAddr;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::Error;
use crate::contact::phone_digits;
use crate::filter::{LeadFilter, LeadSort, LeadView, SortColumn};
use crate::model::{Lead, LeadStatus, LeadSummary, Page, Source};

/// Author of a change, as recorded in a lead's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// An operator working in the UI, by name.
    User(String),
    /// Leadbase itself: imports, seeding, rules.
    System(String),
    /// An integration, by its API key's name.
    Api(String),
}

impl Actor {
    pub fn kind(&self) -> &'static str {
        match self {
            Actor::User(_) => "user",
            Actor::System(_) => "system",
            Actor::Api(_) => "api",
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Actor::User(name) | Actor::System(name) | Actor::Api(name) => name,
        }
    }
}

/// A lead about to be inserted, already validated.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLead {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: LeadStatus,
    pub fields: Map<String, Value>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Rows per INSERT statement. Ten bound parameters a row keeps a batch far below
/// PostgreSQL's limit of 65,535 parameters per statement.
pub const INSERT_BATCH_ROWS: usize = 1_000;

/// Inserts leads into a source, each with its `created` history entry, in
/// statements of at most [`INSERT_BATCH_ROWS`] rows. The caller owns the
/// transaction, so a failure leaves none of the batch behind.
pub async fn insert_many(
    conn: &mut PgConnection,
    source_id: i64,
    leads: &[NewLead],
    actor: &Actor,
) -> Result<u64, Error> {
    let mut inserted = 0;
    for batch in leads.chunks(INSERT_BATCH_ROWS) {
        let mut query = QueryBuilder::<Postgres>::new(
            "with inserted as (insert into leads (source_id, first_name, last_name, email, phone, \
             status, fields, ip, user_agent, created_at, updated_at) ",
        );
        query.push_values(batch, |mut row, lead| {
            row.push_bind(source_id)
                .push_bind(&lead.first_name)
                .push_bind(&lead.last_name)
                .push_bind(&lead.email)
                .push_bind(&lead.phone)
                .push_bind(lead.status)
                .push_bind(Json(&lead.fields))
                .push_bind(lead.ip.map(|ip| ip.to_string()))
                .push_unseparated("::inet")
                .push_bind(&lead.user_agent)
                .push_bind(lead.created_at)
                .push_bind(lead.created_at);
        });
        query.push(
            " returning id, status, created_at) \
             insert into lead_history (lead_id, at, kind, to_value, actor_kind, actor_name) \
             select id, created_at, 'created', status::text, ",
        );
        query.push_bind(actor.kind());
        query.push(", ");
        query.push_bind(actor.name());
        query.push(" from inserted");

        let result = query.build().execute(&mut *conn).await?;
        inserted += result.rows_affected();
    }
    Ok(inserted)
}

/// Lists one page of a source's leads under a view's filter and sort. The
/// view's own source is ignored in favour of `source`.
pub async fn list_by_source(pool: &PgPool, source: &Source, view: &LeadView) -> Result<Page<LeadSummary>, Error> {
    let mut view = view.clone();
    view.filter.source_id = Some(source.id);
    // Unfiltered, the triggers on `leads` keep the total in `lead_count`, so
    // the table of a source with millions of leads skips counting them.
    let known_total = (!view.filter.is_narrowed()).then(|| u64::try_from(source.lead_count).unwrap_or(0));
    list_page(pool, &view, SUMMARY_COLUMNS, known_total).await
}

/// Escapes `\`, `%` and `_` so user text matches literally inside a LIKE pattern.
fn escape_like(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Shortest phone number stored, in digits. A filter longer than a stored
/// number matches it when the number is a suffix of at least this length,
/// which covers a country prefix typed in the filter but absent in the data.
const MIN_STORED_PHONE_DIGITS: usize = crate::contact::MIN_PHONE_DIGITS;

/// Resolves the filter's day range to UTC instants: the start of the first
/// day, and the start of the day after the last one (exclusive), in the
/// filter's time zone.
pub fn created_bounds(filter: &LeadFilter) -> Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>), Error> {
    let zone: chrono_tz::Tz = match filter.time_zone.as_deref() {
        None => chrono_tz::UTC,
        Some(name) => name.parse().map_err(|_| {
            Error::InvalidInput(format!("invalid tz {name:?}: expected an IANA time zone such as Europe/Berlin or UTC"))
        })?,
    };
    let start_of = |date: chrono::NaiveDate| -> DateTime<Utc> {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        // Where a DST change skips midnight, the day starts at the first valid
        // instant, an hour later.
        zone.from_local_datetime(&midnight)
            .earliest()
            .or_else(|| zone.from_local_datetime(&(midnight + chrono::Duration::hours(1))).earliest())
            .map(|local| local.with_timezone(&Utc))
            .unwrap_or_else(|| midnight.and_utc())
    };
    let from = filter.created_from.map(start_of);
    let to = filter.created_to.and_then(|date| date.succ_opt()).map(start_of);
    Ok((from, to))
}

/// Appends the filter's conditions to a query that reads `leads l`, each
/// starting with ` and `. Every value is a bound parameter.
pub fn push_conditions(query: &mut QueryBuilder<'_, Postgres>, filter: &LeadFilter) -> Result<(), Error> {
    filter.validate().map_err(|error| Error::InvalidInput(error.to_string()))?;

    if let Some(source_id) = filter.source_id {
        query.push(" and l.source_id = ").push_bind(source_id);
    }
    if let Some(name) = &filter.name {
        // Escaped after folding, because folding turns full-width ％ ＿ ＼ into
        // the LIKE wildcards % _ and backslash.
        query
            .push(" and l.name_folded like '%' || replace(replace(replace(leadbase_fold(")
            .push_bind(name.clone())
            .push(r"), '\', '\\'), '%', '\%'), '_', '\_') || '%'");
    }
    if let Some(email) = &filter.email {
        query.push(" and l.email_normalized like '%' || lower(").push_bind(escape_like(email)).push(") || '%'");
    }
    if let Some(phone) = &filter.phone {
        let digits = phone_digits(phone);
        if digits.is_empty() {
            return Err(Error::InvalidInput(format!(
                "invalid phone {phone:?}: a phone filter needs at least one digit"
            )));
        }
        let suffixes: Vec<String> = (MIN_STORED_PHONE_DIGITS..digits.len()).map(|length| digits[digits.len() - length..].to_string()).collect();
        query.push(" and (l.phone_digits like ").push_bind(format!("%{digits}%"));
        query.push(" or l.phone_digits = any(").push_bind(suffixes).push("))");
    }
    if !filter.statuses.is_empty() {
        let statuses: Vec<&str> = filter.statuses.iter().map(|status| status.as_str()).collect();
        query.push(" and l.status = any(").push_bind(statuses).push("::lead_status[])");
    }
    let (from, to) = created_bounds(filter)?;
    if let Some(from) = from {
        query.push(" and l.created_at >= ").push_bind(from);
    }
    if let Some(to) = to {
        query.push(" and l.created_at < ").push_bind(to);
    }
    Ok(())
}

/// SQL ordering for a sort, with the lead id as final tiebreaker in the same
/// direction so that pages never repeat or skip rows. Statuses tie often, so
/// they sort by creation time next, which an index serves.
fn order_by(sort: LeadSort, filter: &LeadFilter) -> String {
    let direction = if sort.descending { "desc" } else { "asc" };
    let columns: &[&str] = match sort.column {
        SortColumn::CreatedAt => &["l.created_at"],
        SortColumn::Name => &["l.name_folded"],
        SortColumn::Email => &["l.email_normalized"],
        SortColumn::Phone => &["l.phone_digits"],
        SortColumn::Status => &["l.status", "l.created_at"],
        // Within one source every row ties on its name.
        SortColumn::Source if filter.source_id.is_some() => &[],
        SortColumn::Source => &["lower(s.name)"],
    };
    let mut order = String::from(" order by ");
    for column in columns {
        let _ = write!(order, "{column} {direction}, ");
    }
    let _ = write!(order, "l.id {direction}");
    order
}

/// Returns the total of an unfiltered view from the sources' lead counts,
/// which the triggers on `leads` keep exact, or `None` when a filter narrows
/// the view and the matching rows must be counted.
async fn known_total(pool: &PgPool, filter: &LeadFilter) -> Result<Option<u64>, Error> {
    if filter.is_narrowed() {
        return Ok(None);
    }
    let total: Option<i64> = sqlx::query_scalar("select sum(lead_count)::bigint from sources where $1::bigint is null or id = $1")
        .bind(filter.source_id)
        .fetch_one(pool)
        .await?;
    Ok(Some(u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
}

/// Columns of [`LeadSummary`], for `leads l join sources s`.
const SUMMARY_COLUMNS: &str = "l.id, l.source_id, s.name as source_name, l.first_name, l.last_name, \
     l.email, l.phone, l.status, l.created_at";

/// Columns of [`Lead`], for `leads l join sources s`.
const LEAD_COLUMNS: &str = "l.id, l.source_id, s.name as source_name, l.first_name, l.last_name, \
     l.email, l.phone, l.status, l.fields, host(l.ip) as ip, l.user_agent, l.created_at, l.updated_at";

/// Lists one page of the leads a view selects, with the total across pages.
pub async fn list(pool: &PgPool, view: &LeadView) -> Result<Page<LeadSummary>, Error> {
    list_page(pool, view, SUMMARY_COLUMNS, None).await
}

/// Lists one page of the leads a view selects across all sources, or in the
/// view's source. Unfiltered, the total comes from the sources' lead counts
/// instead of counting every lead.
pub async fn list_across_sources(pool: &PgPool, view: &LeadView) -> Result<Page<LeadSummary>, Error> {
    let known_total = known_total(pool, &view.filter).await?;
    list_page(pool, view, SUMMARY_COLUMNS, known_total).await
}

/// Lists one page of the leads a view selects with every attribute, for the API.
pub async fn list_full(pool: &PgPool, view: &LeadView) -> Result<Page<Lead>, Error> {
    let known_total = known_total(pool, &view.filter).await?;
    list_page(pool, view, LEAD_COLUMNS, known_total).await
}

async fn list_page<T>(pool: &PgPool, view: &LeadView, columns: &str, known_total: Option<u64>) -> Result<Page<T>, Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let total = match known_total {
        Some(total) => total,
        None => {
            let total: i64 = count_query("", &view.filter)?.build_query_scalar().fetch_one(pool).await?;
            u64::try_from(total).unwrap_or(0)
        }
    };

    let request = view.page;
    if request.offset() >= total {
        return Ok(Page { items: Vec::new(), total, page: request.page, size: request.size });
    }
    let items = rows_query("", columns, view)?.build_query_as::<T>().fetch_all(pool).await?;
    Ok(Page { items, total, page: request.page, size: request.size })
}

/// Builds the query for one page of a view's rows, after `prefix` (such as
/// `explain analyze`), so the benchmark explains exactly what the list runs.
fn rows_query<'a>(prefix: &str, columns: &str, view: &'a LeadView) -> Result<QueryBuilder<'a, Postgres>, Error> {
    let request = view.page;
    let mut rows = QueryBuilder::<Postgres>::new(format!(
        "{prefix} select {columns} from leads l join sources s on s.id = l.source_id where true"
    ));
    push_conditions(&mut rows, &view.filter)?;
    rows.push(order_by(view.sort, &view.filter));
    // NOTE: OFFSET paging reads and skips every earlier row: page 3,500 of a
    // 350,000-lead source takes about 0.6 s where the first page takes 1 ms.
    // Keyset paging from the previous page's last row would fix deep pages.
    rows.push(" limit ").push_bind(i64::from(request.size));
    rows.push(" offset ").push_bind(i64::try_from(request.offset()).unwrap_or(i64::MAX));
    Ok(rows)
}

/// Builds the query that counts a filter's matches, after `prefix`.
fn count_query<'a>(prefix: &str, filter: &'a LeadFilter) -> Result<QueryBuilder<'a, Postgres>, Error> {
    let mut count = QueryBuilder::<Postgres>::new(format!("{prefix} select count(*) from leads l where true"));
    push_conditions(&mut count, filter)?;
    Ok(count)
}

/// Server-side execution times, in milliseconds, that PostgreSQL reports
/// (`explain analyze`) for a view's row query and count query, as
/// [`list_across_sources`] runs them. The benchmark compares them with the
/// latency seen over HTTP.
pub async fn explain_times(pool: &PgPool, view: &LeadView) -> Result<(f64, f64), Error> {
    const EXPLAIN: &str = "explain (analyze, format json)";
    let rows_plan: serde_json::Value =
        rows_query(EXPLAIN, SUMMARY_COLUMNS, view)?.build_query_scalar().fetch_one(pool).await?;
    let count_plan: serde_json::Value = count_query(EXPLAIN, &view.filter)?.build_query_scalar().fetch_one(pool).await?;

    let execution_ms = |plan: &serde_json::Value| plan[0]["Execution Time"].as_f64().unwrap_or(f64::NAN);
    Ok((execution_ms(&rows_plan), execution_ms(&count_plan)))
}
