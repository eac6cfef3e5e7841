use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::use_query_pairs;

use crate::format::{query_string, thousands};
use crate::model::{last_page, DEFAULT_PAGE_SIZE, PAGE_SIZES};

/// The total of a lead table, loaded apart from its rows: `None` inside when
/// the filter cannot run.
pub type CountResource = Resource<Result<Option<u64>, ServerFnError>>;

/// Builds the query string of the current URL with `page`, `size` and the page
/// cursor replaced. Other parameters are kept, so paging never drops the rest
/// of the view.
fn query_with_paging(query: &[(String, String)], page: u32, size: u32, cursor: Option<(&str, i64)>) -> String {
    let mut pairs: Vec<(String, Option<String>)> = query
        .iter()
        .filter(|(name, _)| !["page", "size", "after", "before"].contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), Some(value.clone())))
        .collect();
    // Defaults stay out of the URL, so each view has one address.
    pairs.push(("page".to_string(), (page != 1).then(|| page.to_string())));
    pairs.push(("size".to_string(), (size != DEFAULT_PAGE_SIZE).then(|| size.to_string())));
    if let Some((name, id)) = cursor {
        pairs.push((name.to_string(), Some(id.to_string())));
    }
    format!("?{}", query_string(pairs.iter().map(|(name, value)| (name.as_str(), value.clone()))))
}

/// The rows on screen, as the pager needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageShown {
    pub page: u32,
    pub size: u32,
    /// Rows on this page.
    pub shown: usize,
    pub has_next: bool,
    /// Ids of the first and last lead on the page, the cursors of the
    /// Previous and Next links.
    pub first_id: Option<i64>,
    pub last_id: Option<i64>,
    /// Deepest row the table pages to, when it has a limit (a search does).
    pub max_rows: Option<u64>,
}

/// Paging controls: the visible row range, first/previous/next/last links and
/// the page size. Every control changes the URL, which is the page's state.
/// Next and Previous carry the neighbouring lead as a cursor, so deep pages
/// load as fast as the first. The total and the last page appear when the
/// count arrives.
#[component]
pub fn Pager(shown: PageShown, count: CountResource) -> impl IntoView {
    let PageShown { page, size, shown, has_next, first_id, last_id, max_rows } = shown;
    let last_of = move |total: u64| last_page(max_rows.map_or(total, |max| total.min(max)), size);
    let query = use_query_pairs();
    let href = move |target: u32, cursor: Option<(&str, i64)>| {
        query.with_untracked(|query| query_with_paging(query, target, size, cursor))
    };

    let first_row = u64::from(page - 1) * u64::from(size) + 1;
    let range = if shown == 0 {
        "showing 0".to_string()
    } else {
        format!("showing {}-{}", thousands(first_row), thousands(first_row + shown as u64 - 1))
    };

    let link = move |label: &'static str, target: Option<String>| match target {
        Some(href) => view! { <a class="page-link" href=href>{label}</a> }.into_any(),
        None => view! { <span class="page-link disabled" aria-disabled="true">{label}</span> }.into_any(),
    };
    // Page 2 back to page 1 drops the cursor: the first page needs none.
    let previous = (page > 1).then(|| match first_id {
        Some(id) if page > 2 => href(page - 1, Some(("before", id))),
        _ => href(page - 1, None),
    });
    let next = match (has_next, last_id) {
        (true, Some(id)) => Some(href(page.saturating_add(1), Some(("after", id)))),
        (true, None) => Some(href(page.saturating_add(1), None)),
        (false, _) => None,
    };

    let total = move || async move { count.await.ok().flatten() };

    let kept_params: Vec<(String, String)> = query.with_untracked(|query| {
        query.iter().filter(|(name, _)| !["page", "size", "after", "before"].contains(&name.as_str())).cloned().collect()
    });

    let navigate = use_navigate();
    let on_size_change = move |event: leptos::ev::Event| {
        let Ok(new_size) = event_target_value(&event).parse::<u32>() else {
            return;
        };
        // The first row on screen stays on screen: jump to the page holding it.
        let first_row = u64::from(page - 1) * u64::from(size);
        let new_page = u32::try_from(first_row / u64::from(new_size) + 1).unwrap_or(1);
        let target = query.with_untracked(|query| query_with_paging(query, new_page, new_size, None));
        navigate(&target, Default::default());
    };

    view! {
        <nav class="pager" aria-label="Pagination">
            <span class="page-summary">
                {range}" of "
                <Suspense fallback=|| view! { <span class="counting">"…"</span> }>
                    {move || Suspend::new(async move {
                        match total().await {
                            Some(total) => thousands(total),
                            None => "?".to_string(),
                        }
                    })}
                </Suspense>
            </span>
            <span class="page-links">
                {link("First", (page > 1).then(|| href(1, None)))}
                {link("Previous", previous)}
                <span class="page-position">
                    {format!("Page {} of ", thousands(page.into()))}
                    <Suspense fallback=|| "…">
                        {move || Suspend::new(async move {
                            match total().await {
                                Some(total) => thousands(last_of(total).into()),
                                None => "?".to_string(),
                            }
                        })}
                    </Suspense>
                </span>
                {link("Next", next)}
                <Suspense fallback=move || link("Last", None)>
                    {move || Suspend::new(async move {
                        let last = total().await.map(last_of);
                        link("Last", last.filter(|&last| last > page).map(|last| href(last, None)))
                    })}
                </Suspense>
            </span>
            // A plain GET form, so the page size also changes where the WASM
            // bundle has not loaded; the browser build navigates on change instead.
            <form method="get" class="page-size" on:submit=|event| event.prevent_default()>
                {kept_params
                    .into_iter()
                    .map(|(name, value)| view! { <input type="hidden" name=name value=value/> })
                    .collect_view()}
                <label>
                "Rows per page "
                <select name="size" on:change=on_size_change prop:value=size.to_string()>
                    {PAGE_SIZES
                        .into_iter()
                        .map(|option| {
                            view! {
                                <option value=option.to_string() selected=option == size>
                                    {option.to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                </label>
                <noscript><button type="submit">"Apply"</button></noscript>
            </form>
        </nav>
    }
}
