//! Leadbase's user interface and the types it shares with the server.
//!
//! The `ssr` feature adds the server side: database access and the bodies of the
//! server functions. The `hydrate` feature adds what the browser needs to take
//! over the server-rendered page.

// Leptos view types nest deeply; the release WASM build needs more than the
// default depth of 128 to compute their layout.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod contact;
pub mod filter;
pub mod format;
pub mod model;
pub mod pages;
pub mod time;
pub mod user_agent;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::pages::{AllLeadsPage, LeadDetailPage, NotFound, SourceLeadsPage, SourcesPage};

/// Renders the HTML document around the app, on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Renders the whole application: layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    time::provide_viewer_time_zone();

    view! {
        <Stylesheet id="leptos" href="/pkg/leadbase.css"/>
        <Title formatter=|title: String| {
            if title.is_empty() { "Leadbase".to_string() } else { format!("{title} · Leadbase") }
        }/>
        <Router>
            <header class="topbar">
                <A href="/sources" attr:class="brand">"Leadbase"</A>
                <nav aria-label="Main">
                    <A href="/sources">"Sources"</A>
                    <A href="/leads">"All leads"</A>
                </nav>
            </header>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=SourcesPage ssr=SsrMode::Async/>
                    <Route path=path!("/sources") view=SourcesPage ssr=SsrMode::Async/>
                    <Route path=path!("/sources/:id/leads") view=SourceLeadsPage ssr=SsrMode::Async/>
                    <Route path=path!("/leads") view=AllLeadsPage ssr=SsrMode::Async/>
                    <Route path=path!("/leads/:id") view=LeadDetailPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
