//! `leadbase seed`: deterministic, realistic demo data.

use sqlx::PgPool;

use leadbase::seed::{seed, SeedOptions};

/// Hashes every seeded row that does not depend on generated source ids.
async fn digest(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "select md5(string_agg(row_text, '|' order by row_text)) from (
             select concat_ws(',', l.id, s.name, l.first_name, l.last_name, l.email, l.phone, l.status,
                              l.fields::text, host(l.ip), l.user_agent, l.created_at) as row_text
               from leads l join sources s on s.id = l.source_id
             union all
             select concat_ws(',', lead_id, at, kind, from_value, to_value, actor_kind, actor_name, reason)
               from lead_history
             union all
             select concat_ws(',', lead_id, buyer, request_payload::text, response_status, response_body, outcome, attempted_at)
               from distribution_attempts
         ) rows",
    )
    .fetch_one(pool)
    .await
    .expect("digest query runs")
}

async fn clear(pool: &PgPool) {
    sqlx::query("truncate distribution_attempts, lead_history, leads, source_status_counts, sources, search_outbox")
        .execute(pool)
        .await
        .expect("tables truncated");
}

fn options(leads: u64, seed_value: u64) -> SeedOptions {
    SeedOptions { leads, seed: seed_value, if_empty: false }
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn seed_is_deterministic_per_seed(pool: PgPool) {
    seed(&pool, options(400, 3)).await.expect("first seed");
    let first = digest(&pool).await;

    clear(&pool).await;
    seed(&pool, options(400, 3)).await.expect("second seed");
    assert_eq!(digest(&pool).await, first, "same seed, same rows");

    clear(&pool).await;
    seed(&pool, options(400, 4)).await.expect("third seed");
    assert_ne!(digest(&pool).await, first, "another seed, other rows");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn seed_creates_varied_realistic_data(pool: PgPool) {
    seed(&pool, options(2_000, 42)).await.expect("seed runs");

    let sources: i64 = sqlx::query_scalar("select count(*) from sources").fetch_one(&pool).await.expect("count");
    assert!(sources >= 5, "several sources, got {sources}");
    let lead_count_sum: i64 = sqlx::query_scalar("select sum(lead_count)::bigint from sources").fetch_one(&pool).await.expect("sum");
    assert_eq!(lead_count_sum, 2_000);

    let field_sets: i64 = sqlx::query_scalar(
        "select count(distinct keys) from (
             select source_id, string_agg(key, ',' order by key) as keys
               from (select distinct source_id, jsonb_object_keys(fields) as key from leads) k
              group by source_id) per_source",
    )
    .fetch_one(&pool)
    .await
    .expect("field sets");
    assert_eq!(field_sets, sources, "each source has its own custom fields");

    let non_latin: i64 = sqlx::query_scalar("select count(*) from leads where first_name !~ '^[A-Za-z ]+$'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(non_latin > 0, "names with accents or other scripts");
    let phone_formats: i64 = sqlx::query_scalar(
        "select count(distinct regexp_replace(phone, '[0-9]', '9', 'g')) from leads where phone is not null",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert!(phone_formats >= 8, "varied phone formats, got {phone_formats}");

    let status_changes: i64 = sqlx::query_scalar("select count(*) from lead_history where kind = 'status_changed'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(status_changes > 0);
    let created_entries: i64 = sqlx::query_scalar("select count(*) from lead_history where kind = 'created'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(created_entries, 2_000, "one created entry per lead");

    let payloads: i64 = sqlx::query_scalar(
        "select count(*) from distribution_attempts where jsonb_typeof(request_payload) = 'object' and request_payload ? 'email'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert!(payloads > 0, "distribution attempts carry JSON payloads");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn seed_rejects_a_database_with_leads(pool: PgPool) {
    seed(&pool, options(10, 1)).await.expect("first seed");

    let error = seed(&pool, options(10, 1)).await.expect_err("second seed rejected");
    assert!(error.to_string().contains("empty database"), "{error}");

    let summary = seed(&pool, SeedOptions { leads: 10, seed: 1, if_empty: true }).await.expect("if_empty is not an error");
    assert!(summary.contains("nothing seeded"), "{summary}");
    let leads: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.expect("count");
    assert_eq!(leads, 10);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn seed_rebuilds_dropped_indexes(pool: PgPool) {
    let before: Vec<String> = sqlx::query_scalar("select indexdef from pg_indexes where tablename = 'leads' order by indexname")
        .fetch_all(&pool)
        .await
        .expect("indexes");

    // Large enough to take the drop-and-rebuild path.
    seed(&pool, options(50_000, 9)).await.expect("seed runs");

    let after: Vec<String> = sqlx::query_scalar("select indexdef from pg_indexes where tablename = 'leads' order by indexname")
        .fetch_all(&pool)
        .await
        .expect("indexes");
    assert_eq!(after, before);
}
