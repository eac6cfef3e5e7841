//! Advanced Search against a real PostgreSQL and a real index on disk: the
//! index following every change, resuming after a restart, rebuilding when
//! missing or outdated, swapping in a reindex, and the JSON API.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::PgPool;

use app::backend::leads::{self, Actor, NewLead, StatusChange};
use app::backend::search::{self, SearchService, SearchStatus};
use app::filter::LeadView;
use app::model::LeadStatus;

use common::{create_source, send_with_search};

/// A directory under the system temp dir, removed when dropped.
struct IndexDir(PathBuf);

impl IndexDir {
    fn new(name: &str) -> IndexDir {
        let path = std::env::temp_dir().join(format!("leadbase-search-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        IndexDir(path)
    }
}

impl Drop for IndexDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn new_lead(first_name: &str, email: &str) -> NewLead {
    NewLead {
        first_name: Some(first_name.to_string()),
        last_name: None,
        email: Some(email.to_string()),
        phone: None,
        status: LeadStatus::Active,
        fields: serde_json::Map::new(),
        ip: None,
        user_agent: None,
        created_at: "2024-05-01T12:00:00Z".parse().expect("a time"),
    }
}

async fn insert(pool: &PgPool, source_id: i64, leads_to_add: &[NewLead]) -> Vec<i64> {
    let mut tx = pool.begin().await.expect("transaction");
    leads::insert_many(&mut tx, source_id, leads_to_add, &Actor::System("test".into())).await.expect("inserted");
    tx.commit().await.expect("committed");
    sqlx::query_scalar("select id from leads order by id desc limit $1")
        .bind(leads_to_add.len() as i64)
        .fetch_all(pool)
        .await
        .map(|mut ids: Vec<i64>| {
            ids.reverse();
            ids
        })
        .expect("ids")
}

async fn started(pool: &PgPool, dir: &IndexDir) -> SearchService {
    let service = SearchService::start(pool.clone(), dir.0.clone());
    service.wait_until_ready(Duration::from_secs(30)).await.expect("index ready");
    service
}

/// Lead ids an Advanced Search returns, in order.
async fn search_ids(pool: &PgPool, service: &SearchService, query: &str) -> Vec<i64> {
    let (view, errors) = LeadView::from_query_string(query);
    assert!(errors.is_empty(), "{errors:?}");
    search::search_page(pool, service, &view).await.expect("search runs").leads.iter().map(|lead| lead.id).collect()
}

/// Waits until the search returns `expected`, and returns how long it took.
async fn until_found(pool: &PgPool, service: &SearchService, query: &str, expected: &[i64]) -> Duration {
    let started = Instant::now();
    loop {
        let found = search_ids(pool, service, query).await;
        if found == expected {
            return started.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{query}: still {found:?}, expected {expected:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn generation(service: &SearchService) -> String {
    match service.status() {
        SearchStatus::Ready { generation, .. } => generation,
        other => panic!("not ready: {other:?}"),
    }
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn every_change_reaches_the_index_within_two_seconds(pool: PgPool) {
    let dir = IndexDir::new("follow");
    let web = create_source(&pool, "Web").await;
    let partners = create_source(&pool, "Partners").await;
    let service = started(&pool, &dir).await;

    let ids = insert(&pool, web, &[new_lead("Priya", "priya.raman@example.com")]).await;
    let id = ids[0];
    let waited = until_found(&pool, &service, &format!("q=priya&source={web}"), &[id]).await;
    assert!(waited < Duration::from_secs(2), "a new lead took {waited:?}");

    let change = StatusChange { status: LeadStatus::Sold, reason: None, expected_version: None };
    leads::change_status(&pool, id, &change, &Actor::User("ana".into())).await.expect("status changed");
    let waited = until_found(&pool, &service, "q=priya&status=sold", &[id]).await;
    assert!(waited < Duration::from_secs(2), "a status change took {waited:?}");
    assert!(search_ids(&pool, &service, "q=priya&status=active").await.is_empty());

    sqlx::query("update leads set source_id = $1 where id = $2").bind(partners).bind(id).execute(&pool).await.expect("moved");
    let waited = until_found(&pool, &service, &format!("q=priya&source={partners}"), &[id]).await;
    assert!(waited < Duration::from_secs(2), "a move took {waited:?}");
    assert!(search_ids(&pool, &service, &format!("q=priya&source={web}")).await.is_empty());
    // The source name is searchable too, and follows the move.
    assert_eq!(search_ids(&pool, &service, "q=partners priya").await, vec![id]);

    sqlx::query("delete from leads where id = $1").bind(id).execute(&pool).await.expect("deleted");
    // The page drops a deleted lead at once; the index, and so the total, follows.
    let deleted_at = Instant::now();
    let view = LeadView::from_query_string("q=priya").0;
    while search::search_count(&service, &view).await.expect("count") != 0 {
        assert!(deleted_at.elapsed() < Duration::from_secs(2), "a deleted lead stayed in the index");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(search_ids(&pool, &service, "q=priya").await.is_empty());
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_transaction_that_commits_late_is_not_skipped(pool: PgPool) {
    let dir = IndexDir::new("gap");
    let slow_source = create_source(&pool, "Slow import").await;
    // Another source: inserts into one source wait for each other.
    let fast_source = create_source(&pool, "Web").await;
    let service = started(&pool, &dir).await;

    // The slow transaction takes its outbox seq first and commits last.
    let mut slow = pool.begin().await.expect("transaction");
    leads::insert_many(&mut slow, slow_source, &[new_lead("Slowpoke", "slow@example.com")], &Actor::System("test".into()))
        .await
        .expect("inserted");
    let fast = insert(&pool, fast_source, &[new_lead("Quickly", "quick@example.com")]).await[0];
    until_found(&pool, &service, "q=quickly", &[fast]).await;

    slow.commit().await.expect("committed");
    let slow_id: i64 = sqlx::query_scalar("select id from leads where first_name = 'Slowpoke'").fetch_one(&pool).await.expect("id");
    let waited = until_found(&pool, &service, "q=slowpoke", &[slow_id]).await;
    assert!(waited < Duration::from_secs(2), "the late commit took {waited:?}");
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_late_commit_above_the_snapshot_horizon_is_not_skipped(pool: PgPool) {
    // The snapshot's xmax is one past the last completed transaction, so a
    // transaction that is still running with a higher id is missing from it.
    let dir = IndexDir::new("horizon");
    let imports = create_source(&pool, "Imports").await;
    let web = create_source(&pool, "Web").await;
    let existing = insert(&pool, imports, &[new_lead("Hiroshi", "hiroshi@example.com")]).await[0];
    let service = started(&pool, &dir).await;

    // B gets its transaction id first, A a higher one.
    let mut b = pool.begin().await.expect("transaction B");
    sqlx::query("select pg_current_xact_id()").execute(&mut *b).await.expect("B has an id");
    let mut a = pool.begin().await.expect("transaction A");
    sqlx::query("update leads set status = 'sold' where id = $1").bind(existing).execute(&mut *a).await.expect("A takes a seq");
    leads::insert_many(&mut b, web, &[new_lead("Ingrid", "ingrid@example.com")], &Actor::System("test".into()))
        .await
        .expect("B takes a later seq");
    b.commit().await.expect("B commits");
    let ingrid: i64 = sqlx::query_scalar("select id from leads where first_name = 'Ingrid'").fetch_one(&pool).await.expect("id");
    until_found(&pool, &service, "q=ingrid", &[ingrid]).await;
    // A few passes of the follower while A still runs.
    tokio::time::sleep(Duration::from_millis(600)).await;

    a.commit().await.expect("A commits");
    let waited = until_found(&pool, &service, "q=hiroshi&status=sold", &[existing]).await;
    assert!(waited < Duration::from_secs(2), "the change took {waited:?}");
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn an_index_of_another_database_is_rebuilt(pool: PgPool) {
    let dir = IndexDir::new("other-db");
    let source = create_source(&pool, "Web").await;
    let id = insert(&pool, source, &[new_lead("Jasper", "jasper@example.com")]).await[0];
    let service = started(&pool, &dir).await;
    let first = generation(&service);
    service.stop().await;

    // As after restoring another database into this one.
    sqlx::query("update leadbase_database set id = gen_random_uuid()").execute(&pool).await.expect("identity changed");
    let service = started(&pool, &dir).await;
    assert_ne!(generation(&service), first);
    assert_eq!(search_ids(&pool, &service, "q=jasper").await, vec![id]);
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn an_index_in_use_by_another_process_is_left_alone(pool: PgPool) {
    let dir = IndexDir::new("locked");
    create_source(&pool, "Web").await;
    let service = started(&pool, &dir).await;
    let first = generation(&service);

    // A second server pointed at the same folder.
    let second = SearchService::start(pool.clone(), dir.0.clone());
    let deadline = Instant::now() + Duration::from_secs(10);
    let message = loop {
        if let SearchStatus::Failed { error } = second.status() {
            break error;
        }
        assert!(Instant::now() < deadline, "the second service never reported the lock: {:?}", second.status());
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(message.contains("in use by another Leadbase process"), "{message}");
    assert!(message.contains("LEADBASE_INDEX_DIR"), "{message}");
    assert_eq!(generation(&service), first);
    assert!(dir.0.join(&first).exists(), "the index in use was not rebuilt away");
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_restart_resumes_where_the_last_commit_stopped(pool: PgPool) {
    let dir = IndexDir::new("restart");
    let source = create_source(&pool, "Web").await;
    let first = insert(&pool, source, &[new_lead("Amara", "amara@example.com")]).await[0];
    let service = started(&pool, &dir).await;
    until_found(&pool, &service, "q=amara", &[first]).await;
    let before = generation(&service);
    service.stop().await;

    // Changes made while the server is down.
    let second = insert(&pool, source, &[new_lead("Bodhi", "bodhi@example.com")]).await[0];
    let change = StatusChange { status: LeadStatus::Rejected, reason: None, expected_version: None };
    leads::change_status(&pool, first, &change, &Actor::User("ana".into())).await.expect("changed");

    let service = started(&pool, &dir).await;
    assert_eq!(generation(&service), before, "the index was reopened, not rebuilt");
    until_found(&pool, &service, "q=bodhi", &[second]).await;
    until_found(&pool, &service, "q=amara&status=rejected", &[first]).await;
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_missing_or_outdated_index_is_rebuilt_at_startup(pool: PgPool) {
    let dir = IndexDir::new("rebuild");
    let source = create_source(&pool, "Web").await;
    let id = insert(&pool, source, &[new_lead("Cosima", "cosima@example.com")]).await[0];

    let service = started(&pool, &dir).await;
    let first = generation(&service);
    service.stop().await;

    // Deleted index folder.
    std::fs::remove_dir_all(&dir.0).expect("index removed");
    let service = started(&pool, &dir).await;
    let second = generation(&service);
    assert_ne!(second, first);
    assert_eq!(search_ids(&pool, &service, "q=cosima").await, vec![id]);
    service.stop().await;

    // An index whose commit names another schema version.
    let (index, _) = app::backend::search_index::open(&dir.0.join(&second)).expect("opens");
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
    let mut prepared = writer.prepare_commit().expect("prepare");
    prepared.set_payload(r#"{"schema":999,"sync":{"applied_seq":0,"gaps":[]}}"#);
    prepared.commit().expect("commit");
    drop(writer);
    let service = started(&pool, &dir).await;
    assert_ne!(generation(&service), second);
    assert_eq!(search_ids(&pool, &service, "q=cosima").await, vec![id]);
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_corrupt_index_is_rebuilt(pool: PgPool) {
    let dir = IndexDir::new("corrupt");
    let source = create_source(&pool, "Web").await;
    let id = insert(&pool, source, &[new_lead("Dario", "dario@example.com")]).await[0];
    let service = started(&pool, &dir).await;
    let first = generation(&service);
    service.stop().await;
    std::fs::write(dir.0.join(&first).join("meta.json"), b"{ not json").expect("meta overwritten");

    let service = started(&pool, &dir).await;
    assert_ne!(generation(&service), first);
    assert_eq!(search_ids(&pool, &service, "q=dario").await, vec![id]);
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn reindex_swaps_in_a_new_index_while_searches_go_on(pool: PgPool) {
    let dir = IndexDir::new("swap");
    let source = create_source(&pool, "Web").await;
    let id = insert(&pool, source, &[new_lead("Esme", "esme@example.com")]).await[0];
    let service = started(&pool, &dir).await;
    let old = generation(&service);

    let rebuilt = search::build_generation(&pool, &dir.0, |_, _| {}).await.expect("rebuilt");
    let started_at = Instant::now();
    loop {
        // The old index serves searches until the switch.
        assert_eq!(search_ids(&pool, &service, "q=esme").await, vec![id]);
        if generation(&service) == rebuilt {
            break;
        }
        assert!(started_at.elapsed() < Duration::from_secs(5), "the service never switched");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The old index is removed right after the switch.
    let switched_at = Instant::now();
    while dir.0.join(&old).exists() {
        assert!(switched_at.elapsed() < Duration::from_secs(5), "the old index was never removed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Changes after the rebuild still arrive.
    let later = insert(&pool, source, &[new_lead("Esmeralda", "esmeralda@example.com")]).await[0];
    until_found(&pool, &service, "q=esmeralda ", &[later]).await;
    service.stop().await;
}

async fn api_get(pool: &PgPool, service: &SearchService, uri: &str) -> (StatusCode, Value) {
    let response = send_with_search(pool, service, Request::get(uri).body(Body::empty()).expect("request")).await;
    let status = response.status();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{uri}: {}", String::from_utf8_lossy(&bytes))))
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn api_returns_hits_by_relevance_with_scores_and_reasons(pool: PgPool) {
    let dir = IndexDir::new("api");
    let source = create_source(&pool, "Web").await;
    let mut sold = new_lead("Xavier", "xavier@example.com");
    sold.status = LeadStatus::Sold;
    sold.fields.insert("utm_campaign".into(), "spring-sale-2024".into());
    let mut active = new_lead("Yusuf", "yusuf@example.com");
    active.fields.insert("utm_campaign".into(), "spring-sale-2024".into());
    let ids = insert(
        &pool,
        source,
        &[new_lead("John", "john@gmail.com"), new_lead("Joan", "joan@hotmail.com"), new_lead("Mary", "mary@example.com"), sold, active],
    )
    .await;
    let service = started(&pool, &dir).await;

    let (status, body) = api_get(&pool, &service, "/api/v1/leads?q=john%40gmal.com").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["leads"][0]["id"], ids[0]);
    assert!(body["leads"][0]["score"].as_f64().expect("score") > 0.0);
    assert_eq!(body["leads"][0]["matched"][0]["field"], "Email");
    assert_eq!(body["leads"][0]["matched"][0]["value"], "john@gmail.com");

    // S5: the campaign and the status filter together.
    let (status, body) = api_get(&pool, &service, &format!("/api/v1/sources/{source}/leads?q=spring+sale&status=sold")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 1);
    assert_eq!(body["leads"][0]["id"], ids[3]);
    assert_eq!(body["leads"][0]["matched"][0]["field"], "utm_campaign");

    let (status, body) = api_get(&pool, &service, "/api/v1/leads?q=%21%21%21").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().expect("message").contains("invalid q \"!!!\""), "{body}");

    let (status, body) = api_get(&pool, &service, "/api/v1/leads?q=john&sort=name").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["parameter"], "sort");

    let (status, body) = api_get(&pool, &service, "/api/v1/leads?q=john&page=500").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().expect("message").contains("first 10,000 matches"), "{body}");

    let (status, body) = api_get(&pool, &service, "/api/v1/search/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "ready");
    service.stop().await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn searches_answer_503_until_the_index_is_ready(pool: PgPool) {
    let service = SearchService::not_started(pool.clone());
    let (status, body) = api_get(&pool, &service, "/api/v1/leads?q=anyone").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body["error"].as_str().expect("message").contains("try again"), "{body}");
    // Lists without a search do not need the index.
    let (status, _) = api_get(&pool, &service, "/api/v1/leads").await;
    assert_eq!(status, StatusCode::OK);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn the_table_endpoint_explains_each_row(pool: PgPool) {
    let dir = IndexDir::new("table");
    let source = create_source(&pool, "Web").await;
    let ids = insert(&pool, source, &[new_lead("Chris", "chris.park@example.com"), new_lead("Zara", "zara.zhou@example.com")]).await;
    let service = started(&pool, &dir).await;
    let uri = format!("/api/source_leads?source_id={source}&query=q%3Dchri");
    let (status, body) = api_get(&pool, &service, &uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rows"]["items"].as_array().expect("rows").len(), 1, "{body}");
    assert_eq!(body["rows"]["items"][0]["id"], ids[0]);
    assert_eq!(body["hits"][0]["lead_id"], ids[0]);
    let matched = body["hits"][0]["matched"].as_array().expect("matched");
    let name = matched.iter().find(|field| field["field"] == "Name").expect("name matched");
    assert_eq!(name["highlights"], serde_json::json!([[0, 4]]), "the typed letters of Chris");
    let (_, count) = api_get(&pool, &service, &format!("/api/source_leads_count?source_id={source}&query=q%3Dzz")).await;
    assert_eq!(count, 0);
    service.stop().await;
}
