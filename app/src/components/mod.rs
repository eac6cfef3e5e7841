//! Building blocks shared by the pages.

mod lead_filters;
mod pager;
mod status_badge;

pub use lead_filters::{use_show_view, LeadFilters};
pub use pager::Pager;
pub use status_badge::StatusBadge;

use leptos::prelude::*;

/// Renders messages about input that the page ignored or could not use.
#[component]
pub fn Notices(notices: Vec<String>) -> impl IntoView {
    (!notices.is_empty()).then(|| {
        view! {
            <div class="notice" role="status">
                <ul>{notices.into_iter().map(|notice| view! { <li>{notice}</li> }).collect_view()}</ul>
            </div>
        }
    })
}
