//! Lead filters against real PostgreSQL: each matching rule, their
//! combination, and paging under every sort.

mod common;

use sqlx::PgPool;

use app::backend::leads;
use app::filter::{LeadView, SortColumn};
use common::create_source;

async fn add_lead(pool: &PgPool, source_id: i64, first: &str, last: &str, email: &str, phone: &str, created_at: &str) -> i64 {
    sqlx::query_scalar(
        "insert into leads (source_id, first_name, last_name, email, phone, created_at)
         values ($1, nullif($2, ''), nullif($3, ''), nullif($4, ''), nullif($5, ''), $6::timestamptz) returning id",
    )
    .bind(source_id)
    .bind(first)
    .bind(last)
    .bind(email)
    .bind(phone)
    .bind(created_at)
    .fetch_one(pool)
    .await
    .expect("lead inserted")
}

/// Runs the view in a URL query string and returns the matching lead ids, sorted.
async fn matching(pool: &PgPool, query: &str) -> Vec<i64> {
    let (mut view, errors) = LeadView::from_query_string(query);
    assert!(errors.is_empty(), "{query}: {errors:?}");
    view.page.size = 100;
    let page = leads::list(pool, &view).await.expect("list runs");
    assert!(page.total as usize == page.items.len() || page.items.len() == 100, "{query}: total {}", page.total);
    let mut ids: Vec<i64> = page.items.iter().map(|lead| lead.id).collect();
    ids.sort_unstable();
    ids
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn phone_filter_compares_digits_only(pool: PgPool) {
    let source = create_source(&pool, "Phones").await;
    let a = add_lead(&pool, source, "A", "", "", "(555) 123-4567", "2024-03-10T00:00:00Z").await;
    let b = add_lead(&pool, source, "B", "", "", "+1 555 987 6543", "2024-03-10T00:00:00Z").await;

    for query in ["555-123-4567", "%2B15551234567", "5551234567", "4567"] {
        assert_eq!(matching(&pool, &format!("phone={query}")).await, [a], "phone={query}");
    }
    assert_eq!(matching(&pool, "phone=987%2065").await, [b]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn phone_filter_without_digits_is_rejected(pool: PgPool) {
    let (_, errors) = LeadView::from_query_string("phone=()-");
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.contains("at least one digit"), "{}", errors[0]);

    let mut view = LeadView::default();
    view.filter.phone = Some("()-".to_string());
    let error = leads::list(&pool, &view).await.expect_err("no query for a phone without digits");
    assert!(error.to_string().contains("at least one digit"), "{error}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn name_filter_ignores_case_and_accents(pool: PgPool) {
    let source = create_source(&pool, "Names").await;
    let jose = add_lead(&pool, source, "José", "Díaz", "jose@example.com", "", "2024-03-10T00:00:00Z").await;
    let diego = add_lead(&pool, source, "Diego", "Ramos", "diego@example.com", "", "2024-03-10T00:00:00Z").await;
    let zoe = add_lead(&pool, source, "ZOË", "MÜLLER", "zoe@example.com", "", "2024-03-10T00:00:00Z").await;
    let lukasz = add_lead(&pool, source, "Łukasz", "Żółw", "lukasz@example.com", "", "2024-03-10T00:00:00Z").await;

    for query in ["d%C3%AD", "D%C3%8D"] {
        let found = matching(&pool, &format!("name={query}")).await;
        assert!(found.contains(&jose), "name={query}: {found:?}");
    }
    for query in ["d%C3%ADaz", "diaz", "jose", "jos%C3%A9%20d%C3%ADaz"] {
        assert_eq!(matching(&pool, &format!("name={query}")).await, [jose], "name={query}");
    }
    assert!(!matching(&pool, "name=d%C3%ADaz").await.contains(&diego));
    assert_eq!(matching(&pool, "name=zoe%20muller").await, [zoe]);
    assert_eq!(matching(&pool, "name=M%C3%BCller").await, [zoe]);
    assert_eq!(matching(&pool, "name=lukasz").await, [lukasz]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn date_range_includes_whole_end_day(pool: PgPool) {
    let source = create_source(&pool, "Dates").await;
    let midnight = add_lead(&pool, source, "A", "", "a@example.com", "", "2024-03-10T00:00:00Z").await;
    let last_second = add_lead(&pool, source, "B", "", "b@example.com", "", "2024-03-10T23:59:59Z").await;
    let next_day = add_lead(&pool, source, "C", "", "c@example.com", "", "2024-03-11T00:00:00Z").await;

    assert_eq!(matching(&pool, "from=2024-03-10&to=2024-03-10&tz=UTC").await, [midnight, last_second]);
    let until = matching(&pool, "to=2024-03-10&tz=UTC").await;
    assert!(until.contains(&last_second));
    assert!(!until.contains(&next_day));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn date_range_uses_the_viewer_time_zone(pool: PgPool) {
    let source = create_source(&pool, "Zones").await;
    // 03:30 UTC on the 11th is still the 10th in New York (UTC-4 after 10 March 2024).
    let late_evening = add_lead(&pool, source, "A", "", "a@example.com", "", "2024-03-11T03:30:00Z").await;

    assert_eq!(matching(&pool, "from=2024-03-10&to=2024-03-10&tz=America/New_York").await, [late_evening]);
    assert!(matching(&pool, "from=2024-03-10&to=2024-03-10&tz=UTC").await.is_empty());
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn inverted_date_range_runs_no_query(pool: PgPool) {
    let (view, errors) = LeadView::from_query_string("from=2024-03-11&to=2024-03-10");
    assert!(errors[0].message.contains("after the end date"), "{}", errors[0]);

    let error = leads::list(&pool, &view).await.expect_err("inverted range rejected");
    assert!(error.to_string().contains("after the end date"), "{error}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn unknown_time_zone_is_rejected(pool: PgPool) {
    let (view, errors) = LeadView::from_query_string("from=2024-03-10&tz=Mars/Olympus");
    assert!(errors.is_empty(), "the shape is valid; the zone database decides");

    let error = leads::list(&pool, &view).await.expect_err("unknown zone rejected");
    assert!(error.to_string().contains("invalid tz \"Mars/Olympus\""), "{error}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn combined_filters_select_the_intersection(pool: PgPool) {
    let source = create_source(&pool, "Combined").await;
    let mut sold_in_march = Vec::new();
    for index in 0..200 {
        let domain = if index < 25 { "acme.example" } else { "other.example" };
        let created_at = format!("2024-03-{:02}T12:00:00Z", index % 28 + 1);
        let id = add_lead(&pool, source, &format!("L{index}"), "", &format!("lead{index}@{domain}"), "", &created_at).await;
        if index < 10 {
            sqlx::query("update leads set status = 'sold' where id = $1").bind(id).execute(&pool).await.expect("status set");
            sold_in_march.push(id);
        }
    }

    assert_eq!(matching(&pool, "email=ACME.example&status=sold").await, sold_in_march);
    assert!(matching(&pool, "email=ACME.example&status=sold&from=2024-04-01&to=2024-04-30").await.is_empty());
    assert_eq!(matching(&pool, &format!("email=acme.example&status=sold&source={source}")).await, sold_in_march);
    let other_source = create_source(&pool, "Elsewhere").await;
    assert!(matching(&pool, &format!("email=acme.example&source={other_source}")).await.is_empty());
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn email_filter_is_a_trimmed_case_insensitive_substring(pool: PgPool) {
    let source = create_source(&pool, "Emails").await;
    let promo = add_lead(&pool, source, "A", "", "jane+promo@example.com", "", "2024-03-10T00:00:00Z").await;
    let jane = add_lead(&pool, source, "B", "", "jane@example.com", "", "2024-03-10T00:00:00Z").await;
    let dotted = add_lead(&pool, source, "C", "", "ja.ne@example.org", "", "2024-03-10T00:00:00Z").await;

    assert_eq!(matching(&pool, "email=jane%2B").await, [promo]);
    assert_eq!(matching(&pool, "email=%40example.com").await, [promo, jane]);
    assert_eq!(matching(&pool, "email=%20JANE%40EXAMPLE.COM%20").await, [jane]);
    assert_eq!(matching(&pool, "email=ja.ne").await, [dotted]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn like_wildcards_in_filters_match_literally(pool: PgPool) {
    let source = create_source(&pool, "Wildcards").await;
    let underscore = add_lead(&pool, source, "A_B", "", "a_b@example.com", "", "2024-03-10T00:00:00Z").await;
    add_lead(&pool, source, "AXB", "", "axb@example.com", "", "2024-03-10T00:00:00Z").await;
    let percent = add_lead(&pool, source, "100%", "", "p@example.com", "", "2024-03-10T00:00:00Z").await;

    assert_eq!(matching(&pool, "email=a_b").await, [underscore]);
    assert_eq!(matching(&pool, "name=a_b").await, [underscore]);
    assert_eq!(matching(&pool, "name=100%25").await, [percent]);
    assert_eq!(matching(&pool, "name=%5C").await, Vec::<i64>::new());
    // Folding turns full-width ％ and ＿ into % and _, which must stay literal.
    assert_eq!(matching(&pool, "name=%EF%BC%85").await, [percent]);
    assert_eq!(matching(&pool, "name=a%EF%BC%BFb").await, [underscore]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn every_sort_pages_without_repeats(pool: PgPool) {
    let alpha = create_source(&pool, "Alpha").await;
    let beta = create_source(&pool, "Beta").await;
    // Few distinct values per column, so most rows tie and the id decides.
    for index in 0..45 {
        let source = if index % 2 == 0 { alpha } else { beta };
        let email = format!("{}@example.com", ["ann", "bob", "cy"][index % 3]);
        let phone = ["5550001111", "5550002222", ""][index % 3];
        add_lead(&pool, source, ["Ann", "Bob"][index % 2], "", &email, phone, &format!("2024-03-1{}T00:00:00Z", index % 4)).await;
    }

    for column in SortColumn::ALL {
        for descending in [false, true] {
            let mut seen = Vec::new();
            for page in 1..=5 {
                let mut view = LeadView::default();
                view.sort.column = column;
                view.sort.descending = descending;
                view.page.page = page;
                view.page.size = 10;
                let listed = leads::list(&pool, &view).await.expect("list runs");
                assert_eq!(listed.total, 45);
                seen.extend(listed.items.iter().map(|lead| lead.id));
            }
            let mut unique = seen.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!((seen.len(), unique.len()), (45, 45), "sort {column:?} descending={descending}");
        }
    }
}
