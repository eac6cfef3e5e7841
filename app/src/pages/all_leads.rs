use leptos::prelude::*;
use leptos_meta::Title;

use super::source_leads::{count_key, use_lead_view, LeadResults};
use crate::api::{count_leads, get_leads, list_sources};
use crate::components::LeadFilters;

/// `/leads`: leads of every source in one table, with a Source filter beside
/// the others.
#[component]
pub fn AllLeadsPage() -> impl IntoView {
    let (parsed, view) = use_lead_view();
    let sources = Resource::new(|| (), |_| list_sources());
    let leads = Resource::new(move || view.get().to_query_string(), get_leads);
    let count = Resource::new(move || count_key(view), count_leads);

    view! {
        <Title text="All leads"/>
        <h1>"All leads"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading filters…"</p> }>
            {move || Suspend::new(async move {
                // Without the source list the other filters still work.
                let sources = sources.await.unwrap_or_default();
                view! { <LeadFilters view sources/> }
            })}
        </Suspense>
        <LeadResults leads count view parsed/>
    }
}
