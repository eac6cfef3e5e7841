//! Paging by cursor and from the far end must show exactly the rows that
//! counting from the start shows, for every sort, with ties and blanks.

mod common;

use sqlx::PgPool;

use app::backend::leads;
use app::filter::{LeadSort, LeadView, PageCursor, SortColumn};
use app::model::PageRequest;

use common::create_source;

/// Fills two sources with leads whose sort values tie often: six creation
/// times, repeated names, and emails and phones that are sometimes missing.
async fn seed_ties(pool: &PgPool, leads_per_source: i64) -> i64 {
    let first = create_source(pool, "Alpha Paging").await;
    let second = create_source(pool, "beta Paging").await;
    sqlx::query(
        "insert into leads (source_id, first_name, last_name, email, phone, status, created_at) \
         select case when n % 3 = 0 then $2 else $1 end, \
                'Name' || (n % 7), 'Tie', \
                case when n % 4 = 0 then null else 'user' || (n % 9) || '@example.com' end, \
                case when n % 5 = 0 then null else '555 01' || (n % 8) end, \
                (array['active','sold','duplicate','rejected','suppressed'])[1 + n % 5]::lead_status, \
                timestamptz '2024-03-01 00:00:00+00' + (n % 6) * interval '1 day' \
           from generate_series(1, $3) n",
    )
    .bind(first)
    .bind(second)
    .bind(leads_per_source * 2)
    .execute(pool)
    .await
    .expect("leads inserted");
    first
}

fn ids(rows: &app::model::Rows<app::model::LeadSummary>) -> Vec<i64> {
    rows.items.iter().map(|lead| lead.id).collect()
}

/// Checks that every page reached through Next and Previous links equals the
/// page of the same number read by offset.
async fn check_cursor_paging(pool: &PgPool, base: LeadView) {
    let size = base.page.size;
    let mut by_offset = Vec::new();
    for page in 1.. {
        let view = LeadView { page: PageRequest { page, size }, ..base.clone() };
        let rows = leads::rows(pool, &view).await.expect("page by offset");
        by_offset.push(ids(&rows));
        if !rows.has_next {
            break;
        }
    }
    let everything: Vec<i64> = by_offset.concat();
    let mut unique = everything.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), everything.len(), "no lead repeats across pages for {:?}", base.sort);
    assert_eq!(everything.len() as u64, leads::count(pool, &base.filter).await.expect("count"));

    let mut cursor = None;
    for (index, expected) in by_offset.iter().enumerate() {
        let page = u32::try_from(index).expect("few pages") + 1;
        let view = LeadView { page: PageRequest { page, size }, cursor, ..base.clone() };
        let rows = leads::rows(pool, &view).await.expect("page by cursor");
        assert_eq!(&ids(&rows), expected, "page {page} after the cursor, sort {:?}", base.sort);
        assert_eq!(rows.has_next, index + 1 < by_offset.len());
        cursor = rows.items.last().map(|lead| PageCursor::After(lead.id));
    }

    for index in (0..by_offset.len() - 1).rev() {
        let page = u32::try_from(index).expect("few pages") + 1;
        let before = by_offset[index + 1][0];
        let view = LeadView { page: PageRequest { page, size }, cursor: Some(PageCursor::Before(before)), ..base.clone() };
        let rows = leads::rows(pool, &view).await.expect("page before the cursor");
        assert_eq!(ids(&rows), by_offset[index], "page {page} before the cursor, sort {:?}", base.sort);
        assert!(rows.has_next);
    }
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn cursor_pages_match_offset_pages_for_every_sort(pool: PgPool) {
    let source_id = seed_ties(&pool, 40).await;
    for column in SortColumn::ALL {
        for descending in [false, true] {
            for source in [Some(source_id), None] {
                let mut view = LeadView { page: PageRequest { page: 1, size: 25 }, ..LeadView::default() };
                view.sort = LeadSort { column, descending };
                view.filter.source_id = source;
                check_cursor_paging(&pool, view).await;
            }
        }
    }
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn cursor_pages_respect_filters(pool: PgPool) {
    seed_ties(&pool, 60).await;
    let (view, errors) = LeadView::from_query_string("status=sold,active&email=user&sort=-email&size=25");
    assert!(errors.is_empty(), "{errors:?}");
    check_cursor_paging(&pool, view).await;
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn deep_page_without_cursor_reads_from_the_far_end(pool: PgPool) {
    // Past 5,000 rows a page without a cursor is read from the nearer end.
    let source_id = seed_ties(&pool, 4_000).await;
    let mut view = LeadView::default();
    view.filter.source_id = Some(source_id);
    let total = leads::count(&pool, &view.filter).await.expect("count");
    assert_eq!(total, 5_334);

    let expected = |offset: i64, limit: i64| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "select id from leads where source_id = $1 order by created_at desc, id desc offset $2 limit $3",
            )
            .bind(source_id)
            .bind(offset)
            .bind(limit)
            .fetch_all(&pool)
            .await
            .expect("reference query")
        }
    };
    // Pages 101 and 106 lie past 5,000 rows and in the second half; 107 is
    // the short last page.
    for (page, has_next) in [(101u32, true), (106, true), (107, false)] {
        view.page = PageRequest { page, size: 50 };
        let rows = leads::rows(&pool, &view).await.expect("deep page");
        assert_eq!(ids(&rows), expected(i64::from(page - 1) * 50, 50).await, "page {page}");
        assert_eq!(rows.has_next, has_next, "page {page}");
    }
    view.page = PageRequest { page: 108, size: 50 };
    let past_the_end = leads::rows(&pool, &view).await.expect("page past the end");
    assert!(past_the_end.items.is_empty());
    assert!(!past_the_end.has_next);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn a_short_page_before_the_cursor_becomes_the_first_page(pool: PgPool) {
    let source_id = seed_ties(&pool, 40).await;
    let mut view = LeadView { page: PageRequest { page: 1, size: 25 }, ..LeadView::default() };
    view.filter.source_id = Some(source_id);
    let first = ids(&leads::rows(&pool, &view).await.expect("first page"));

    // Previous from a page that starts at the tenth lead: only nine precede it.
    view.page.page = 2;
    view.cursor = Some(PageCursor::Before(first[9]));
    let rows = leads::rows(&pool, &view).await.expect("page before the cursor");
    assert_eq!(rows.page, 1);
    assert_eq!(ids(&rows), first);
    assert!(rows.has_next);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn deleted_cursor_lead_falls_back_to_the_page_number(pool: PgPool) {
    let source_id = seed_ties(&pool, 40).await;
    let mut view = LeadView { page: PageRequest { page: 2, size: 25 }, ..LeadView::default() };
    view.filter.source_id = Some(source_id);
    let by_offset = ids(&leads::rows(&pool, &view).await.expect("page 2"));

    view.cursor = Some(PageCursor::After(999_999));
    assert_eq!(ids(&leads::rows(&pool, &view).await.expect("page 2 with a stale cursor")), by_offset);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn status_counters_follow_inserts_changes_moves_and_deletes(pool: PgPool) {
    let source_id = seed_ties(&pool, 40).await;
    let other = create_source(&pool, "Other Paging").await;
    sqlx::query("update leads set status = 'sold' where id % 7 = 0").execute(&pool).await.expect("status change");
    sqlx::query("update leads set source_id = $1 where id % 11 = 0").bind(other).execute(&pool).await.expect("move");
    sqlx::query("delete from leads where id % 13 = 0").execute(&pool).await.expect("delete");

    for query in ["status=sold", "status=active,rejected", "status=duplicate", ""] {
        for source in [Some(source_id), Some(other), None] {
            let (mut view, _) = LeadView::from_query_string(query);
            view.filter.source_id = source;
            let statuses: Vec<&str> = view.filter.statuses.iter().map(|status| status.as_str()).collect();
            let counted: i64 = sqlx::query_scalar(
                "select count(*) from leads where ($1::bigint is null or source_id = $1) \
                 and (cardinality($2::text[]) = 0 or status::text = any($2))",
            )
            .bind(source)
            .bind(&statuses)
            .fetch_one(&pool)
            .await
            .expect("reference count");
            let total = leads::count(&pool, &view.filter).await.expect("count");
            assert_eq!(total, u64::try_from(counted).expect("non-negative"), "{query} in {source:?}");
        }
    }

    // Folding leaves one row per source and status and the same totals.
    let before = leads::count(&pool, &LeadView::from_query_string("status=sold").0.filter).await.expect("count");
    assert!(leads::fold_status_counts(&pool).await.expect("fold runs") > 0);
    let rows_per_group: Option<i64> =
        sqlx::query_scalar("select max(n) from (select count(*) as n from source_status_counts group by source_id, status) g")
            .fetch_one(&pool)
            .await
            .expect("groups counted");
    assert_eq!(rows_per_group, Some(1));
    let after = leads::count(&pool, &LeadView::from_query_string("status=sold").0.filter).await.expect("count");
    assert_eq!(after, before);
    assert_eq!(leads::fold_status_counts(&pool).await.expect("second fold runs"), 0);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn counters_reject_invalid_filters(pool: PgPool) {
    seed_ties(&pool, 5).await;
    let (view, _) = LeadView::from_query_string("status=sold&tz=Mars/Olympus");
    let error = leads::count(&pool, &view.filter).await.expect_err("an unknown zone has no total");
    assert!(error.to_string().contains("Mars/Olympus"), "{error}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn rare_matches_beyond_the_scan_budget_are_found_in_order(pool: PgPool) {
    // 12,000 leads, newest first; only the 30 oldest match `rare`, so a walk
    // of the newest 10,000 finds none of them.
    let source_id = create_source(&pool, "Budget").await;
    sqlx::query(
        "insert into leads (source_id, first_name, email, created_at) \
         select $1, 'Lead' || n, case when n <= 30 then 'rare' || n || '@example.com' else 'common' || n || '@example.com' end, \
                timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute' \
           from generate_series(1, 12000) n",
    )
    .bind(source_id)
    .execute(&pool)
    .await
    .expect("leads inserted");

    let (mut view, _) = LeadView::from_query_string("email=rare&size=25");
    view.filter.source_id = Some(source_id);
    let expected: Vec<i64> = sqlx::query_scalar(
        "select id from leads where source_id = $1 and email like 'rare%' order by created_at desc, id desc",
    )
    .bind(source_id)
    .fetch_all(&pool)
    .await
    .expect("reference query");

    let first = leads::rows(&pool, &view).await.expect("first page");
    assert_eq!(ids(&first), expected[..25]);
    assert!(first.has_next);
    view.cursor = first.items.last().map(|lead| PageCursor::After(lead.id));
    view.page.page = 2;
    let second = leads::rows(&pool, &view).await.expect("second page");
    assert_eq!(ids(&second), expected[25..]);
    assert!(!second.has_next);

    // Common matches come from the budgeted walk, newest first.
    let (mut common, _) = LeadView::from_query_string("email=common&size=25");
    common.filter.source_id = Some(source_id);
    let newest: Vec<i64> = sqlx::query_scalar(
        "select id from leads where source_id = $1 and email like 'common%' order by created_at desc, id desc limit 25",
    )
    .bind(source_id)
    .fetch_all(&pool)
    .await
    .expect("reference query");
    assert_eq!(ids(&leads::rows(&pool, &common).await.expect("common page")), newest);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn deep_pages_by_number_match_offset_reads_in_every_order(pool: PgPool) {
    // One source of 11,000 leads with tied names and statuses. Page 201 is
    // 5,000 rows in, so it is read forward from a boundary lead. Page 300 is
    // read from the far end, and page 440 is the last.
    let source_id = create_source(&pool, "Deep").await;
    sqlx::query(
        "insert into leads (source_id, first_name, email, status, created_at) \
         select $1, 'Name' || (n % 13), case when n % 4 = 0 then null else 'u' || (n % 17) || '@example.com' end, \
                (array['active','sold','rejected'])[1 + n % 3]::lead_status, \
                timestamptz '2024-01-01 00:00:00+00' + (n % 500) * interval '1 hour' \
           from generate_series(1, 11000) n",
    )
    .bind(source_id)
    .execute(&pool)
    .await
    .expect("leads inserted");

    let cases = [
        ("", "created_at desc, id desc"),
        ("sort=name", "name_folded, id"),
        ("sort=-status", "status desc, created_at desc, id desc"),
        ("sort=email", "email_normalized, id"),
        ("status=sold,rejected&sort=created_at", "created_at, id"),
    ];
    for (query, order) in cases {
        let (mut view, errors) = LeadView::from_query_string(query);
        assert!(errors.is_empty(), "{errors:?}");
        view.filter.source_id = Some(source_id);
        let statuses: Vec<&str> = view.filter.statuses.iter().map(|status| status.as_str()).collect();
        for page in [201u32, 300, 440] {
            view.page = PageRequest { page, size: 25 };
            let expected: Vec<i64> = sqlx::query_scalar(&format!(
                "select id from leads where source_id = $1 and (cardinality($2::text[]) = 0 or status::text = any($2)) \
                 order by {order} offset $3 limit 25"
            ))
            .bind(source_id)
            .bind(&statuses)
            .bind(i64::from(page - 1) * 25)
            .fetch_all(&pool)
            .await
            .expect("reference query");
            let rows = leads::rows(&pool, &view).await.expect("deep page");
            assert_eq!(ids(&rows), expected, "page {page} of {query:?}");
        }
    }
}
