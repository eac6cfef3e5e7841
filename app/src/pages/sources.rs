use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::list_sources;
use crate::format::thousands;
use crate::time::{format_in_zone, use_viewer_time_zone};

/// `/sources`: every source with its lead count and creation date.
#[component]
pub fn SourcesPage() -> impl IntoView {
    let sources = Resource::new(|| (), |_| list_sources());
    let zone = use_viewer_time_zone();

    view! {
        <Title text="Sources"/>
        <h1>"Sources"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading sources…"</p> }>
            {move || Suspend::new(async move {
                match sources.await {
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    Ok(sources) if sources.is_empty() => view! {
                        <div class="empty-state">
                            <p>"No sources yet."</p>
                            <p>"Import a CSV file to create one: " <code>"scripts/leadbase import --source \"Facebook Q3\" leads.csv"</code></p>
                        </div>
                    }.into_any(),
                    Ok(sources) => view! {
                        <div class="table-scroll">
                        <table class="data-table sources-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Source"</th>
                                    <th scope="col" class="numeric">"Leads"</th>
                                    <th scope="col">{move || format!("Created ({})", zone.get())}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {sources.into_iter().map(|source| {
                                    let created_at = source.created_at;
                                    view! {
                                        <tr>
                                            <td><a href=format!("/sources/{}/leads", source.id)>{source.name}</a></td>
                                            <td class="numeric">{thousands(source.lead_count.max(0) as u64)}</td>
                                            <td>{move || format_in_zone(created_at, &zone.get())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
