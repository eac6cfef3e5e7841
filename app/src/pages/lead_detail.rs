use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use super::not_found::{set_response_status, NotFoundMessage};
use crate::api::{get_lead, get_lead_neighbours};
use crate::components::{copy_to_clipboard, query_value, use_query_pairs, SeenStatus, StatusBadge, StatusControl};
use crate::filter::TableLink;
use crate::format::{encode_query_component, query_string};
use crate::model::{ActorKind, AttemptOutcome, DistributionAttempt, HistoryEntry, HistoryKind, LeadDetail, Neighbours};
use crate::time::{format_in_zone, use_viewer_time_zone};
use crate::user_agent::describe;

/// Tabs of the lead detail view, each with its own URL (`?tab=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailTab {
    Fields,
    Distribution,
    History,
}

impl DetailTab {
    const ALL: [DetailTab; 3] = [DetailTab::Fields, DetailTab::Distribution, DetailTab::History];

    fn as_str(self) -> &'static str {
        match self {
            DetailTab::Fields => "fields",
            DetailTab::Distribution => "distribution",
            DetailTab::History => "history",
        }
    }

    fn label(self) -> &'static str {
        match self {
            DetailTab::Fields => "Fields",
            DetailTab::Distribution => "Distribution",
            DetailTab::History => "Status History",
        }
    }

    fn parse(value: Option<&str>) -> DetailTab {
        DetailTab::ALL.into_iter().find(|tab| Some(tab.as_str()) == value).unwrap_or(DetailTab::Fields)
    }
}

/// Builds the address of a lead's detail view that remembers the table it was
/// opened from, so Back, Escape and previous/next work within that table.
pub fn detail_href(lead_id: i64, back: Option<&str>) -> String {
    match back {
        Some(back) => format!("/leads/{lead_id}?back={}", encode_query_component(back)),
        None => format!("/leads/{lead_id}"),
    }
}

/// `/leads/{id}`: everything about one lead, its distribution attempts and its
/// status history, with previous/next within the table it was opened from.
#[component]
pub fn LeadDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_pairs();
    let lead_id = Memo::new(move |_| params.read().get("id").and_then(|id| id.trim().parse::<i64>().ok()));
    let tab = Memo::new(move |_| DetailTab::parse(query.with(|pairs| query_value(pairs, "tab")).as_deref()));
    let newest_first = Memo::new(move |_| query.with(|pairs| query_value(pairs, "order")).as_deref() == Some("newest"));
    // Only table addresses of this app are followed, never another site.
    let back = Memo::new(move |_| query.with(|pairs| query_value(pairs, "back")).filter(|back| TableLink::parse(back).is_some()));

    let detail = Resource::new(move || lead_id.get(), |id| async move {
        match id {
            Some(id) => get_lead(id).await,
            None => Ok(None),
        }
    });
    let neighbours = Resource::new(move || (lead_id.get(), back.get()), |(id, back)| async move {
        match (id, back) {
            (Some(id), Some(back)) => get_lead_neighbours(id, back).await.ok(),
            _ => None,
        }
    });

    // Address of the same view with some parameters changed.
    let href_with = move |changes: &[(&str, Option<String>)]| {
        let mut pairs: Vec<(String, Option<String>)> =
            query.with_untracked(|query| query.iter().map(|(name, value)| (name.clone(), Some(value.clone()))).collect());
        for (name, value) in changes {
            pairs.retain(|(existing, _)| existing != name);
            pairs.push((name.to_string(), value.clone()));
        }
        let query = query_string(pairs.iter().map(|(name, value)| (name.as_str(), value.clone())));
        let id = lead_id.get_untracked().unwrap_or_default();
        if query.is_empty() { format!("/leads/{id}") } else { format!("/leads/{id}?{query}") }
    };
    let neighbour_href = move |id: i64| {
        let pairs: Vec<(String, String)> = query.get_untracked();
        let query = query_string(pairs.iter().map(|(name, value)| (name.as_str(), Some(value.clone()))));
        if query.is_empty() { format!("/leads/{id}") } else { format!("/leads/{id}?{query}") }
    };

    // The loaded neighbours and the lead they belong to, for the keyboard
    // shortcuts, which run outside the page's Suspense. Right after a move
    // they still describe the previous lead and must not be used.
    let known_neighbours = RwSignal::new((0_i64, Neighbours::default()));

    let navigate = use_navigate();
    let go_back = {
        let navigate = navigate.clone();
        move || {
            let target = back.get_untracked().unwrap_or_else(|| "/sources".to_string());
            // The table puts back its own scroll position.
            navigate(&target, NavigateOptions { scroll: false, ..Default::default() });
        }
    };

    // j/k and the arrow keys move between leads, Escape returns to the table.
    // None of them fire while the operator types or a dialog is open.
    #[cfg(feature = "hydrate")]
    {
        let navigate = navigate.clone();
        let go_back = go_back.clone();
        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            if event.default_prevented() || event.ctrl_key() || event.meta_key() || event.alt_key() {
                return;
            }
            if typing_or_in_dialog(&event) {
                return;
            }
            let (known_for, known) = known_neighbours.get_untracked();
            let current = lead_id.get_untracked() == Some(known_for);
            let target = match event.key().as_str() {
                "j" | "ArrowRight" => known.next.filter(|_| current),
                "k" | "ArrowLeft" => known.previous.filter(|_| current),
                "Escape" => {
                    go_back();
                    return;
                }
                _ => return,
            };
            if let Some(id) = target {
                event.prevent_default();
                navigate(&neighbour_href(id), NavigateOptions { replace: true, ..Default::default() });
            }
        });
        on_cleanup(move || handle.remove());
    }

    let on_back = Callback::new(move |_| go_back());

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading lead…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    Ok(None) => {
                        set_response_status(404);
                        let message = match params.read_untracked().get("id") {
                            Some(id) => format!("There is no lead with id {id}."),
                            None => "There is no such lead.".to_string(),
                        };
                        view! { <NotFoundMessage message/> }.into_any()
                    }
                    Ok(Some(found)) => {
                        view! {
                            <LeadDetailView
                                found
                                tab
                                newest_first
                                back
                                href_with
                                on_back
                                reload=Callback::new(move |_| detail.refetch())
                            />
                            <nav class="lead-neighbours" aria-label="Previous and next lead">
                                <Suspense fallback=|| ()>
                                    {move || Suspend::new(async move {
                                        let found = neighbours.await;
                                        if let Some(id) = lead_id.get_untracked() {
                                            known_neighbours.set((id, found.unwrap_or_default()));
                                        }
                                        let link = |label: &'static str, key: &'static str, id: Option<i64>| match id {
                                            Some(id) => view! {
                                                <a class="page-link" href=neighbour_href(id) aria-keyshortcuts=key>{label}</a>
                                            }.into_any(),
                                            None => view! { <span class="page-link disabled" aria-disabled="true">{label}</span> }.into_any(),
                                        };
                                        found.map(|found| view! {
                                            {link("Previous lead", "k", found.previous)}
                                            {link("Next lead", "j", found.next)}
                                            <span class="hint">"Keys: k previous, j next, Esc back to the table"</span>
                                        })
                                    })}
                                </Suspense>
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Returns whether a key press belongs to a text field or an open dialog.
#[cfg(feature = "hydrate")]
fn typing_or_in_dialog(event: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    let dialog_open = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.query_selector("[role=dialog]").ok().flatten())
        .is_some();
    if dialog_open {
        return true;
    }
    let Some(element) = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let tag = element.tag_name().to_ascii_lowercase();
    matches!(tag.as_str(), "input" | "textarea" | "select")
        || element.closest("[contenteditable], [role=dialog]").ok().flatten().is_some()
}

#[component]
fn LeadDetailView(
    found: LeadDetail,
    tab: Memo<DetailTab>,
    newest_first: Memo<bool>,
    back: Memo<Option<String>>,
    href_with: impl Fn(&[(&str, Option<String>)]) -> String + Copy + Send + Sync + 'static,
    on_back: Callback<()>,
    reload: Callback<()>,
) -> impl IntoView {
    let zone = use_viewer_time_zone();
    let LeadDetail { lead, history, attempts } = found;
    let name = lead.full_name();
    let title = if name.is_empty() { format!("Lead {}", lead.id) } else { name.clone() };
    let seen = RwSignal::new(SeenStatus { status: lead.status, version: lead.version });
    let created_at = lead.created_at;
    let client = lead.user_agent.as_deref().map(describe).and_then(|client| client.summary());
    let back_label = if back.get_untracked().is_some() { "Back to the table" } else { "All sources" };

    let tab_link = move |target: DetailTab| {
        let value = (target != DetailTab::Fields).then(|| target.as_str().to_string());
        view! {
            <a
                role="tab"
                class="tab"
                aria-selected=move || (tab.get() == target).to_string()
                href=move || href_with(&[("tab", value.clone())])
            >
                {target.label()}
            </a>
        }
    };

    view! {
        <Title text=title.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=move || back.get().unwrap_or_else(|| "/sources".to_string()) on:click=move |event| {
                // A modified click opens the table in a new tab as usual.
                if event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0 {
                    return;
                }
                event.prevent_default();
                on_back.run(());
            }>{back_label}</a>
            " / "<span>{title.clone()}</span>
        </nav>
        <header class="lead-header">
            <h1>{title.clone()}</h1>
            {move || view! { <StatusBadge status=seen.get().status/> }}
            <StatusControl lead_id=lead.id lead_name=title.clone() seen on_saved=reload/>
        </header>
        <dl class="lead-meta">
            <dt>"Source"</dt>
            <dd><a href=format!("/sources/{}/leads", lead.source_id)>{lead.source_name.clone()}</a></dd>
            <dt>"Submitted"</dt>
            <dd class="timestamp">{move || format!("{} ({})", format_in_zone(created_at, &zone.get()), zone.get())}</dd>
            <dt>"IP address"</dt>
            <dd class="ip">{lead.ip.clone().unwrap_or_else(|| "not recorded".to_string())}</dd>
            <dt>"User agent"</dt>
            <dd class="user-agent">
                {client.map(|client| view! { <strong class="client">{client}</strong><br/> })}
                <span class="raw">{lead.user_agent.clone().unwrap_or_else(|| "not recorded".to_string())}</span>
            </dd>
        </dl>
        <div class="tabs" role="tablist">
            {DetailTab::ALL.into_iter().map(tab_link).collect_view()}
        </div>
        <section class="tab-panel" role="tabpanel">
            {move || match tab.get() {
                DetailTab::Fields => view! { <FieldsTab lead=lead.clone() seen/> }.into_any(),
                DetailTab::Distribution => view! { <DistributionTab attempts=attempts.clone()/> }.into_any(),
                DetailTab::History => view! { <HistoryTab history=history.clone() newest_first href_with/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn FieldsTab(lead: crate::model::Lead, seen: RwSignal<SeenStatus>) -> impl IntoView {
    let standard = [
        ("First name", lead.first_name.clone()),
        ("Last name", lead.last_name.clone()),
        ("Email", lead.email.clone()),
        ("Phone", lead.phone.clone()),
    ];
    let custom: Vec<(String, serde_json::Value)> = match &lead.fields {
        serde_json::Value::Object(map) => map.iter().map(|(key, value)| (key.clone(), value.clone())).collect(),
        _ => Vec::new(),
    };
    view! {
        <dl class="field-list">
            {standard.into_iter().map(|(label, value)| view! {
                <dt>{label}</dt>
                <dd>{value.unwrap_or_else(|| "—".to_string())}</dd>
            }).collect_view()}
            <dt>"Status"</dt>
            <dd class="status-value">{move || seen.get().status.label()}</dd>
        </dl>
        <h2>"Custom fields"</h2>
        {if custom.is_empty() {
            view! { <p class="empty-state">"This lead has no custom fields."</p> }.into_any()
        } else {
            view! {
                <dl class="field-list custom-fields">
                    {custom.into_iter().map(|(key, value)| view! {
                        <dt>{key}</dt>
                        <dd><FieldValue value/></dd>
                    }).collect_view()}
                </dl>
            }.into_any()
        }}
    }
}

/// Renders a custom field value readably: web addresses as links, JSON objects
/// and arrays pretty-printed, everything else as wrapped text.
#[component]
fn FieldValue(value: serde_json::Value) -> impl IntoView {
    match value {
        serde_json::Value::String(text) => {
            let parsed_json = (text.starts_with('{') || text.starts_with('['))
                .then(|| serde_json::from_str::<serde_json::Value>(&text).ok())
                .flatten();
            if let Some(json) = parsed_json {
                return view! { <pre class="json">{pretty(&json)}</pre> }.into_any();
            }
            if is_web_address(&text) {
                let href = text.clone();
                return view! { <a href=href rel="noopener noreferrer nofollow" target="_blank">{text}</a> }.into_any();
            }
            view! { <span class="wrap">{text}</span> }.into_any()
        }
        serde_json::Value::Null => view! { <span class="muted">"empty"</span> }.into_any(),
        serde_json::Value::Object(_) | serde_json::Value::Array(_) => view! { <pre class="json">{pretty(&value)}</pre> }.into_any(),
        other => view! { <span class="wrap">{other.to_string()}</span> }.into_any(),
    }
}

/// Returns whether text is a single http(s) address, safe to render as a link.
pub fn is_web_address(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && text.len() > "https://".len()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

#[component]
fn DistributionTab(attempts: Vec<DistributionAttempt>) -> impl IntoView {
    let zone = use_viewer_time_zone();
    if attempts.is_empty() {
        return view! { <p class="empty-state">"This lead was never posted to a buyer."</p> }.into_any();
    }
    view! {
        <ol class="attempts">
            {attempts.into_iter().map(|attempt| {
                let payload = pretty(&attempt.request_payload);
                let response_body = attempt.response_body.clone().map(|body| {
                    serde_json::from_str::<serde_json::Value>(&body).map(|json| pretty(&json)).unwrap_or(body)
                });
                let at = attempt.attempted_at;
                let status = attempt.response_status.map(|code| format!("HTTP {code}")).unwrap_or_else(|| "no response".to_string());
                view! {
                    <li class="attempt">
                        <div class="attempt-head">
                            <OutcomeBadge outcome=attempt.outcome/>
                            <strong class="buyer">{attempt.buyer.clone()}</strong>
                            <span class="endpoint">{attempt.endpoint_url.clone()}</span>
                            <span class="timestamp">{move || format_in_zone(at, &zone.get())}</span>
                            <span class="duration">{format!("{} ms", attempt.duration_ms)}</span>
                            <span class="response-status">{status}</span>
                        </div>
                        <CopyableBlock label="Request payload" text=payload/>
                        <CopyableBlock label="Response body" text=response_body.unwrap_or_else(|| "(empty)".to_string())/>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn OutcomeBadge(outcome: AttemptOutcome) -> impl IntoView {
    view! { <span class=format!("badge outcome-{}", outcome.as_str())>{outcome.label()}</span> }
}

/// Renders a collapsible block of preformatted text with a copy button.
#[component]
fn CopyableBlock(label: &'static str, text: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let to_copy = text.clone();
    view! {
        <details class="copyable">
            <summary>{label}</summary>
            <button type="button" class="link-button" on:click=move |_| {
                if copy_to_clipboard(&to_copy) {
                    copied.set(true);
                }
            }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            <pre>{text}</pre>
        </details>
    }
}

#[component]
fn HistoryTab(
    history: Vec<HistoryEntry>,
    newest_first: Memo<bool>,
    href_with: impl Fn(&[(&str, Option<String>)]) -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let zone = use_viewer_time_zone();
    let toggle_href = move || {
        let order = (!newest_first.get()).then(|| "newest".to_string());
        href_with(&[("order", order)])
    };
    let entries = move || {
        let mut entries = history.clone();
        if newest_first.get() {
            entries.reverse();
        }
        entries
    };
    view! {
        <p class="history-order">
            {move || if newest_first.get() { "Newest first. " } else { "Oldest first. " }}
            <a href=toggle_href>{move || if newest_first.get() { "Show oldest first" } else { "Show newest first" }}</a>
        </p>
        <table class="data-table history-table">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Change"</th>
                    <th scope="col">"From"</th>
                    <th scope="col">"To"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"Reason"</th>
                </tr>
            </thead>
            <tbody>
                {move || entries().into_iter().map(|entry| {
                    let at = entry.at;
                    let who = match entry.actor_kind {
                        ActorKind::User => entry.actor_name.clone(),
                        ActorKind::System => format!("{} (system)", entry.actor_name),
                        ActorKind::Api => format!("{} (API key)", entry.actor_name),
                    };
                    let kind = match entry.kind {
                        HistoryKind::Created => "Created",
                        HistoryKind::StatusChanged => "Status changed",
                        HistoryKind::Moved => "Moved to another source",
                    };
                    view! {
                        <tr class=format!("history-{}", entry.kind.as_str())>
                            <td class="timestamp">{move || format_in_zone(at, &zone.get())}</td>
                            <td>{kind}</td>
                            <td>{entry.from_label()}</td>
                            <td>{entry.to_label()}</td>
                            <td>{who}</td>
                            <td class="wrap">{entry.reason.clone().unwrap_or_default()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_parse_with_fields_as_fallback() {
        assert_eq!(DetailTab::parse(Some("distribution")), DetailTab::Distribution);
        assert_eq!(DetailTab::parse(Some("history")), DetailTab::History);
        assert_eq!(DetailTab::parse(Some("nonsense")), DetailTab::Fields);
        assert_eq!(DetailTab::parse(None), DetailTab::Fields);
    }

    #[test]
    fn only_plain_web_addresses_become_links() {
        assert!(is_web_address("https://example.com/landing?utm=1"));
        assert!(is_web_address("HTTP://EXAMPLE.COM"));
        assert!(!is_web_address("javascript:alert(1)"));
        assert!(!is_web_address("https://"));
        assert!(!is_web_address("https://example.com/a b"));
        assert!(!is_web_address("see https://example.com"));
    }

    #[test]
    fn detail_href_carries_the_table_address() {
        assert_eq!(detail_href(7, None), "/leads/7");
        assert_eq!(
            detail_href(7, Some("/sources/3/leads?status=sold&name=Zo%C3%AB")),
            "/leads/7?back=%2Fsources%2F3%2Fleads%3Fstatus%3Dsold%26name%3DZo%25C3%25AB"
        );
    }
}
