use leptos::prelude::*;

use crate::model::LeadStatus;

/// Renders a lead's status as a coloured badge.
#[component]
pub fn StatusBadge(status: LeadStatus) -> impl IntoView {
    view! { <span class=format!("badge badge-{}", status.as_str())>{status.label()}</span> }
}
