//! Listing sources and leads: order, paging, counts and 404s, through the
//! backend and through the real router.

mod common;

use axum::http::StatusCode;
use sqlx::PgPool;

use app::backend::{leads, sources};
use app::filter::LeadView;
use app::model::{PageRequest, Source};

fn view_of(source: &Source, page: PageRequest) -> LeadView {
    let mut view = LeadView { page, ..LeadView::default() };
    view.filter.source_id = Some(source.id);
    view
}
use common::{create_source, get, get_location, insert_lead};

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn leads_list_newest_first_with_id_tiebreak(pool: PgPool) {
    let source_id = create_source(&pool, "Order").await;
    let older = insert_lead(&pool, source_id, "Older", "older@example.com", "2024-03-09T12:00:00Z").await;
    let tie_a = insert_lead(&pool, source_id, "TieA", "a@example.com", "2024-03-10T12:00:00Z").await;
    let tie_b = insert_lead(&pool, source_id, "TieB", "b@example.com", "2024-03-10T12:00:00Z").await;
    let newest = insert_lead(&pool, source_id, "Newest", "n@example.com", "2024-03-11T12:00:00Z").await;

    let source = sources::find(&pool, source_id).await.expect("query runs").expect("source exists");
    let page = leads::list(&pool, &view_of(&source, PageRequest { page: 1, size: 25 })).await.expect("list runs");

    let ids: Vec<i64> = page.items.iter().map(|lead| lead.id).collect();
    assert_eq!(ids, [newest, tie_b, tie_a, older]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn leads_pages_cover_every_row_once(pool: PgPool) {
    let source_id = create_source(&pool, "Paging").await;
    // 60 leads sharing 6 timestamps, so most rows tie on the sort column.
    for index in 0..60 {
        insert_lead(&pool, source_id, &format!("Lead{index}"), &format!("l{index}@example.com"), &format!("2024-03-1{}T00:00:00Z", index % 6)).await;
    }
    let source = sources::find(&pool, source_id).await.expect("query runs").expect("source exists");

    let mut seen = Vec::new();
    for page_number in 1..=3 {
        let page = leads::list(&pool, &view_of(&source, PageRequest { page: page_number, size: 25 })).await.expect("list runs");
        assert_eq!(page.total, 60);
        seen.extend(page.items.iter().map(|lead| lead.id));
    }
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(seen.len(), 60);
    assert_eq!(unique.len(), 60, "no lead repeats across pages");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn leads_list_only_the_requested_source(pool: PgPool) {
    let wanted = create_source(&pool, "Wanted").await;
    let other = create_source(&pool, "Other").await;
    insert_lead(&pool, wanted, "Mine", "mine@example.com", "2024-03-10T00:00:00Z").await;
    insert_lead(&pool, other, "Theirs", "theirs@example.com", "2024-03-10T00:00:00Z").await;

    let source = sources::find(&pool, wanted).await.expect("query runs").expect("source exists");
    let page = leads::list(&pool, &view_of(&source, PageRequest::default())).await.expect("list runs");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].first_name.as_deref(), Some("Mine"));
    assert_eq!(page.items[0].source_name, "Wanted");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn source_lead_count_follows_inserts_moves_and_deletes(pool: PgPool) {
    let first = create_source(&pool, "First").await;
    let second = create_source(&pool, "Second").await;
    let lead = insert_lead(&pool, first, "Mover", "m@example.com", "2024-03-10T00:00:00Z").await;
    insert_lead(&pool, first, "Stayer", "s@example.com", "2024-03-10T00:00:00Z").await;

    let count = |id| {
        let pool = pool.clone();
        async move { sources::find(&pool, id).await.expect("query runs").expect("source exists").lead_count }
    };
    assert_eq!(count(first).await, 2);

    sqlx::query("update leads set source_id = $1 where id = $2").bind(second).bind(lead).execute(&pool).await.expect("move");
    assert_eq!(count(first).await, 1);
    assert_eq!(count(second).await, 1);

    sqlx::query("update leads set status = 'sold'").execute(&pool).await.expect("status change");
    assert_eq!(count(first).await, 1, "a status change leaves counts alone");

    sqlx::query("delete from leads where id = $1").bind(lead).execute(&pool).await.expect("delete");
    assert_eq!(count(second).await, 0);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn sources_list_by_name_with_counts(pool: PgPool) {
    let zeta = create_source(&pool, "zeta").await;
    create_source(&pool, "Alpha").await;
    insert_lead(&pool, zeta, "Z", "z@example.com", "2024-03-10T00:00:00Z").await;

    let listed = sources::list(&pool).await.expect("list runs");
    let names: Vec<_> = listed.iter().map(|source| (source.name.as_str(), source.lead_count)).collect();
    assert_eq!(names, [("Alpha", 0), ("zeta", 1)]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn sources_page_links_each_source(pool: PgPool) {
    let id = create_source(&pool, "Facebook Q3").await;
    insert_lead(&pool, id, "Ada", "ada@example.com", "2024-03-10T00:00:00Z").await;

    let (status, body) = get(&pool, "/sources").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("href=\"/sources/{id}/leads\"")), "{body}");
    assert!(body.contains("Facebook Q3"));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn source_leads_page_renders_rows_and_range(pool: PgPool) {
    let id = create_source(&pool, "Rendered").await;
    for index in 0..30 {
        insert_lead(&pool, id, &format!("Person{index:02}"), &format!("p{index}@example.com"), &format!("2024-03-10T00:{index:02}:00Z")).await;
    }

    let (status, body) = get(&pool, &format!("/sources/{id}/leads?page=2&size=25")).await;
    assert_eq!(status, StatusCode::OK);
    // Leptos marks the seams between static and loaded text with comments.
    let text = body.replace("<!>", "");
    assert!(text.contains("showing 26-30 of 30"), "{body}");
    // Newest first: page 2 contains the five oldest leads.
    assert!(body.contains("Person04"));
    assert!(!body.contains("Person05"));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn unknown_source_is_a_404_page(pool: PgPool) {
    let (status, body) = get(&pool, "/sources/999999/leads").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no source with id 999999."), "{body}");

    let (status, _) = get(&pool, "/sources/not-a-number/leads").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn unknown_path_is_a_404_page(pool: PgPool) {
    let (status, body) = get(&pool, "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no page at this address."), "{body}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn invalid_page_size_falls_back_with_a_notice(pool: PgPool) {
    let id = create_source(&pool, "Sizes").await;
    insert_lead(&pool, id, "Ada", "ada@example.com", "2024-03-10T00:00:00Z").await;

    let (status, body) = get(&pool, &format!("/sources/{id}/leads?size=7")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("invalid size"), "{body}");
    assert!(body.contains("expected 25, 50 or 100"), "{body}");
    assert!(body.replace("<!>", "").contains("showing 1-1 of 1"), "{body}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn trailing_slash_redirects_to_canonical_url(pool: PgPool) {
    let id = create_source(&pool, "Slash").await;

    let (status, location) = get_location(&pool, &format!("/sources/{id}/leads/?page=2")).await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(location, format!("/sources/{id}/leads?page=2"));

    let (_, location) = get_location(&pool, "//evil.example/").await;
    assert_eq!(location, "/evil.example", "never a redirect to another host");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn huge_page_number_is_past_the_end(pool: PgPool) {
    let id = create_source(&pool, "Huge").await;
    insert_lead(&pool, id, "Ada", "ada@example.com", "2024-03-10T00:00:00Z").await;

    let (status, body) = get(&pool, &format!("/sources/{id}/leads?page=99999999999")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("is past the last page"), "{body}");
    assert!(!body.contains("invalid page"), "{body}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn server_html_has_no_loading_indicator(pool: PgPool) {
    let id = create_source(&pool, "Loaded").await;
    insert_lead(&pool, id, "Ada", "ada@example.com", "2024-03-10T00:00:00Z").await;

    for _ in 0..20 {
        let (_, body) = get(&pool, &format!("/sources/{id}/leads")).await;
        assert!(body.contains("ada@example.com"));
        assert!(!body.contains("loading-indicator"), "{body}");
    }
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn empty_source_suggests_a_quoted_command(pool: PgPool) {
    let id = create_source(&pool, "Promo $HOME").await;

    let (_, body) = get(&pool, &format!("/sources/{id}/leads")).await;
    assert!(body.contains("This source has no leads yet."), "{body}");
    assert!(body.contains("--source &#x27;Promo $HOME&#x27;") || body.contains("--source 'Promo $HOME'"), "{body}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn all_leads_total_matches_counted_rows(pool: PgPool) {
    let first = create_source(&pool, "First").await;
    let second = create_source(&pool, "Second").await;
    for index in 0..3 {
        insert_lead(&pool, first, &format!("F{index}"), &format!("f{index}@example.com"), "2024-03-10T00:00:00Z").await;
    }
    insert_lead(&pool, second, "S", "s@example.com", "2024-03-10T00:00:00Z").await;

    let everything = leads::list(&pool, &LeadView::default()).await.expect("list runs");
    assert_eq!(everything.total, 4);
    assert_eq!(everything.items.len(), 4);

    let (only_second, _) = LeadView::from_query_string(&format!("source={second}"));
    let page = leads::list(&pool, &only_second).await.expect("list runs");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].source_name, "Second");

    let (filtered, _) = LeadView::from_query_string("email=f1");
    assert_eq!(leads::list(&pool, &filtered).await.expect("list runs").total, 1);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn all_leads_page_renders_with_source_filter(pool: PgPool) {
    let id = create_source(&pool, "Rendered Source").await;
    insert_lead(&pool, id, "Ada", "ada@example.com", "2024-03-10T00:00:00Z").await;

    let (status, body) = get(&pool, "/leads").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("All leads"), "{body}");
    assert!(body.contains("ada@example.com"), "{body}");
    assert!(body.contains("All sources"), "{body}");
    assert!(body.contains(">Rendered Source</option>"), "{body}");
}
