//! SQL for sources.

use sqlx::{PgConnection, PgPool};

use super::Error;
use crate::model::Source;

/// Maximum source name length, in characters. Longer names are almost always a
/// file path or a pasted row by mistake.
pub const MAX_NAME_CHARS: usize = 200;

/// Lists every source by name, with its lead count.
pub async fn list(pool: &PgPool) -> Result<Vec<Source>, Error> {
    let sources = sqlx::query_as::<_, Source>(
        "select id, name, lead_count, created_at from sources order by lower(name), id",
    )
    .fetch_all(pool)
    .await?;
    Ok(sources)
}

/// Loads one source, or returns `None` when the id is unknown.
pub async fn find(pool: &PgPool, id: i64) -> Result<Option<Source>, Error> {
    let source = sqlx::query_as::<_, Source>(
        "select id, name, lead_count, created_at from sources where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(source)
}

/// Checks a source name and returns it trimmed.
pub fn parse_name(name: &str) -> Result<String, Error> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(Error::InvalidInput(
            "source name is empty: give the source a name, such as \"Facebook Q3\"".to_string(),
        ));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(Error::InvalidInput(format!(
            "source name {:?}... is longer than {MAX_NAME_CHARS} characters: use a shorter name",
            trimmed.chars().take(40).collect::<String>()
        )));
    }
    Ok(trimmed.to_string())
}

/// Returns the source with this name, ignoring case, creating it first when it
/// is new, and whether it was created.
pub async fn find_or_create(conn: &mut PgConnection, name: &str) -> Result<(Source, bool), Error> {
    let name = parse_name(name)?;
    let created = sqlx::query_as::<_, Source>(
        "insert into sources (name) values ($1)
         on conflict ((lower(name))) do nothing
         returning id, name, lead_count, created_at",
    )
    .bind(&name)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(source) = created {
        return Ok((source, true));
    }

    let existing = sqlx::query_as::<_, Source>(
        "select id, name, lead_count, created_at from sources where lower(name) = lower($1)",
    )
    .bind(&name)
    .fetch_one(&mut *conn)
    .await?;
    Ok((existing, false))
}
