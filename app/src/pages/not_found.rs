use leptos::prelude::*;
use leptos_meta::Title;

/// Sets the HTTP status of the server-rendered response. Does nothing in the
/// browser, where the response has long been sent.
pub fn set_response_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(code) = axum::http::StatusCode::from_u16(status) {
            response.set_status(code);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// Renders the page for an unknown address, with a 404 status.
#[component]
pub fn NotFound() -> impl IntoView {
    set_response_status(404);
    view! { <NotFoundMessage message="There is no page at this address.".to_string()/> }
}

/// Renders a 404 body with a message and a link back to the sources.
#[component]
pub fn NotFoundMessage(message: String) -> impl IntoView {
    view! {
        <Title text="Not found"/>
        <section class="not-found">
            <h1>"Not found"</h1>
            <p>{message}</p>
            <p><a href="/sources">"Back to all sources"</a></p>
        </section>
    }
}
