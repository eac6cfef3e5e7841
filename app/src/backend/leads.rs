//! SQL for leads: the only module that reads or writes the `leads` table.

use std::fmt::Write as _;
use std::net::IpAddr;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::Error;
use crate::contact::phone_digits;
use crate::filter::{LeadFilter, LeadSort, LeadView, PageCursor, SortColumn};
use crate::model::{
    ActorKind, AttemptOutcome, DistributionAttempt, HistoryEntry, HistoryKind, Lead, LeadDetail, LeadStatus, LeadSummary,
    Neighbours, Page, Rows, StatusChangeOutcome,
};

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
    if filter.query.is_some() {
        // Relevance lives in the search index; SQL would silently drop the text.
        return Err(Error::InvalidInput(
            "an Advanced Search runs in the search index, not as a SQL filter; remove q to filter in SQL".to_string(),
        ));
    }
    push_scope_conditions(query, filter)?;
    push_text_conditions(query, filter)
}

/// Returns whether the filter contains a substring condition (name, email or
/// phone), whose selectivity PostgreSQL can only guess.
fn has_text_conditions(filter: &LeadFilter) -> bool {
    filter.name.is_some() || filter.email.is_some() || filter.phone.is_some()
}

/// Appends the conditions that indexes in sort order serve: source,
/// statuses and the created range.
fn push_scope_conditions(query: &mut QueryBuilder<'_, Postgres>, filter: &LeadFilter) -> Result<(), Error> {
    filter.validate().map_err(|error| Error::InvalidInput(error.to_string()))?;

    if let Some(source_id) = filter.source_id {
        query.push(" and l.source_id = ").push_bind(source_id);
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

/// Appends the substring conditions on name, email and phone.
fn push_text_conditions(query: &mut QueryBuilder<'_, Postgres>, filter: &LeadFilter) -> Result<(), Error> {
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
    Ok(())
}

/// One column of a sort order, as compared in a keyset condition.
struct SortKey {
    expr: &'static str,
    /// SQL type the key's text form is cast back to.
    sql_type: &'static str,
    /// Whether the column contains NULLs, which sort last ascending and first
    /// descending, PostgreSQL's defaults.
    nullable: bool,
}

/// Columns a sort orders by before the lead id, the final tiebreaker in the
/// same direction, so that pages never repeat or skip rows. Statuses tie
/// often, so they sort by creation time next, which an index serves.
fn sort_keys(sort: LeadSort, filter: &LeadFilter) -> Vec<SortKey> {
    let key = |expr, sql_type, nullable| SortKey { expr, sql_type, nullable };
    match sort.column {
        SortColumn::CreatedAt => vec![key("l.created_at", "timestamptz", false)],
        SortColumn::Name => vec![key("l.name_folded", "text", false)],
        SortColumn::Email => vec![key("l.email_normalized", "text", true)],
        SortColumn::Phone => vec![key("l.phone_digits", "text", true)],
        SortColumn::Status => vec![key("l.status", "lead_status", false), key("l.created_at", "timestamptz", false)],
        // Within one source every row ties on its name.
        SortColumn::Source if filter.source_id.is_some() => vec![],
        SortColumn::Source => vec![key("lower(s.name)", "text", false)],
    }
}

fn order_by(keys: &[SortKey], descending: bool) -> String {
    let direction = if descending { "desc" } else { "asc" };
    let mut order = String::from(" order by ");
    for key in keys {
        let _ = write!(order, "{} {direction}, ", key.expr);
    }
    let _ = write!(order, "l.id {direction}");
    order
}

/// The start of a keyset page: a lead's id and its sort values, as text.
#[derive(Clone, Debug)]
struct Keyset {
    /// `None` when the query reads the values from the lead itself, in a
    /// subquery that PostgreSQL runs once before the index scan: this saves
    /// a round trip, and works where no sort key can be NULL.
    values: Option<Vec<Option<String>>>,
    id: i64,
}

/// Returns whether a sort's keyset can come from a subquery: every key is a
/// column of `leads` that is never NULL.
fn keyset_by_subquery(keys: &[SortKey]) -> bool {
    keys.iter().all(|key| !key.nullable && key.expr.starts_with("l."))
}

/// Appends the condition "comes after the keyset lead" for rows read in the
/// given direction.
fn push_keyset(query: &mut QueryBuilder<'_, Postgres>, keys: &[SortKey], keyset: &Keyset, descending: bool) {
    let beyond = if descending { "<" } else { ">" };
    let id = keyset.id;
    let Some(values) = &keyset.values else {
        query.push(" and (");
        for key in keys {
            query.push(format_args!("{}, ", key.expr));
        }
        query.push(format_args!("l.id) {beyond} (select "));
        for key in keys {
            query.push(format_args!("{}, ", key.expr.replacen("l.", "cursor.", 1)));
        }
        query.push("cursor.id from leads cursor where cursor.id = ").push_bind(id).push(")");
        return;
    };
    // Only single-column sorts have nullable keys.
    if let [key] = keys {
        if key.nullable {
            match (&values[0], descending) {
                (None, false) => {
                    query.push(format_args!(" and ({} is null and l.id > ", key.expr)).push_bind(id).push(")");
                }
                (None, true) => {
                    query.push(format_args!(" and (({0} is null and l.id < ", key.expr)).push_bind(id);
                    query.push(format_args!(") or {} is not null)", key.expr));
                }
                (Some(value), false) => {
                    query.push(format_args!(" and (({}, l.id) > (", key.expr)).push_bind(value.clone());
                    query.push(format_args!("::{}, ", key.sql_type)).push_bind(id);
                    query.push(format_args!(") or {} is null)", key.expr));
                }
                (Some(value), true) => {
                    query.push(format_args!(" and ({}, l.id) < (", key.expr)).push_bind(value.clone());
                    query.push(format_args!("::{}, ", key.sql_type)).push_bind(id).push(")");
                }
            }
            return;
        }
    }
    query.push(" and (");
    for key in keys {
        query.push(format_args!("{}, ", key.expr));
    }
    query.push(format_args!("l.id) {beyond} ("));
    for (key, value) in keys.iter().zip(values) {
        query.push_bind(value.clone()).push(format_args!("::{}, ", key.sql_type));
    }
    query.push_bind(id).push(")");
}

/// Ways to ask PostgreSQL for a page. With a substring filter it can only
/// guess the share of rows that match. A wrong guess costs hundreds of
/// milliseconds at a million leads: it walks the sort index past every row
/// when few match, or sorts every match when many do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// One query, planned by PostgreSQL.
    Planned,
    /// Walks at most [`SCAN_BUDGET`] rows in sort order and keeps those that
    /// match: fast when matches are common.
    Budgeted,
    /// Finds every match through the trigram indexes, then sorts them: fast
    /// when matches are rare, the case the budgeted walk gives up on.
    MatchesFirst,
}

/// Rows a budgeted scan reads in sort order before it gives up.
const SCAN_BUDGET: i64 = 10_000;

/// The reading plan of one page of rows.
#[derive(Clone, Debug)]
struct RowsPlan {
    scan: Scan,
    /// Rows are read in the reverse of the view's order, then flipped back.
    reversed: bool,
    keyset: Option<Keyset>,
    offset: u64,
    limit: u64,
    /// Whether rows follow the page, when the plan determines it in advance.
    has_next: Option<bool>,
}

/// Past this many rows, a page without a cursor counts the matches first and
/// reads from the far end when that is closer.
const FAR_OFFSET: u64 = 5_000;

/// Decides how to read a view's page: from its cursor lead when it has one
/// (an index range scan whatever the depth), else by offset from whichever end
/// of the list is nearer.
async fn plan_rows(pool: &PgPool, view: &LeadView) -> Result<RowsPlan, Error> {
    let size = u64::from(view.page.size);
    if let Some(cursor) = view.cursor {
        let (id, reversed) = match cursor {
            PageCursor::After(id) => (id, false),
            PageCursor::Before(id) => (id, true),
        };
        let keyset = if keyset_by_subquery(&sort_keys(view.sort, &view.filter)) {
            // Whether the lead still exists shows when the page comes back empty.
            Some(Keyset { values: None, id })
        } else {
            find_keyset(pool, view, id).await?
        };
        if let Some(keyset) = keyset {
            return Ok(RowsPlan {
                scan: first_scan(view),
                reversed,
                keyset: Some(keyset),
                offset: 0,
                limit: size,
                // NOTE: assumes the cursor lead still matches the filter. If it
                // no longer does and nothing after it matches, Next leads to an
                // empty page that links to the last page.
                has_next: reversed.then_some(true),
            });
        }
        // The cursor lead was deleted, so the page number decides where to read.
    }
    let offset = view.page.offset();
    if offset >= FAR_OFFSET {
        let total = count(pool, &view.filter).await?;
        if offset >= total {
            return Ok(RowsPlan { scan: Scan::Planned, reversed: false, keyset: None, offset, limit: 0, has_next: Some(false) });
        }
        let remaining = total - offset;
        let (reversed, skip, limit) = if remaining < offset {
            let limit = remaining.min(size);
            (true, remaining - limit, limit)
        } else {
            (false, offset, size)
        };
        let has_next = Some(remaining > size);
        if let Some(boundary) = find_boundary(pool, view, reversed, skip).await? {
            return Ok(RowsPlan { scan: first_scan(view), reversed, keyset: Some(boundary), offset: 0, limit, has_next });
        }
        return Ok(RowsPlan { scan: first_scan(view), reversed, keyset: None, offset: skip, limit, has_next });
    }
    Ok(RowsPlan { scan: first_scan(view), reversed: false, keyset: None, offset, limit: size, has_next: None })
}

/// Finds the lead just before a deep page, `skip` rows into the list, read
/// from the end when `reversed`. Skipping over index entries alone (an
/// index-only scan) is many times faster than skipping whole rows. Returns
/// `None` where that does not apply: substring filters, which need the rows,
/// the sort by source name, which needs another table, or nothing to skip.
async fn find_boundary(pool: &PgPool, view: &LeadView, reversed: bool, skip: u64) -> Result<Option<Keyset>, Error> {
    let keys = sort_keys(view.sort, &view.filter);
    if skip == 0 || has_text_conditions(&view.filter) || keys.iter().any(|key| key.expr.contains("s.")) {
        return Ok(None);
    }
    let mut query = QueryBuilder::<Postgres>::new("select l.id from leads l where true");
    push_scope_conditions(&mut query, &view.filter)?;
    query.push(order_by(&keys, view.sort.descending != reversed));
    query.push(" offset ").push_bind(i64::try_from(skip - 1).unwrap_or(i64::MAX)).push(" limit 1");
    let Some(id) = query.build_query_scalar::<i64>().fetch_optional(pool).await? else {
        return Ok(None);
    };
    if keyset_by_subquery(&keys) {
        return Ok(Some(Keyset { values: None, id }));
    }
    find_keyset(pool, view, id).await
}

/// Picks the first way to read a view's page: a budgeted walk when a
/// substring filter makes PostgreSQL's guess unreliable and the sort needs no
/// other table.
fn first_scan(view: &LeadView) -> Scan {
    let sorts_by_source_name = sort_keys(view.sort, &view.filter).iter().any(|key| key.expr.contains("s."));
    if has_text_conditions(&view.filter) && !sorts_by_source_name {
        Scan::Budgeted
    } else {
        Scan::Planned
    }
}

/// Reads the sort values of the lead a cursor names, or `None` when it no
/// longer exists.
async fn find_keyset(pool: &PgPool, view: &LeadView, id: i64) -> Result<Option<Keyset>, Error> {
    use sqlx::Row as _;
    let keys = sort_keys(view.sort, &view.filter);
    let mut query = QueryBuilder::<Postgres>::new("select l.id");
    for key in &keys {
        query.push(format_args!(", {}::text", key.expr));
    }
    query.push(" from leads l join sources s on s.id = l.source_id where l.id = ").push_bind(id);
    let Some(row) = query.build().fetch_optional(pool).await? else {
        return Ok(None);
    };
    let values = (1..=keys.len()).map(|index| row.try_get::<Option<String>, _>(index)).collect::<Result<_, _>>()?;
    Ok(Some(Keyset { values: Some(values), id }))
}

/// Returns the total of a view from the counters that the triggers on `leads`
/// keep exact, when the filter has nothing but a source and statuses, or
/// `None` when the matching rows must be counted.
async fn known_total(pool: &PgPool, filter: &LeadFilter) -> Result<Option<u64>, Error> {
    let by_status_only = filter.name.is_none()
        && filter.email.is_none()
        && filter.phone.is_none()
        && filter.created_from.is_none()
        && filter.created_to.is_none();
    if !by_status_only {
        return Ok(None);
    }
    let total: Option<i64> = if filter.statuses.is_empty() {
        sqlx::query_scalar("select sum(lead_count)::bigint from sources where $1::bigint is null or id = $1")
            .bind(filter.source_id)
            .fetch_one(pool)
            .await?
    } else {
        let statuses: Vec<&str> = filter.statuses.iter().map(|status| status.as_str()).collect();
        sqlx::query_scalar(
            "select sum(lead_count)::bigint from source_status_counts \
             where ($1::bigint is null or source_id = $1) and status = any($2::lead_status[])",
        )
        .bind(filter.source_id)
        .bind(statuses)
        .fetch_one(pool)
        .await?
    };
    Ok(Some(u64::try_from(total.unwrap_or(0)).unwrap_or(0)))
}

/// Folds each source and status's counter rows into one, so totals stay a
/// sum of few rows. Returns the number of groups folded. Safe to run beside
/// writers: rows added meanwhile are left for the next fold.
pub async fn fold_status_counts(pool: &PgPool) -> Result<u64, Error> {
    let folded = sqlx::query(
        "with folded as ( \
             delete from source_status_counts \
              where (source_id, status) in ( \
                    select source_id, status from source_status_counts group by source_id, status having count(*) > 1) \
          returning source_id, status, lead_count) \
         insert into source_status_counts (source_id, status, lead_count) \
         select source_id, status, sum(lead_count) from folded group by source_id, status",
    )
    .execute(pool)
    .await?;
    Ok(folded.rows_affected())
}

/// Counts the leads a filter selects: from the kept counters when only a
/// source and statuses are set, else with a count query.
pub async fn count(pool: &PgPool, filter: &LeadFilter) -> Result<u64, Error> {
    // The same checks as the rows, so a filter that cannot run has no total.
    filter.validate().map_err(|error| Error::InvalidInput(error.to_string()))?;
    created_bounds(filter)?;
    if let Some(total) = known_total(pool, filter).await? {
        return Ok(total);
    }
    let total: i64 = count_query("", filter)?.build_query_scalar().fetch_one(pool).await?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Columns of [`LeadSummary`], for `leads l join sources s`.
const SUMMARY_COLUMNS: &str = "l.id, l.source_id, s.name as source_name, l.first_name, l.last_name, \
     l.email, l.phone, l.status, l.created_at, l.version";

/// Columns of [`Lead`], for `leads l join sources s`.
const LEAD_COLUMNS: &str = "l.id, l.source_id, s.name as source_name, l.first_name, l.last_name, \
     l.email, l.phone, l.status, l.fields, host(l.ip) as ip, l.user_agent, l.created_at, l.updated_at, l.version";

/// Lists one page of the leads a view selects, without counting them.
pub async fn rows(pool: &PgPool, view: &LeadView) -> Result<Rows<LeadSummary>, Error> {
    read_rows(pool, view, SUMMARY_COLUMNS).await
}

/// Lists one page of the leads a view selects, with the total across pages.
/// The rows and the count run at once, on two connections.
pub async fn list(pool: &PgPool, view: &LeadView) -> Result<Page<LeadSummary>, Error> {
    let (rows, total) = futures::try_join!(read_rows(pool, view, SUMMARY_COLUMNS), count(pool, &view.filter))?;
    Ok(Page { items: rows.items, total, page: rows.page, size: rows.size })
}

/// Like [`list`], with every attribute of each lead, for the API.
pub async fn list_full(pool: &PgPool, view: &LeadView) -> Result<Page<Lead>, Error> {
    let (rows, total) = futures::try_join!(read_rows(pool, view, LEAD_COLUMNS), count(pool, &view.filter))?;
    Ok(Page { items: rows.items, total, page: rows.page, size: rows.size })
}

async fn read_rows<T>(pool: &PgPool, view: &LeadView, columns: &str) -> Result<Rows<T>, Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    // Checked first, so that a bad filter fails before any planning query.
    push_conditions(&mut QueryBuilder::new(""), &view.filter)?;
    let plan = plan_rows(pool, view).await?;
    let (items, has_next) = read_plan(pool, view, columns, plan.clone()).await?;
    let unchecked_cursor = plan.keyset.as_ref().filter(|keyset| keyset.values.is_none() && view.cursor.is_some());
    if let (true, Some(keyset)) = (items.is_empty(), unchecked_cursor) {
        if find_keyset(pool, view, keyset.id).await?.is_none() {
            // The cursor lead was deleted, so the page number decides where to read.
            let by_number = LeadView { cursor: None, ..view.clone() };
            let plan = plan_rows(pool, &by_number).await?;
            let (items, has_next) = read_plan(pool, &by_number, columns, plan).await?;
            return Ok(Rows { items, page: view.page.page, size: view.page.size, has_next });
        }
    }
    if plan.reversed && plan.keyset.is_some() && (items.len() as u64) < plan.limit {
        // Fewer leads precede the cursor than a page holds, so this is the
        // first page; read it whole.
        let first = LeadView { cursor: None, page: crate::model::PageRequest { page: 1, size: view.page.size }, ..view.clone() };
        let first_plan = RowsPlan { scan: first_scan(&first), reversed: false, keyset: None, offset: 0, limit: plan.limit, has_next: None };
        let (items, has_next) = read_plan(pool, &first, columns, first_plan).await?;
        return Ok(Rows { items, page: 1, size: view.page.size, has_next });
    }
    Ok(Rows { items, page: view.page.page, size: view.page.size, has_next })
}

/// Runs a plan: the query, the matches-first retry of a short budgeted walk,
/// and the extra row that shows whether another page follows. Returns the rows in
/// the view's order.
async fn read_plan<T>(pool: &PgPool, view: &LeadView, columns: &str, mut plan: RowsPlan) -> Result<(Vec<T>, bool), Error>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut items = if plan.limit == 0 {
        Vec::new()
    } else {
        rows_query("", columns, view, &plan)?.build_query_as::<T>().fetch_all(pool).await?
    };
    if plan.scan == Scan::Budgeted && (items.len() as u64) < plan.limit + u64::from(plan.has_next.is_none()) {
        // Short: matches are rare or the budget ran out. Either way the
        // matches-first read gives the exact page.
        plan.scan = Scan::MatchesFirst;
        items = rows_query("", columns, view, &plan)?.build_query_as::<T>().fetch_all(pool).await?;
    }
    let has_next = match plan.has_next {
        Some(known) => known,
        None => {
            let more = items.len() as u64 > plan.limit;
            items.truncate(plan.limit as usize);
            more
        }
    };
    if plan.reversed {
        items.reverse();
    }
    Ok((items, has_next))
}

/// Builds the query for one page of a view's rows, after `prefix` (such as
/// `explain analyze`), so the benchmark explains exactly what the list runs.
/// Without a known end, it reads one row more than the page to learn whether
/// another page follows.
fn rows_query<'a>(prefix: &str, columns: &str, view: &'a LeadView, plan: &RowsPlan) -> Result<QueryBuilder<'a, Postgres>, Error> {
    let keys = sort_keys(view.sort, &view.filter);
    let descending = view.sort.descending != plan.reversed;
    let order = order_by(&keys, descending);
    let mut rows = QueryBuilder::<Postgres>::new(format!("{prefix} select {columns} from "));
    match plan.scan {
        Scan::Planned => {
            rows.push("leads l join sources s on s.id = l.source_id where true");
            push_conditions(&mut rows, &view.filter)?;
            if let Some(keyset) = &plan.keyset {
                push_keyset(&mut rows, &keys, keyset, descending);
            }
        }
        Scan::Budgeted => {
            rows.push("(select * from leads l where true");
            push_scope_conditions(&mut rows, &view.filter)?;
            if let Some(keyset) = &plan.keyset {
                push_keyset(&mut rows, &keys, keyset, descending);
            }
            rows.push(&order).push(" limit ").push_bind(SCAN_BUDGET);
            rows.push(") l join sources s on s.id = l.source_id where true");
            push_text_conditions(&mut rows, &view.filter)?;
        }
        Scan::MatchesFirst => {
            // OFFSET 0 keeps PostgreSQL from walking the sort index: the
            // matches are collected first, then sorted.
            rows.push("(select * from leads l where true");
            push_conditions(&mut rows, &view.filter)?;
            if let Some(keyset) = &plan.keyset {
                push_keyset(&mut rows, &keys, keyset, descending);
            }
            rows.push(" offset 0) l join sources s on s.id = l.source_id");
        }
    }
    rows.push(&order);
    let limit = plan.limit + u64::from(plan.has_next.is_none());
    rows.push(" limit ").push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    if plan.offset > 0 {
        rows.push(" offset ").push_bind(i64::try_from(plan.offset).unwrap_or(i64::MAX));
    }
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
/// [`list`] runs them. The count is `None` when the kept counters provide it.
/// The benchmark compares them with the latency seen over HTTP.
pub async fn explain_times(pool: &PgPool, view: &LeadView) -> Result<(f64, Option<f64>), Error> {
    const EXPLAIN: &str = "explain (analyze, format json)";
    let mut plan = plan_rows(pool, view).await?;
    if plan.scan == Scan::Budgeted {
        let found: Vec<i64> = rows_query("", "l.id", view, &plan)?.build_query_scalar().fetch_all(pool).await?;
        if (found.len() as u64) < plan.limit + u64::from(plan.has_next.is_none()) {
            plan.scan = Scan::MatchesFirst;
        }
    }
    let rows_plan: serde_json::Value =
        rows_query(EXPLAIN, SUMMARY_COLUMNS, view, &plan)?.build_query_scalar().fetch_one(pool).await?;
    let execution_ms = |plan: &serde_json::Value| plan[0]["Execution Time"].as_f64().unwrap_or(f64::NAN);
    let count_ms = if known_total(pool, &view.filter).await?.is_some() {
        None
    } else {
        let count_plan: serde_json::Value = count_query(EXPLAIN, &view.filter)?.build_query_scalar().fetch_one(pool).await?;
        Some(execution_ms(&count_plan))
    };
    Ok((execution_ms(&rows_plan), count_ms))
}

/// Maximum length of a status change reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A requested status change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    pub status: LeadStatus,
    pub reason: Option<String>,
    /// The lead version the requester saw. When set and the lead has moved on
    /// since, the change is refused as stale.
    pub expected_version: Option<i32>,
}

fn check_reason(reason: Option<&str>) -> Result<Option<String>, Error> {
    let Some(reason) = reason.map(crate::contact::trim_value).filter(|reason| !reason.is_empty()) else {
        return Ok(None);
    };
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Error::InvalidInput(format!(
            "invalid reason: {} characters, more than {MAX_REASON_CHARS}; shorten it",
            reason.chars().count()
        )));
    }
    if let Some(control) = reason.chars().find(|c| c.is_control() && *c != '\n' && *c != '\t') {
        return Err(Error::InvalidInput(format!(
            "invalid reason {reason:?}: contains the control character U+{:04X}; remove it",
            u32::from(control)
        )));
    }
    Ok(Some(reason.to_string()))
}

/// Changes a lead's status and logs the change in its history, in one
/// transaction. Setting the current status again changes and logs nothing; a
/// change based on an older version than the lead's is refused as stale.
pub async fn change_status(pool: &PgPool, id: i64, change: &StatusChange, actor: &Actor) -> Result<StatusChangeOutcome, Error> {
    let reason = check_reason(change.reason.as_deref())?;
    let mut transaction = pool.begin().await?;
    // The row lock makes concurrent changes to one lead run one after the
    // other, so the second reads the version the first wrote.
    let current: Option<(LeadStatus, i32)> = sqlx::query_as("select status, version from leads where id = $1 for update")
        .bind(id)
        .fetch_optional(&mut *transaction)
        .await?;
    let Some((status, version)) = current else {
        return Err(Error::NotFound(format!("lead {id}")));
    };
    if change.expected_version.is_some_and(|expected| expected != version) {
        return Ok(StatusChangeOutcome::Stale { status, version });
    }
    if status == change.status {
        return Ok(StatusChangeOutcome::Unchanged { status, version });
    }
    let version: i32 = sqlx::query_scalar(
        "update leads set status = $2, version = version + 1, updated_at = now() where id = $1 returning version",
    )
    .bind(id)
    .bind(change.status)
    .fetch_one(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into lead_history (lead_id, kind, from_value, to_value, actor_kind, actor_name, reason) \
         values ($1, 'status_changed', $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(change.status.as_str())
    .bind(actor.kind())
    .bind(actor.name())
    .bind(reason)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    tracing::info!(lead = id, from = %status, to = %change.status, actor = actor.name(), "lead status changed");
    Ok(StatusChangeOutcome::Changed { status: change.status, version })
}

/// Loads a lead with its history and distribution attempts, or `None` when
/// the id is unknown.
pub async fn find(pool: &PgPool, id: i64) -> Result<Option<LeadDetail>, Error> {
    let lead: Option<Lead> = sqlx::query_as(&format!(
        "select {LEAD_COLUMNS} from leads l join sources s on s.id = l.source_id where l.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(lead) = lead else {
        return Ok(None);
    };

    type HistoryRow = (i64, DateTime<Utc>, String, Option<String>, Option<String>, String, String, Option<String>);
    let history: Vec<HistoryRow> = sqlx::query_as(
        "select id, at, kind, from_value, to_value, actor_kind, actor_name, reason \
           from lead_history where lead_id = $1 order by at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let history = history
        .into_iter()
        .map(|(id, at, kind, from_value, to_value, actor_kind, actor_name, reason)| {
            // The table's check constraints allow only the known names.
            let kind = HistoryKind::parse(&kind).ok_or_else(|| Error::InvalidInput(format!("unknown history kind {kind:?}")))?;
            let actor_kind = ActorKind::parse(&actor_kind)
                .ok_or_else(|| Error::InvalidInput(format!("unknown actor kind {actor_kind:?}")))?;
            Ok(HistoryEntry { id, at, kind, from_value, to_value, actor_kind, actor_name, reason })
        })
        .collect::<Result<Vec<_>, Error>>()?;

    type AttemptRow = (i64, String, String, Json<Value>, Option<i32>, Option<String>, String, DateTime<Utc>, i32);
    let attempts: Vec<AttemptRow> = sqlx::query_as(
        "select id, buyer, endpoint_url, request_payload, response_status, response_body, outcome, attempted_at, duration_ms \
           from distribution_attempts where lead_id = $1 order by attempted_at desc, id desc",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let attempts = attempts
        .into_iter()
        .map(|(id, buyer, endpoint_url, Json(request_payload), response_status, response_body, outcome, attempted_at, duration_ms)| {
            let outcome = AttemptOutcome::parse(&outcome).ok_or_else(|| Error::InvalidInput(format!("unknown outcome {outcome:?}")))?;
            Ok(DistributionAttempt { id, buyer, endpoint_url, request_payload, response_status, response_body, outcome, attempted_at, duration_ms })
        })
        .collect::<Result<Vec<_>, Error>>()?;

    Ok(Some(LeadDetail { lead, history, attempts }))
}

/// Finds the leads right before and after a lead in a view's order, for
/// previous/next on the detail view. The lead itself need not match the
/// filter any more, as after its status changed.
pub async fn neighbours(pool: &PgPool, id: i64, view: &LeadView) -> Result<Neighbours, Error> {
    let step = |cursor: PageCursor| {
        let view = LeadView { cursor: Some(cursor), page: crate::model::PageRequest { page: 1, size: 1 }, ..view.clone() };
        async move {
            if find_keyset(pool, &view, id).await?.is_none() {
                return Ok::<_, Error>(None);
            }
            let found: Rows<(i64,)> = read_rows(pool, &view, "l.id").await?;
            Ok(found.items.first().map(|(id,)| *id))
        }
    };
    let (previous, next) = futures::try_join!(step(PageCursor::Before(id)), step(PageCursor::After(id)))?;
    Ok(Neighbours { previous, next })
}

/// Reads leads as the search index stores them. Ids that no longer exist are
/// left out, so the indexer deletes their documents.
pub async fn for_index(pool: &PgPool, ids: &[i64]) -> Result<Vec<Lead>, Error> {
    let sql = format!("select {LEAD_COLUMNS} from leads l join sources s on s.id = l.source_id where l.id = any($1)");
    Ok(sqlx::query_as::<_, Lead>(&sql).bind(ids).fetch_all(pool).await?)
}

/// Streams every lead as the search index stores them, inside the caller's
/// transaction, whose snapshot decides what the rebuilt index contains.
pub fn stream_for_index<'c>(conn: &'c mut PgConnection) -> impl futures::Stream<Item = Result<Lead, sqlx::Error>> + 'c {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("select {LEAD_COLUMNS} from leads l join sources s on s.id = l.source_id"));
    sqlx::query_as::<_, Lead>(SQL.as_str()).fetch(conn)
}

/// Counts every lead, for the progress of an index rebuild.
pub async fn count_all(conn: &mut PgConnection) -> Result<u64, Error> {
    let total: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(conn).await?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// Loads leads by id in the order given; ids that no longer exist are skipped.
pub async fn by_ids(pool: &PgPool, ids: &[i64]) -> Result<Vec<Lead>, Error> {
    let sql = format!("select {LEAD_COLUMNS} from leads l join sources s on s.id = l.source_id where l.id = any($1)");
    let found: Vec<Lead> = sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?;
    let mut by_id: std::collections::HashMap<i64, Lead> = found.into_iter().map(|lead| (lead.id, lead)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}
