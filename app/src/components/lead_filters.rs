use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::{query_value, use_query_pairs};
use leptos_router::NavigateOptions;

use crate::contact::trim_value;
use crate::filter::{LeadFilter, LeadSort, LeadView, MAX_FILTER_CHARS};
use crate::model::{LeadStatus, Source};
use crate::time::use_viewer_time_zone;

/// Delay between the last keystroke in a text filter and the URL update, so a
/// typed word runs one query, not one per letter.
const TYPING_DEBOUNCE: Duration = Duration::from_millis(300);

/// Returns a function that shows a view by changing the URL, which is the
/// page's only state. Typing replaces the current history entry, so Back
/// skips the intermediate states; other changes push a new one.
pub fn use_show_view() -> impl Fn(LeadView, bool) + Clone + 'static {
    let navigate = use_navigate();
    let location = use_location();
    move |view: LeadView, replace: bool| {
        let path = location.pathname.get_untracked();
        let query = view.to_query_string();
        let target = if query.is_empty() { path } else { format!("{path}?{query}") };
        navigate(&target, NavigateOptions { replace, scroll: false, ..Default::default() });
    }
}

/// Returns the view in the address bar right now. Two filters edited within
/// one debounce interval both build on the newest URL this way, where the memo
/// could still hold the view from before the first change.
fn latest_view(view: Memo<LeadView>) -> LeadView {
    #[cfg(feature = "hydrate")]
    if let Some(search) = web_sys::window().and_then(|window| window.location().search().ok()) {
        return LeadView::from_query_string(search.trim_start_matches('?')).0;
    }
    view.get_untracked()
}

/// Renders the filter bar above a lead table: name, email, phone, statuses and
/// a created-date range. Every change goes to the URL, with the page reset to 1.
#[component]
pub fn LeadFilters(
    view: Memo<LeadView>,
    /// Sources to choose from; the Source filter shows only when given.
    #[prop(optional)]
    sources: Vec<Source>,
) -> impl IntoView {
    let show_view = use_show_view();
    let zone = use_viewer_time_zone();

    let change = {
        let show_view = show_view.clone();
        move |update: &dyn Fn(&mut LeadFilter), replace: bool| {
            let mut next = latest_view(view);
            // Clearing the search text keeps the search box open.
            next.advanced = next.shows_search();
            update(&mut next.filter);
            if next.is_search() {
                // Search results come by relevance.
                next.sort = LeadSort::default();
            }
            next.page.page = 1;
            next.cursor = None;
            show_view(next, replace);
        }
    };

    let text_input = {
        let change = change.clone();
        move |label: &'static str, name: &'static str, read: fn(&LeadFilter) -> Option<String>, write: fn(&mut LeadFilter, Option<String>)| {
            // The box keeps what is typed, trailing space included; the URL gets
            // the trimmed value. The box follows the URL only when the two
            // differ beyond trimming, as after Back or Clear filters.
            // The raw URL value, not the parsed one, so that text the parser
            // rejects (such as a phone without digits) stays in the box beside
            // its message. A memo per field leaves text typed here alone when
            // another filter changes.
            let query = use_query_pairs();
            let from_url = Memo::new(move |_| query.with(|pairs| query_value(pairs, name)).map(|value| trim_value(&value).to_string()).unwrap_or_default());
            let text = RwSignal::new(from_url.get_untracked());
            let initial = text.get_untracked();
            Effect::new(move |_| {
                let from_url = from_url.get();
                if trim_value(&text.get_untracked()) != from_url {
                    text.set(from_url);
                }
            });
            let pending = StoredValue::new(None::<TimeoutHandle>);
            let change = change.clone();
            let on_input = move |event: leptos::ev::Event| {
                text.set(event_target_value(&event));
                if let Some(handle) = pending.get_value() {
                    handle.clear();
                }
                let change = change.clone();
                let handle = set_timeout_with_handle(
                    move || {
                        // The filter bar may be gone by the time the timer fires.
                        let (Some(typed), Some(_)) = (text.try_get_untracked(), view.try_get_untracked()) else {
                            return;
                        };
                        let current = latest_view(view);
                        let value = Some(trim_value(&typed).to_string()).filter(|value| !value.is_empty());
                        let in_url = from_url.try_get_untracked().filter(|raw| !raw.is_empty());
                        if value != read(&current.filter) || value != in_url {
                            change(&|filter| write(filter, value.clone()), true);
                        }
                    },
                    TYPING_DEBOUNCE,
                );
                pending.set_value(handle.ok());
            };
            view! {
                <label class="filter-field">
                    <span>{label}</span>
                    <input
                        type="search"
                        name=name
                        autocomplete="off"
                        maxlength=MAX_FILTER_CHARS
                        value=initial
                        prop:value=move || text.get()
                        on:input=on_input
                    />
                </label>
            }
        }
    };

    let status_boxes = LeadStatus::ALL
        .into_iter()
        .map(|status| {
            let change = change.clone();
            let checked = move || view.read().filter.statuses.contains(&status);
            let initially_checked = untrack(checked);
            let on_change = move |_| {
                change(
                    &|filter| {
                        if filter.statuses.contains(&status) {
                            filter.statuses.retain(|kept| *kept != status);
                        } else {
                            filter.statuses.push(status);
                            filter.statuses.sort_by_key(|kept| LeadStatus::ALL.iter().position(|s| s == kept));
                        }
                    },
                    false,
                )
            };
            view! {
                <label class="status-choice">
                    <input type="checkbox" checked=initially_checked prop:checked=checked on:change=on_change/>
                    {status.label()}
                </label>
            }
        })
        .collect_view();

    let date_input = {
        let change = change.clone();
        move |label: &'static str, is_start: bool| {
            let change = change.clone();
            let value = move || {
                let filter = &view.read().filter;
                let date = if is_start { filter.created_from } else { filter.created_to };
                date.map(|date| date.to_string()).unwrap_or_default()
            };
            let on_change = move |event: leptos::ev::Event| {
                let date = chrono::NaiveDate::parse_from_str(&event_target_value(&event), "%Y-%m-%d").ok();
                let viewer_zone = zone.get_untracked();
                change(
                    &|filter| {
                        if is_start {
                            filter.created_from = date;
                        } else {
                            filter.created_to = date;
                        }
                        // The zone travels with the dates, so a shared link
                        // selects the same leads wherever it is opened.
                        filter.time_zone = (filter.created_from.is_some() || filter.created_to.is_some())
                            .then(|| filter.time_zone.clone().unwrap_or_else(|| viewer_zone.clone()));
                    },
                    false,
                )
            };
            let initial = untrack(value);
            view! {
                <label class="filter-field">
                    <span>{label}</span>
                    <input type="date" value=initial prop:value=value on:change=on_change/>
                </label>
            }
        }
    };

    let source_select = (!sources.is_empty()).then(|| {
        let change = change.clone();
        let selected = move || view.read().filter.source_id.map(|id| id.to_string()).unwrap_or_default();
        let on_change = move |event: leptos::ev::Event| {
            let source_id = event_target_value(&event).parse::<i64>().ok();
            change(&|filter| filter.source_id = source_id, false);
        };
        view! {
            <label class="filter-field">
                <span>"Source"</span>
                <select on:change=on_change prop:value=selected>
                    <option value="">"All sources"</option>
                    {sources
                        .into_iter()
                        .map(|source| {
                            let id = source.id.to_string();
                            let is_selected = {
                                let id = id.clone();
                                move || selected() == id
                            };
                            view! { <option value=id selected=is_selected>{source.name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    });

    // Without `tz` in the URL the server counts days in UTC; setting a date
    // here adds the viewer's zone.
    let date_zone = move || {
        let zone_name = view.read().filter.time_zone.clone().unwrap_or_else(|| "UTC".to_string());
        format!("Days in {zone_name}")
    };

    let advanced = move || view.read().shows_search();
    let toggle_search = {
        let show_view = show_view.clone();
        move |_| {
            let mut next = latest_view(view);
            if next.shows_search() {
                next.filter.query = None;
                next.advanced = false;
            } else {
                // Text typed in the substring filters carries over into the search.
                let carried: Vec<String> =
                    [next.filter.name.take(), next.filter.email.take(), next.filter.phone.take()].into_iter().flatten().collect();
                next.filter.query = (!carried.is_empty()).then(|| carried.join(" "));
                next.advanced = true;
            }
            next.sort = LeadSort::default();
            next.page.page = 1;
            next.cursor = None;
            show_view(next, false);
        }
    };
    let search_box = text_input.clone();
    let substring_inputs = text_input.clone();

    view! {
        <div class="search-mode">
            <button
                type="button"
                class="search-toggle"
                aria-pressed=move || if advanced() { "true" } else { "false" }
                on:click=toggle_search
            >
                "Advanced Search"
            </button>
            <span class="search-hint">
                {move || if advanced() {
                    "Searches every field, forgives typos and ranks the best matches first."
                } else {
                    "Filter by exact parts of a name, email or phone, or switch to Advanced Search."
                }}
            </span>
        </div>
        <form class="lead-filters" role="search" aria-label="Filter leads" on:submit=|event| event.prevent_default()>
            {source_select}
            <Show when=advanced>
                <div class="search-box">
                    {search_box("Search", "q", |filter| filter.query.clone(), |filter, value| filter.query = value)}
                </div>
            </Show>
            <Show when=move || !advanced()>
                {substring_inputs("Name", "name", |filter| filter.name.clone(), |filter, value| filter.name = value)}
                {substring_inputs("Email", "email", |filter| filter.email.clone(), |filter, value| filter.email = value)}
                {substring_inputs("Phone", "phone", |filter| filter.phone.clone(), |filter, value| filter.phone = value)}
            </Show>
            <fieldset class="status-filter">
                <legend>"Status"</legend>
                {status_boxes}
            </fieldset>
            <fieldset class="date-filter">
                <legend>"Created"</legend>
                {date_input("From", true)}
                {date_input("To", false)}
                <span class="filter-zone">{date_zone}</span>
            </fieldset>
        </form>
    }
}
