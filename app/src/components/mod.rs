//! Building blocks shared by the pages.

mod lead_filters;
mod pager;
mod status_badge;
mod status_dialog;

pub use lead_filters::{use_show_view, LeadFilters};
pub use pager::{CountResource, PageShown, Pager};
pub use status_badge::StatusBadge;
pub use status_dialog::{SeenStatus, StatusControl};

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::format::parse_query_pairs;

/// Returns the current URL's query parameters, in order, decoded once. The
/// router's own query map decodes each value a second time, which would turn
/// a searched `%20` into a space.
pub fn use_query_pairs() -> Memo<Vec<(String, String)>> {
    let location = use_location();
    Memo::new(move |_| parse_query_pairs(&location.search.get()))
}

/// Returns the last value of a query parameter, as a repeated one counts.
pub fn query_value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.clone())
}

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

/// Writes text to the system clipboard. Returns whether the browser accepted the
/// request; the copy itself finishes asynchronously.
pub fn copy_to_clipboard(text: &str) -> bool {
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
