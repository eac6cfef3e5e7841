use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;

use crate::format::{query_string, thousands};
use crate::model::{last_page, DEFAULT_PAGE_SIZE, PAGE_SIZES};

/// Builds the query string of the current URL with `page` and `size` replaced. Other
/// parameters are kept, so paging never drops the rest of the view.
fn query_with_paging(query: &ParamsMap, page: u32, size: u32) -> String {
    let mut pairs: Vec<(String, Option<String>)> = query
        .into_iter()
        .filter(|(name, _)| name.as_ref() != "page" && name.as_ref() != "size")
        .map(|(name, value)| (name.to_string(), Some(value.to_string())))
        .collect();
    // Defaults stay out of the URL, so each view has one address.
    pairs.push(("page".to_string(), (page != 1).then(|| page.to_string())));
    pairs.push(("size".to_string(), (size != DEFAULT_PAGE_SIZE).then(|| size.to_string())));
    format!("?{}", query_string(pairs.iter().map(|(name, value)| (name.as_str(), value.clone()))))
}

/// Paging controls: the visible row range, first/previous/next/last links and
/// the page size. Every control changes the URL, which is the page's state.
#[component]
pub fn Pager(total: u64, page: u32, size: u32, shown: usize) -> impl IntoView {
    let query = use_query_map();
    let last = last_page(total, size);
    let href = move |target: u32| query.with_untracked(|query| query_with_paging(query, target, size));

    let summary = if shown == 0 {
        format!("showing 0 of {}", thousands(total))
    } else {
        let first = u64::from(page - 1) * u64::from(size) + 1;
        let end = first + shown as u64 - 1;
        format!("showing {}-{} of {}", thousands(first), thousands(end), thousands(total))
    };

    let link = move |label: &'static str, target: u32, enabled: bool| {
        if enabled {
            view! { <a class="page-link" href=href(target)>{label}</a> }.into_any()
        } else {
            view! { <span class="page-link disabled" aria-disabled="true">{label}</span> }.into_any()
        }
    };

    let kept_params: Vec<(String, String)> = query.with_untracked(|query| {
        query
            .into_iter()
            .filter(|(name, _)| name.as_ref() != "page" && name.as_ref() != "size")
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    });

    let navigate = use_navigate();
    let on_size_change = move |event: leptos::ev::Event| {
        let Ok(new_size) = event_target_value(&event).parse::<u32>() else {
            return;
        };
        // The first row on screen stays on screen: jump to the page holding it.
        let first_row = u64::from(page - 1) * u64::from(size);
        let new_page = u32::try_from(first_row / u64::from(new_size) + 1).unwrap_or(1);
        let target = query.with_untracked(|query| query_with_paging(query, new_page, new_size));
        navigate(&target, Default::default());
    };

    view! {
        <nav class="pager" aria-label="Pagination">
            <span class="page-summary">{summary}</span>
            <span class="page-links">
                {link("First", 1, page > 1)}
                {link("Previous", page.saturating_sub(1).max(1), page > 1)}
                <span class="page-position">{format!("Page {} of {}", thousands(page.into()), thousands(last.into()))}</span>
                {link("Next", page + 1, page < last)}
                {link("Last", last, page < last)}
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
