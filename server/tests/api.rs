//! The JSON read API: shape, filters, paging limits and error responses.

mod common;

use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use common::{create_source, get_json};

async fn seed_two_sources(pool: &PgPool) -> (i64, i64) {
    let facebook = create_source(pool, "Facebook Q3").await;
    let google = create_source(pool, "Google").await;
    sqlx::query(
        "insert into leads (source_id, first_name, last_name, email, phone, status, fields, ip, user_agent, created_at) values
         ($1, 'Zoë', 'Müller', 'zoe@example.de', '+49 30 1234567', 'sold', '{\"utm_campaign\": \"spring\"}', '203.0.113.7', 'Mozilla/5.0', '2024-03-10T14:05:00Z'),
         ($1, 'Ada', 'Lovelace', 'ada@example.com', null, 'active', '{}', null, null, '2024-03-09T00:00:00Z'),
         ($2, 'Kim', 'Park', 'kim@example.com', '5551234567', 'sold', '{}', null, null, '2024-03-08T00:00:00Z')",
    )
    .bind(facebook)
    .bind(google)
    .execute(pool)
    .await
    .expect("leads inserted");
    (facebook, google)
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn api_lists_a_source_with_every_attribute(pool: PgPool) {
    let (facebook, _) = seed_two_sources(&pool).await;

    let (status, body) = get_json(&pool, &format!("/api/v1/sources/{facebook}/leads")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 2);
    assert_eq!(body["page"], 1);
    assert_eq!(body["size"], 50);
    let lead = &body["leads"][0];
    assert_eq!(lead["source"], json!({"id": facebook, "name": "Facebook Q3"}));
    assert_eq!(lead["first_name"], "Zoë");
    assert_eq!(lead["last_name"], "Müller");
    assert_eq!(lead["email"], "zoe@example.de");
    assert_eq!(lead["phone"], "+49 30 1234567");
    assert_eq!(lead["status"], "sold");
    assert_eq!(lead["created_at"], "2024-03-10T14:05:00Z");
    assert_eq!(lead["ip"], "203.0.113.7");
    assert_eq!(lead["user_agent"], "Mozilla/5.0");
    assert_eq!(lead["fields"], json!({"utm_campaign": "spring"}));
    assert!(lead["id"].is_i64());
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn api_applies_filters_sort_and_size(pool: PgPool) {
    let (facebook, google) = seed_two_sources(&pool).await;

    let (_, body) = get_json(&pool, "/api/v1/leads?status=sold&sort=email&size=500").await;
    assert_eq!(body["total"], 2);
    assert_eq!(body["size"], 500);
    let emails: Vec<&str> = body["leads"].as_array().unwrap().iter().map(|lead| lead["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["kim@example.com", "zoe@example.de"]);

    let (_, body) = get_json(&pool, &format!("/api/v1/leads?source={google}")).await;
    assert_eq!(body["total"], 1);
    let (_, body) = get_json(&pool, &format!("/api/v1/sources/{facebook}/leads?phone=%2B49%2030&name=zoe")).await;
    assert_eq!(body["total"], 1);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn api_rejects_invalid_parameters_with_400(pool: PgPool) {
    let (facebook, _) = seed_two_sources(&pool).await;

    let cases = [
        ("status=won", "status", "active, sold, duplicate, rejected, suppressed"),
        ("size=501", "size", "1 to 500"),
        ("sort=colour", "sort", "created_at, name, email, phone, status, source"),
        ("from=10.03.2024", "from", "YYYY-MM-DD"),
        ("from=2024-03-11&to=2024-03-10", "from", "after the end date"),
        ("page=0", "page", "from 1"),
        ("colour=red", "colour", "expected one of q, mode, source, name"),
        ("phone=()-", "phone", "at least one digit"),
        ("name=a%00b", "name", "control character U+0000"),
        ("from=-5000-01-01", "from", "YYYY-MM-DD"),
    ];
    for (query, parameter, accepted) in cases {
        let (status, body) = get_json(&pool, &format!("/api/v1/leads?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["parameter"], parameter, "{query}");
        let message = body["error"].as_str().unwrap_or_default();
        assert!(message.contains(accepted), "{query}: {message}");
    }

    let (status, body) = get_json(&pool, &format!("/api/v1/sources/{facebook}/leads?source=2")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["parameter"], "source");

    let (status, body) = get_json(&pool, "/api/v1/leads?tz=Mars/Olympus&from=2024-03-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap_or_default().contains("Mars/Olympus"), "{body}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn api_unknown_source_is_404(pool: PgPool) {
    let (status, body) = get_json(&pool, "/api/v1/sources/424242/leads").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "source 424242 not found");

    let (status, _) = get_json(&pool, "/api/v1/sources/abc/leads").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = get_json(&pool, "/api/v1/nothing/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "no API endpoint at /api/v1/nothing/here");
}
