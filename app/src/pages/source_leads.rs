use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::not_found::{set_response_status, NotFoundMessage};
use crate::api::get_source_leads;
use crate::components::{Notices, Pager, StatusBadge};
use crate::model::{LeadSummary, PageRequest};
use crate::time::{format_in_zone, use_viewer_time_zone};

/// `/sources/{id}/leads`: one source's leads, newest first, a page at a time.
#[component]
pub fn SourceLeadsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();

    let source_id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()));
    let paging = Memo::new(move |_| {
        let query = query.read();
        PageRequest::from_query(query.get("page").as_deref(), query.get("size").as_deref())
    });

    let data = Resource::new(
        move || (source_id.get(), paging.get().0),
        |(source_id, request)| async move {
            match source_id {
                Some(id) => get_source_leads(id, request.page, request.size).await,
                None => Ok(None),
            }
        },
    );
    let loading = RwSignal::new(false);
    // The indicator only makes sense in the browser: on the server a pending
    // flag can still be set while the finished table renders.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Transition
            fallback=|| view! { <p class="loading">"Loading leads…"</p> }
            set_pending=loading.write_only()
        >
            {move || Suspend::new(async move {
                let notices = paging.get_untracked().1;
                match data.await {
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    Ok(None) => {
                        set_response_status(404);
                        let message = match params.read_untracked().get("id") {
                            Some(id) => format!("There is no source with id {id}."),
                            None => "There is no such source.".to_string(),
                        };
                        view! { <NotFoundMessage message/> }.into_any()
                    }
                    Ok(Some(found)) => {
                        let source = found.source;
                        let page = found.leads;
                        let past_the_end = page.items.is_empty() && page.total > 0;
                        view! {
                            <Title text=source.name.clone()/>
                            <nav class="breadcrumbs" aria-label="Breadcrumb">
                                <a href="/sources">"Sources"</a>" / "<span>{source.name.clone()}</span>
                            </nav>
                            <h1>{source.name.clone()}</h1>
                            <Notices notices/>
                            <div class="table-status" aria-live="polite">
                                {move || (hydrated.get() && loading.get()).then(|| view! { <span class="loading-indicator">"Loading…"</span> })}
                            </div>
                            {if page.total == 0 {
                                view! {
                                    <div class="empty-state">
                                        <p>"This source has no leads yet."</p>
                                        <p>"Import a CSV file into it: "
                                            <code>{format!("scripts/leadbase import --source {} leads.csv", shell_quote(&source.name))}</code>
                                        </p>
                                    </div>
                                }.into_any()
                            } else if past_the_end {
                                view! {
                                    <div class="empty-state">
                                        <p>{format!("Page {} is past the last page.", page.page)}</p>
                                        <p><a href=format!("?page={}&size={}", page.last_page(), page.size)>"Go to the last page"</a></p>
                                    </div>
                                }.into_any()
                            } else {
                                let shown = page.items.len();
                                view! {
                                    <div class="table-scroll"><LeadTable leads=page.items.clone()/></div>
                                    <Pager total=page.total page=page.page size=page.size shown/>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Renders the table of leads with the Source Leads columns.
#[component]
fn LeadTable(leads: Vec<LeadSummary>) -> impl IntoView {
    let zone = use_viewer_time_zone();
    view! {
        <table class="data-table leads-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Phone"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Source"</th>
                    <th scope="col">{move || format!("Created At ({})", zone.get())}</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {leads.into_iter().map(|lead| view! { <LeadRow lead/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn LeadRow(lead: LeadSummary) -> impl IntoView {
    let zone = use_viewer_time_zone();
    let created_at = lead.created_at;
    let name = lead.full_name();
    let email = lead.email.clone().unwrap_or_default();
    let copied = RwSignal::new(false);

    let copy_email = {
        let email = email.clone();
        move |_| {
            if copy_to_clipboard(&email) {
                copied.set(true);
            }
        }
    };

    view! {
        <tr data-lead-id=lead.id>
            <td>{name}</td>
            <td class="email">{email.clone()}</td>
            <td class="phone">{lead.phone.clone().unwrap_or_default()}</td>
            <td><StatusBadge status=lead.status/></td>
            <td>{lead.source_name.clone()}</td>
            <td class="timestamp">{move || format_in_zone(created_at, &zone.get())}</td>
            <td class="actions">
                {(!email.is_empty()).then(|| view! {
                    <button type="button" class="link-button" on:click=copy_email.clone()>
                        {move || if copied.get() { "Copied" } else { "Copy email" }}
                    </button>
                })}
            </td>
        </tr>
    }
}

/// Quotes a value for a POSIX shell, so a suggested command is safe to paste
/// whatever the source name contains.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// Writes text to the system clipboard. Returns whether the browser accepted the
/// request; the copy itself finishes asynchronously.
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Some(window) = web_sys::window() else { return false };
        let clipboard = window.navigator().clipboard();
        let _promise = clipboard.write_text(text);
        true
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn shell_quote_neutralizes_expansion() {
        assert_eq!(shell_quote("Facebook Q3"), "'Facebook Q3'");
        assert_eq!(shell_quote("Promo $HOME `id`"), "'Promo $HOME `id`'");
        assert_eq!(shell_quote("O'Brien's"), "'O'\\''Brien'\\''s'");
    }
}
