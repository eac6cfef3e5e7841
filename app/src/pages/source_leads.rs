use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};

use super::not_found::{set_response_status, NotFoundMessage};
use crate::api::{count_source_leads, get_source, get_source_leads};
use super::detail_href;
use crate::components::{copy_to_clipboard, use_query_pairs, CountResource, LeadFilters, Notices, PageShown, Pager, SeenStatus, StatusBadge, StatusControl};
use crate::filter::{LeadFilter, LeadSort, LeadView, ParamError, SortColumn};
use crate::format::thousands;
use crate::model::{last_page, LeadList, LeadSummary, MatchedField, PageRequest, SearchHit, MAX_SEARCH_RESULTS};
use crate::time::{format_in_zone, use_viewer_time_zone};

/// `/sources/{id}/leads`: one source's leads, filtered, sorted and paged as the
/// URL specifies.
#[component]
pub fn SourceLeadsPage() -> impl IntoView {
    let params = use_params_map();

    let source_id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()));
    let (parsed, view) = use_lead_view();

    // The source and its leads load separately, so a filter change reloads
    // only the table and the filter bar keeps its focus and typed text.
    let source = Resource::new(move || source_id.get(), |source_id| async move {
        match source_id {
            Some(id) => get_source(id).await,
            None => Ok(None),
        }
    });
    let leads = Resource::new(
        move || (source_id.get(), view.get().to_query_string()),
        |(source_id, query)| async move {
            match source_id {
                Some(id) => get_source_leads(id, query).await,
                None => Ok(None),
            }
        },
    );
    let count = Resource::new(
        move || (source_id.get(), count_key(view)),
        |(source_id, query)| async move {
            match source_id {
                Some(id) => count_source_leads(id, query).await,
                None => Ok(None),
            }
        },
    );

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading leads…"</p> }>
            {move || Suspend::new(async move {
                match source.await {
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    Ok(None) => {
                        set_response_status(404);
                        let message = match params.read_untracked().get("id") {
                            Some(id) => format!("There is no source with id {id}."),
                            None => "There is no such source.".to_string(),
                        };
                        view! { <NotFoundMessage message/> }.into_any()
                    }
                    Ok(Some(source)) => view! {
                        <Title text=source.name.clone()/>
                        <nav class="breadcrumbs" aria-label="Breadcrumb">
                            <a href="/sources">"Sources"</a>" / "<span>{source.name.clone()}</span>
                        </nav>
                        <h1>{source.name.clone()}</h1>
                        <LeadFilters view/>
                        <LeadResults leads count view parsed source_name=source.name.clone()/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Reads the lead view from the URL: the parsed view with the parameters it
/// could not use, and the view alone.
pub fn use_lead_view() -> (Memo<(LeadView, Vec<ParamError>)>, Memo<LeadView>) {
    let query = use_query_pairs();
    let parsed = Memo::new(move |_| {
        query.with(|pairs| LeadView::from_pairs(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str()))))
    });
    let view = Memo::new(move |_| parsed.get().0);
    (parsed, view)
}

pub type LeadsResource = Resource<Result<Option<LeadList>, ServerFnError>>;

/// Returns the part of a view its total depends on, as a query string: paging and
/// sorting leave the count alone, so they never count again.
pub fn count_key(view: Memo<LeadView>) -> String {
    LeadView { filter: view.read().filter.clone(), ..LeadView::default() }.to_query_string()
}

/// Renders the notices, match count and table of a lead view, reloaded on every
/// filter, sort or page change while the old rows stay visible. With a
/// `source_name`, an empty table suggests how to import into that source.
#[component]
pub fn LeadResults(
    leads: LeadsResource,
    count: CountResource,
    view: Memo<LeadView>,
    parsed: Memo<(LeadView, Vec<ParamError>)>,
    #[prop(optional)] source_name: Option<String>,
) -> impl IntoView {
    let loading = RwSignal::new(false);
    // The indicator only makes sense in the browser: on the server a pending
    // flag can still be set while the finished table renders.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    // Notices follow the URL directly: the table reloads only when the valid
    // part of the view changes, but an ignored value still deserves a word.
    let notices = move || parsed.read().1.iter().map(ToString::to_string).collect::<Vec<_>>();

    view! {
        {move || view! { <Notices notices=notices()/> }}
        <Transition fallback=|| view! { <p class="loading">"Loading leads…"</p> } set_pending=loading.write_only()>
            {move || {
            let source_name = source_name.clone();
            Suspend::new(async move {
                let found = match leads.await {
                    Err(error) => return view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    // The source vanished between the two requests.
                    Ok(None) => return view! { <p class="error" role="alert">"This source no longer exists."</p> }.into_any(),
                    Ok(Some(found)) => found,
                };
                let rows = found.rows;
                let filtered = !view.get_untracked().filter.is_empty();
                let searching = view.get_untracked().is_search();
                let range_error = view.get_untracked().filter.validate().is_err();
                let body = if let Some(message) = found.filter_error.clone().filter(|_| found.retry) {
                    view! {
                        <div class="error" role="alert">
                            <p>{message}</p>
                            <button type="button" on:click=move |_| { leads.refetch(); count.refetch(); }>"Try again"</button>
                        </div>
                    }.into_any()
                } else if let Some(message) = found.filter_error {
                    // An inverted date range is already among the notices.
                    (!range_error).then(|| view! { <p class="error" role="alert">{message}</p> }).into_any()
                } else if rows.items.is_empty() && rows.page == 1 && searching {
                    let text = view.get_untracked().filter.query.unwrap_or_default();
                    view! {
                        <div class="empty-state">
                            <p>{format!("No leads match the search \u{201c}{}\u{201d}.", text.trim())}</p>
                            <p>"Check the spelling, use fewer words, or remove a filter."</p>
                            <p><ClearFilters view/></p>
                        </div>
                    }.into_any()
                } else if rows.items.is_empty() && rows.page == 1 && filtered {
                    view! {
                        <div class="empty-state">
                            <p>"No leads match these filters."</p>
                            <p><ClearFilters view/></p>
                        </div>
                    }.into_any()
                } else if rows.items.is_empty() && rows.page == 1 {
                    let command = source_name.as_deref().map(|name| format!("scripts/leadbase import --source {} leads.csv", shell_quote(name)));
                    let command = command.unwrap_or_else(|| "scripts/leadbase import --source NAME leads.csv".to_string());
                    let what = if source_name.is_some() { "This source has no leads yet." } else { "There are no leads yet." };
                    view! {
                        <div class="empty-state">
                            <p>{what}</p>
                            <p>"Import a CSV file: " <code>{command}</code></p>
                        </div>
                    }.into_any()
                } else if rows.items.is_empty() {
                    let page_number = rows.page;
                    let size = rows.size;
                    view! {
                        <div class="empty-state">
                            <p>{format!("Page {page_number} is past the last page.")}</p>
                            <Suspense fallback=|| ()>
                                {move || Suspend::new(async move {
                                    let mut last = view.get_untracked();
                                    last.page.page = count.await.ok().flatten().map(|total| last_page(total, size)).unwrap_or(1);
                                    last.cursor = None;
                                    view! { <p><a href=format!("?{}", last.to_query_string())>"Go to the last page"</a></p> }
                                })}
                            </Suspense>
                        </div>
                    }.into_any()
                } else {
                    // Search pages go by number: relevance has no cursor.
                    let searching = view.get_untracked().is_search();
                    let shown = PageShown {
                        page: rows.page,
                        size: rows.size,
                        shown: rows.items.len(),
                        has_next: rows.has_next,
                        first_id: rows.items.first().map(|lead| lead.id).filter(|_| !searching),
                        last_id: rows.items.last().map(|lead| lead.id).filter(|_| !searching),
                        max_rows: searching.then_some(MAX_SEARCH_RESULTS),
                    };
                    let hits = searching.then(|| found.hits.clone());
                    view! {
                        <div class="table-scroll"><LeadTable leads=rows.items.clone() hits view/></div>
                        <Pager shown count/>
                    }.into_any()
                };
                view! {
                    <div class="table-status" aria-live="polite">
                        {filtered.then(|| view! {
                            <span class="match-count">
                                <Suspense fallback=|| "Counting matches…">
                                    {move || Suspend::new(async move {
                                        match count.await {
                                            Ok(Some(total)) if searching => format!("{}, best matches first", matching_leads(total)),
                                            Ok(Some(total)) => matching_leads(total),
                                            Ok(None) => String::new(),
                                            Err(error) => format!("Counting failed: {error}"),
                                        }
                                    })}
                                </Suspense>
                            </span>
                            <ClearFilters view/>
                        })}
                        {move || (hydrated.get() && loading.get()).then(|| view! { <span class="loading-indicator">"Loading…"</span> })}
                    </div>
                    {body}
                }.into_any()
            })}}
        </Transition>
    }
}

/// Renders a link to the same table without filters, keeping sort and page size.
#[component]
fn ClearFilters(view: Memo<LeadView>) -> impl IntoView {
    let href = move || {
        let current = view.get();
        let cleared = LeadView {
            filter: LeadFilter::default(),
            sort: current.sort,
            page: PageRequest { page: 1, size: current.page.size },
            cursor: None,
            advanced: current.shows_search(),
        };
        format!("?{}", cleared.to_query_string())
    };
    view! { <a class="clear-filters" href=href>"Clear filters"</a> }
}

/// Renders a column header that sorts the table by its column. A second click
/// reverses the direction.
#[component]
fn SortHeader(label: &'static str, column: SortColumn, view: Memo<LeadView>) -> impl IntoView {
    let zone = use_viewer_time_zone();
    let current = move || view.read().sort;
    let href = move || {
        let mut next = view.get();
        next.sort = if next.sort.column == column {
            LeadSort { column, descending: !next.sort.descending }
        } else {
            // Dates start newest first; text starts at A.
            LeadSort { column, descending: column == SortColumn::CreatedAt }
        };
        next.page.page = 1;
        next.cursor = None;
        format!("?{}", next.to_query_string())
    };
    let aria_sort = move || {
        let sort = current();
        match (sort.column == column, sort.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    };
    let indicator = move || {
        let sort = current();
        (sort.column == column).then_some(if sort.descending { " ▼" } else { " ▲" })
    };
    let text = move || {
        if column == SortColumn::CreatedAt {
            format!("{label} ({})", zone.get())
        } else {
            label.to_string()
        }
    };
    if view.read_untracked().is_search() {
        // Search results keep their order of relevance.
        return view! { <th scope="col">{text}</th> }.into_any();
    }
    view! {
        <th scope="col" aria-sort=aria_sort>
            <a class="sort-link" href=href>{text}<span class="sort-indicator" aria-hidden="true">{indicator}</span></a>
        </th>
    }
    .into_any()
}

/// Renders the table of leads with the Source Leads columns. A row opens the
/// lead's detail view, which remembers this table's address.
#[component]
fn LeadTable(leads: Vec<LeadSummary>, hits: Option<Vec<SearchHit>>, view: Memo<LeadView>) -> impl IntoView {
    let location = use_location();
    let back = {
        let path = location.pathname.get_untracked();
        let query = location.search.get_untracked();
        if query.is_empty() { path } else { format!("{path}?{query}") }
    };
    // Coming back from a lead puts the table where the operator left it.
    #[cfg(feature = "hydrate")]
    {
        let back = back.clone();
        // After the router has finished its own scrolling for the navigation.
        Effect::new(move |_| {
            let back = back.clone();
            set_timeout(move || restore_scroll(&back), std::time::Duration::from_millis(30));
        });
    }
    let searching = hits.is_some();
    view! {
        <table class=if searching { "data-table leads-table searching" } else { "data-table leads-table" }>
            <thead>
                <tr>
                    <SortHeader label="Name" column=SortColumn::Name view/>
                    // Beside the name, so it stays on screen on a phone.
                    {searching.then(|| view! { <th scope="col">"Matched"</th> })}
                    <SortHeader label="Email" column=SortColumn::Email view/>
                    <SortHeader label="Phone" column=SortColumn::Phone view/>
                    <SortHeader label="Status" column=SortColumn::Status view/>
                    <SortHeader label="Source" column=SortColumn::Source view/>
                    <SortHeader label="Created At" column=SortColumn::CreatedAt view/>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {leads
                    .into_iter()
                    .map(|lead| {
                        let matched = hits.as_ref().map(|hits| {
                            hits.iter().find(|hit| hit.lead_id == lead.id).map(|hit| hit.matched.clone()).unwrap_or_default()
                        });
                        view! { <LeadRow lead matched back=back.clone()/> }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// Session storage key of a table's scroll position.
#[cfg(feature = "hydrate")]
fn scroll_key(table: &str) -> String {
    format!("leadbase:scroll:{table}")
}

#[cfg(feature = "hydrate")]
fn remember_scroll(table: &str) {
    let Some(window) = web_sys::window() else { return };
    let y = window.scroll_y().unwrap_or(0.0);
    if let Ok(Some(storage)) = window.session_storage() {
        let _ = storage.set_item(&scroll_key(table), &y.to_string());
    }
}

#[cfg(feature = "hydrate")]
fn restore_scroll(table: &str) {
    let Some(window) = web_sys::window() else { return };
    let Ok(Some(storage)) = window.session_storage() else { return };
    let key = scroll_key(table);
    if let Ok(Some(saved)) = storage.get_item(&key) {
        let _ = storage.remove_item(&key);
        if let Ok(y) = saved.parse::<f64>() {
            window.scroll_to_with_x_and_y(0.0, y);
        }
    }
}

#[component]
fn LeadRow(lead: LeadSummary, matched: Option<Vec<MatchedField>>, back: String) -> impl IntoView {
    let zone = use_viewer_time_zone();
    let created_at = lead.created_at;
    let name = lead.full_name();
    let email = lead.email.clone().unwrap_or_default();
    let copied = RwSignal::new(false);
    let seen = RwSignal::new(SeenStatus { status: lead.status, version: lead.version });
    let href = detail_href(lead.id, Some(&back));
    let dialog_name = if name.is_empty() { format!("lead {}", lead.id) } else { name.clone() };

    let copy_email = {
        let email = email.clone();
        move |_| {
            if copy_to_clipboard(&email) {
                copied.set(true);
            }
        }
    };

    let navigate = use_navigate();
    let open = {
        let href = href.clone();
        let back = back.clone();
        move |event: leptos::ev::MouseEvent| {
            // Controls inside the row keep their own meaning, and a selection
            // of text is not a click on the row.
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                let on_control = event
                    .target()
                    .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
                    .and_then(|element| element.closest("a, button, select, input, label, textarea, .dialog-backdrop").ok().flatten())
                    .is_some();
                let selecting = web_sys::window()
                    .and_then(|window| window.get_selection().ok().flatten())
                    .is_some_and(|selection| !selection.is_collapsed());
                let modified = event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0;
                if on_control || selecting || modified {
                    return;
                }
                remember_scroll(&back);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&event, &back);
            navigate(&href, Default::default());
        }
    };
    #[cfg(feature = "hydrate")]
    let on_view = {
        let back = back.clone();
        move |_| remember_scroll(&back)
    };
    #[cfg(not(feature = "hydrate"))]
    let on_view = |_| {};

    view! {
        <tr data-lead-id=lead.id class="clickable" on:click=open>
            <td>{name}</td>
            {matched.map(|matched| view! { <td class="matched"><MatchedValues matched/></td> })}
            <td class="email">{email.clone()}</td>
            <td class="phone">{lead.phone.clone().unwrap_or_default()}</td>
            <td>{move || view! { <StatusBadge status=seen.get().status/> }}</td>
            <td>{lead.source_name.clone()}</td>
            <td class="timestamp">{move || format_in_zone(created_at, &zone.get())}</td>
            <td class="actions">
                <a href=href.clone() on:click=on_view>"View"</a>
                <StatusControl lead_id=lead.id lead_name=dialog_name seen compact=true/>
                {(!email.is_empty()).then(|| view! {
                    <button type="button" class="link-button" on:click=copy_email.clone()>
                        {move || if copied.get() { "Copied" } else { "Copy email" }}
                    </button>
                })}
            </td>
        </tr>
    }
}

/// Renders why a search result matched: each matching value with its label
/// and the matching stretches marked.
#[component]
fn MatchedValues(matched: Vec<MatchedField>) -> impl IntoView {
    matched
        .into_iter()
        .take(3)
        .map(|field| {
            let stretches: Vec<(String, bool)> =
                field.stretches().into_iter().map(|(text, marked)| (text.to_string(), marked)).collect();
            view! {
                <div class="matched-field">
                    <span class="matched-label">{field.field.clone()}": "</span>
                    {stretches
                        .into_iter()
                        .map(|(text, marked)| if marked { view! { <mark>{text}</mark> }.into_any() } else { text.into_any() })
                        .collect_view()}
                </div>
            }
        })
        .collect_view()
}

/// Names a match count: "1 matching lead", "2 matching leads".
fn matching_leads(total: u64) -> String {
    let noun = if total == 1 { "lead" } else { "leads" };
    format!("{} matching {noun}", thousands(total))
}

/// Quotes a value for a POSIX shell, so a suggested command is safe to paste
/// whatever the source name contains.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn match_count_agrees_in_number() {
        assert_eq!(super::matching_leads(1), "1 matching lead");
        assert_eq!(super::matching_leads(0), "0 matching leads");
        assert_eq!(super::matching_leads(12_345), "12,345 matching leads");
    }

    #[test]
    fn shell_quote_neutralizes_expansion() {
        assert_eq!(shell_quote("Facebook Q3"), "'Facebook Q3'");
        assert_eq!(shell_quote("Promo $HOME `id`"), "'Promo $HOME `id`'");
        assert_eq!(shell_quote("O'Brien's"), "'O'\\''Brien'\\''s'");
    }
}
