use leptos::prelude::*;

use crate::api::change_lead_status;
use crate::model::{LeadStatus, StatusChangeOutcome};

/// A lead's status as the page last saw it. The version travels with every
/// change, so a change made from a stale page is refused instead of
/// overwriting a newer one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeenStatus {
    pub status: LeadStatus,
    pub version: i32,
}

/// Renders a status picker that requests confirmation before it changes anything. The
/// dialog names the lead, the old and the new status, and takes an optional
/// reason. `seen` follows the saved status; `on_saved` runs once a change is
/// stored, or once the dialog closes after a stale attempt, so the page can
/// reload what depends on it.
#[component]
pub fn StatusControl(
    lead_id: i64,
    /// How the dialog names the lead.
    lead_name: String,
    seen: RwSignal<SeenStatus>,
    #[prop(optional)] on_saved: Option<Callback<()>>,
    /// Renders a compact button for a table row instead of a labelled select.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let requested = RwSignal::new(None::<LeadStatus>);
    let reason = RwSignal::new(String::new());
    let reason_box = NodeRef::<leptos::html::Textarea>::new();
    let message = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    // After a stale attempt the page reloads only once the dialog closes, so
    // the message stays readable.
    let reload_on_close = RwSignal::new(false);
    let lead_name = StoredValue::new(lead_name);
    let reload = move || {
        if let Some(on_saved) = on_saved {
            on_saved.run(());
        }
    };

    let save = Action::new(move |(status, reason, version): &(LeadStatus, String, i32)| {
        let (status, reason, version) = (*status, reason.clone(), *version);
        async move {
            let reason = Some(reason.trim().to_string()).filter(|reason| !reason.is_empty());
            change_lead_status(lead_id, status, reason, version).await
        }
    });

    Effect::new(move |_| {
        let Some(result) = save.value().get() else { return };
        match result {
            Ok(StatusChangeOutcome::Changed { status, version }) => {
                seen.set(SeenStatus { status, version });
                open.set(false);
                requested.set(None);
                reason.set(String::new());
                message.set(None);
            }
            Ok(StatusChangeOutcome::Unchanged { status, version }) => {
                seen.set(SeenStatus { status, version });
                open.set(false);
                requested.set(None);
                message.set(None);
            }
            Ok(StatusChangeOutcome::Stale { status, version }) => {
                seen.set(SeenStatus { status, version });
                reload_on_close.set(true);
                message.set(Some(format!(
                    "This lead changed since you opened it: its status is now {}. Nothing was changed; \
                     choose again if it should still change.",
                    status.label()
                )));
            }
            Err(error) => message.set(Some(error.to_string())),
        }
        if !open.get_untracked() {
            reload();
        }
    });

    let choose = move |status: LeadStatus| {
        requested.set(Some(status));
        message.set(None);
        open.set(true);
    };
    // Focus moves into the dialog, so Escape and typing reach it and not the
    // page behind.
    Effect::new(move |_| {
        if open.get() {
            if let Some(textarea) = reason_box.get() {
                let _ = textarea.focus();
            }
        }
    });
    let cancel = move || {
        open.set(false);
        requested.set(None);
        message.set(None);
        if reload_on_close.get_untracked() {
            reload_on_close.set(false);
            reload();
        }
    };
    let confirm = move || {
        if let Some(status) = requested.get_untracked() {
            save.dispatch((status, reason.get_untracked(), seen.get_untracked().version));
        }
    };

    // Named explicitly: a label around a select would add the chosen
    // option's text to the name.
    let select_name = move || {
        if compact {
            format!("Change status of {}", lead_name.get_value())
        } else {
            "Status".to_string()
        }
    };
    let select = view! {
        <select
            class=if compact { "status-quick" } else { "status-select" }
            aria-label=select_name
            // Tracking the choice resets the select to the saved status while
            // the dialog is open and after Cancel.
            prop:value=move || {
                requested.track();
                seen.get().status.as_str()
            }
            on:change=move |event| {
                if let Ok(status) = event_target_value(&event).parse::<LeadStatus>() {
                    if status != seen.get_untracked().status {
                        choose(status);
                    }
                }
            }
        >
            {LeadStatus::ALL.into_iter().map(|status| view! {
                <option value=status.as_str() selected=move || seen.get().status == status>{status.label()}</option>
            }).collect_view()}
        </select>
    };
    let picker = if compact {
        select.into_any()
    } else {
        view! { <label class="status-control">"Status " {select}</label> }.into_any()
    };

    view! {
        {picker}
        <Show when=move || open.get()>
            <div class="dialog-backdrop">
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby=format!("status-dialog-title-{lead_id}")
                    on:keydown=move |event| {
                        if event.key() == "Escape" {
                            event.stop_propagation();
                            event.prevent_default();
                            if !save.pending().get_untracked() {
                                cancel();
                            }
                        }
                    }
                >
                    <h2 id=format!("status-dialog-title-{lead_id}")>"Change status"</h2>
                    <p class="dialog-question">
                        {move || {
                            let from = seen.get().status.label();
                            let to = requested.get().map(LeadStatus::label).unwrap_or_default();
                            format!("Change {} from {from} to {to}?", lead_name.get_value())
                        }}
                    </p>
                    <label class="dialog-reason">
                        "Reason (optional)"
                        // No maxlength: it would cut a pasted reason silently,
                        // and count UTF-16 units where the server counts
                        // characters. The server names the limit instead.
                        <textarea
                            node_ref=reason_box
                            rows="3"
                            prop:value=move || reason.get()
                            on:input=move |event| reason.set(event_target_value(&event))
                        ></textarea>
                    </label>
                    {move || message.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
                    <div class="dialog-actions">
                        // While saving, the outcome is on its way: closing now
                        // would hide it.
                        <button type="button" class="button" disabled=move || save.pending().get() on:click=move |_| cancel()>
                            "Cancel"
                        </button>
                        <button
                            type="button"
                            class="button primary"
                            disabled=move || save.pending().get() || requested.get() == Some(seen.get().status)
                            on:click=move |_| confirm()
                        >
                            {move || if save.pending().get() { "Saving…" } else { "Confirm" }}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
