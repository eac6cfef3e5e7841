//! SQL for leads: the only module that reads or writes the `leads` table.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::Error;
use crate::model::{LeadStatus, LeadSummary, Page, PageRequest, Source};

/// Who made a change, as recorded in a lead's history.
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

/// Lists one page of a source's leads, newest first. The lead id breaks ties
/// between equal timestamps, so rows never repeat or vanish between pages.
pub async fn list_by_source(
    pool: &PgPool,
    source: &Source,
    request: PageRequest,
) -> Result<Page<LeadSummary>, Error> {
    // NOTE: OFFSET paging reads and skips every earlier row, so the last pages of
    // a source with millions of leads are slower than the first ones.
    let total = u64::try_from(source.lead_count).unwrap_or(0);
    if request.offset() >= total {
        return Ok(Page { items: Vec::new(), total, page: request.page, size: request.size });
    }
    let offset = i64::try_from(request.offset()).unwrap_or(i64::MAX);
    let items = sqlx::query_as::<_, LeadSummary>(
        "select l.id, l.source_id, s.name as source_name, l.first_name, l.last_name,
                l.email, l.phone, l.status, l.created_at
           from leads l
           join sources s on s.id = l.source_id
          where l.source_id = $1
          order by l.created_at desc, l.id desc
          limit $2 offset $3",
    )
    .bind(source.id)
    .bind(i64::from(request.size))
    .bind(offset)
    .fetch_all(pool)
    .await?;

    // The triggers on `leads` keep `lead_count` exact, and reading it is free.
    Ok(Page { items, total, page: request.page, size: request.size })
}
