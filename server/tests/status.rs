//! Status changes and the lead detail: one transaction per change, no-ops,
//! stale versions, history order and actors, the JSON API and the page.

mod common;

use axum::http::StatusCode;
use serde_json::json;
use sqlx::PgPool;

use app::backend::leads::{self, Actor, StatusChange};
use app::model::{ActorKind, HistoryKind, LeadStatus, StatusChangeOutcome};

use common::{create_source, get, get_json, send_json};

/// Inserts a lead the way imports do, with its `created` history entry.
async fn insert_lead(pool: &PgPool, source_id: i64, first_name: &str, email: &str, created_at: &str) -> i64 {
    let lead = leads::NewLead {
        first_name: Some(first_name.to_string()),
        last_name: None,
        email: Some(email.to_string()),
        phone: None,
        status: LeadStatus::Active,
        fields: serde_json::Map::new(),
        ip: None,
        user_agent: None,
        created_at: created_at.parse().expect("an RFC 3339 time"),
    };
    let mut connection = pool.acquire().await.expect("connection");
    leads::insert_many(&mut connection, source_id, &[lead], &Actor::System("import".into())).await.expect("lead inserted");
    sqlx::query_scalar("select max(id) from leads").fetch_one(pool).await.expect("id")
}

async fn lead_row(pool: &PgPool, id: i64) -> (String, i32, chrono::DateTime<chrono::Utc>) {
    sqlx::query_as("select status::text, version, updated_at from leads where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("lead exists")
}

async fn history_count(pool: &PgPool, id: i64) -> i64 {
    sqlx::query_scalar("select count(*) from lead_history where lead_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("history counted")
}

fn change(status: LeadStatus, reason: Option<&str>, expected_version: Option<i32>) -> StatusChange {
    StatusChange { status, reason: reason.map(str::to_string), expected_version }
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn status_change_and_history_entry_are_written_together(pool: PgPool) {
    let source = create_source(&pool, "Status").await;
    let id = insert_lead(&pool, source, "Lena", "lena@example.com", "2024-03-10T00:00:00Z").await;

    let outcome = leads::change_status(&pool, id, &change(LeadStatus::Sold, Some("Bought by Acme"), Some(1)), &Actor::User("ana".into()))
        .await
        .expect("change runs");
    assert_eq!(outcome, StatusChangeOutcome::Changed { status: LeadStatus::Sold, version: 2 });
    let (status, version, _) = lead_row(&pool, id).await;
    assert_eq!((status.as_str(), version), ("sold", 2));

    let detail = leads::find(&pool, id).await.expect("find runs").expect("lead exists");
    let entry = detail.history.last().expect("an entry");
    assert_eq!(entry.kind, HistoryKind::StatusChanged);
    assert_eq!(entry.from_value.as_deref(), Some("active"));
    assert_eq!(entry.to_value.as_deref(), Some("sold"));
    assert_eq!((entry.actor_kind, entry.actor_name.as_str()), (ActorKind::User, "ana"));
    assert_eq!(entry.reason.as_deref(), Some("Bought by Acme"));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn failed_history_entry_leaves_the_status_unchanged(pool: PgPool) {
    let source = create_source(&pool, "Atomic").await;
    let id = insert_lead(&pool, source, "Ada", "ada@example.com", "2024-03-10T00:00:00Z").await;
    let before = history_count(&pool, id).await;

    // The history table refuses a blank actor name, after the lead row was
    // already updated inside the transaction.
    let error = leads::change_status(&pool, id, &change(LeadStatus::Sold, None, None), &Actor::User("   ".into()))
        .await
        .expect_err("a blank actor is refused");
    assert!(matches!(error, app::backend::Error::Database(_)), "{error:?}");
    let (status, version, _) = lead_row(&pool, id).await;
    assert_eq!((status.as_str(), version), ("active", 1), "the lead update rolled back with the history entry");
    assert_eq!(history_count(&pool, id).await, before);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn setting_the_current_status_changes_and_logs_nothing(pool: PgPool) {
    let source = create_source(&pool, "Noop").await;
    let id = insert_lead(&pool, source, "Nia", "nia@example.com", "2024-03-10T00:00:00Z").await;
    let (_, _, updated_before) = lead_row(&pool, id).await;
    let entries_before = history_count(&pool, id).await;

    let outcome = leads::change_status(&pool, id, &change(LeadStatus::Active, Some("again"), Some(1)), &Actor::System("rules".into()))
        .await
        .expect("no-op runs");
    assert_eq!(outcome, StatusChangeOutcome::Unchanged { status: LeadStatus::Active, version: 1 });
    assert_eq!(lead_row(&pool, id).await, ("active".to_string(), 1, updated_before));
    assert_eq!(history_count(&pool, id).await, entries_before);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn stale_version_change_is_rejected(pool: PgPool) {
    let source = create_source(&pool, "Stale").await;
    let id = insert_lead(&pool, source, "Sam", "sam@example.com", "2024-03-10T00:00:00Z").await;
    // Two tabs saw version 1; the first one saves.
    leads::change_status(&pool, id, &change(LeadStatus::Sold, None, Some(1)), &Actor::User("tab one".into()))
        .await
        .expect("first change");

    let outcome = leads::change_status(&pool, id, &change(LeadStatus::Rejected, None, Some(1)), &Actor::User("tab two".into()))
        .await
        .expect("second change runs");
    assert_eq!(outcome, StatusChangeOutcome::Stale { status: LeadStatus::Sold, version: 2 });
    assert_eq!(lead_row(&pool, id).await.0, "sold");
    assert_eq!(history_count(&pool, id).await, 2, "created and the first change only");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn concurrent_changes_from_one_version_let_exactly_one_win(pool: PgPool) {
    let source = create_source(&pool, "Race").await;
    let id = insert_lead(&pool, source, "Rae", "rae@example.com", "2024-03-10T00:00:00Z").await;
    let sold = change(LeadStatus::Sold, None, Some(1));
    let rejected = change(LeadStatus::Rejected, None, Some(1));
    let (one, two) = (Actor::User("one".into()), Actor::User("two".into()));
    let (first, second) = tokio::join!(
        leads::change_status(&pool, id, &sold, &one),
        leads::change_status(&pool, id, &rejected, &two),
    );
    let outcomes = [first.expect("first runs"), second.expect("second runs")];
    let changed = outcomes.iter().filter(|outcome| matches!(outcome, StatusChangeOutcome::Changed { .. })).count();
    let stale = outcomes.iter().filter(|outcome| matches!(outcome, StatusChangeOutcome::Stale { .. })).count();
    assert_eq!((changed, stale), (1, 1), "{outcomes:?}");
    assert_eq!(history_count(&pool, id).await, 2);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn history_lists_every_change_in_order_with_its_actor(pool: PgPool) {
    let source = create_source(&pool, "Order").await;
    let id = insert_lead(&pool, source, "Lou", "lou@example.com", "2024-03-10T00:00:00Z").await;
    leads::change_status(&pool, id, &change(LeadStatus::Sold, None, None), &Actor::User("operator".into())).await.expect("sold");
    leads::change_status(&pool, id, &change(LeadStatus::Rejected, Some("buyer returned it"), None), &Actor::System("returns".into()))
        .await
        .expect("rejected");

    let detail = leads::find(&pool, id).await.expect("find runs").expect("lead exists");
    let steps: Vec<_> = detail
        .history
        .iter()
        .map(|entry| (entry.kind, entry.from_value.clone(), entry.to_value.clone(), entry.actor_kind, entry.actor_name.clone()))
        .collect();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[1], (HistoryKind::StatusChanged, Some("active".into()), Some("sold".into()), ActorKind::User, "operator".into()));
    assert_eq!(steps[2], (HistoryKind::StatusChanged, Some("sold".into()), Some("rejected".into()), ActorKind::System, "returns".into()));
    assert_eq!(detail.lead.status, LeadStatus::Rejected);
    assert_eq!(detail.lead.version, 3);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_move_between_sources_appears_in_the_history(pool: PgPool) {
    let from = create_source(&pool, "Old Home").await;
    let to = create_source(&pool, "New Home").await;
    let id = insert_lead(&pool, from, "Mo", "mo@example.com", "2024-03-10T00:00:00Z").await;
    sqlx::query(
        "insert into lead_history (lead_id, kind, from_value, to_value, actor_kind, actor_name) \
         values ($1, 'moved', 'Old Home', 'New Home', 'user', 'operator')",
    )
    .bind(id)
    .execute(&pool)
    .await
    .expect("move logged");
    sqlx::query("update leads set source_id = $1 where id = $2").bind(to).bind(id).execute(&pool).await.expect("moved");

    let (status, body) = get(&pool, &format!("/leads/{id}?tab=history")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Moved to another source"), "{body}");
    assert!(body.contains("Old Home"), "{body}");
    assert!(body.contains("New Home"), "{body}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn api_patch_changes_the_status_with_the_same_rules(pool: PgPool) {
    let source = create_source(&pool, "Api").await;
    let id = insert_lead(&pool, source, "Ivy", "ivy@example.com", "2024-03-10T00:00:00Z").await;
    let uri = format!("/api/v1/leads/{id}");

    let (status, body) = send_json(&pool, "PATCH", &uri, json!({"status": "sold", "reason": "via CRM"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], true);
    assert_eq!(body["lead"]["status"], "sold");
    assert_eq!(body["lead"]["version"], 2);

    let (status, body) = send_json(&pool, "PATCH", &uri, json!({"status": "sold"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["changed"], false, "setting the current status again is a no-op");

    let (status, body) = send_json(&pool, "PATCH", &uri, json!({"status": "rejected", "version": 1})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["current_status"], "sold");
    assert!(body["error"].as_str().unwrap_or_default().contains("is at version 2, not 1"), "{body}");

    let (status, body) = send_json(&pool, "PATCH", &uri, json!({"status": "won"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["parameter"], "status");
    assert!(body["error"].as_str().unwrap_or_default().contains("\"won\""), "{body}");

    let (status, body) = send_json(&pool, "PATCH", &uri, json!({"reason": "no status"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, _) = send_json(&pool, "PATCH", "/api/v1/leads/987654", json!({"status": "sold"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = send_json(&pool, "DELETE", &uri, json!({})).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["error"].as_str().unwrap_or_default().contains("use GET or PATCH"), "{body}");

    let (status, body) = get_json(&pool, &uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["email"], "ivy@example.com");
    let history = body["history"].as_array().expect("history array");
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["actor_kind"], "api");
    assert_eq!(history[1]["reason"], "via CRM");
    assert!(body["distribution_attempts"].as_array().expect("attempts array").is_empty());
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn detail_page_renders_the_lead_and_404s_for_unknown_ids(pool: PgPool) {
    let source = create_source(&pool, "Pages").await;
    let id = insert_lead(&pool, source, "Page", "page@example.com", "2024-03-10T00:00:00Z").await;

    let (status, body) = get(&pool, &format!("/leads/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("page@example.com"), "{body}");

    let (status, body) = get(&pool, "/leads/987654").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no lead with id 987654."), "{body}");
    let (status, _) = get(&pool, "/leads/not-a-number").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_status_change_does_not_wait_for_an_open_import(pool: PgPool) {
    let source = create_source(&pool, "Busy").await;
    let id = insert_lead(&pool, source, "Quin", "quin@example.com", "2024-03-10T00:00:00Z").await;
    leads::change_status(&pool, id, &change(LeadStatus::Sold, None, None), &Actor::User("ana".into())).await.expect("sold");

    // An import into the same source keeps its transaction open, with a sold
    // lead written and an active one still to come.
    let mut import = pool.begin().await.expect("import transaction");
    sqlx::query("insert into leads (source_id, first_name, status) values ($1, 'Imported', 'sold')")
        .bind(source)
        .execute(&mut *import)
        .await
        .expect("first import row");

    let (to_active, ana) = (change(LeadStatus::Active, None, None), Actor::User("ana".into()));
    let change_back = leads::change_status(&pool, id, &to_active, &ana);
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), change_back)
        .await
        .expect("the status change finishes while the import is open")
        .expect("change runs");
    assert!(matches!(outcome, StatusChangeOutcome::Changed { .. }), "{outcome:?}");

    sqlx::query("insert into leads (source_id, first_name, status) values ($1, 'Imported', 'active')")
        .bind(source)
        .execute(&mut *import)
        .await
        .expect("second import row, without a deadlock");
    import.commit().await.expect("import commits");

    let (active, _) = app::filter::LeadView::from_query_string(&format!("source={source}&status=active"));
    assert_eq!(leads::count(&pool, &active.filter).await.expect("count"), 2);
}
