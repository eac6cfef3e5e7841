//! Timestamps shown in the viewer's time zone.
//!
//! The server does not know the viewer's zone, so the first render (on the
//! server and during hydration) uses UTC. Once the app runs in the browser it
//! switches to the zone the browser reports, and every timestamp re-renders.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// The IANA time zone that timestamps are shown in, such as `Europe/Berlin`.
#[derive(Clone, Copy)]
pub struct ViewerTimeZone(pub RwSignal<String>);

/// Provides [`ViewerTimeZone`] to the app, set to the browser's zone once hydrated.
pub fn provide_viewer_time_zone() {
    let zone = RwSignal::new("UTC".to_string());
    provide_context(ViewerTimeZone(zone));
    // Effects run only in the browser, after hydration, so the server-rendered
    // HTML and the first client render agree.
    Effect::new(move |_| {
        if let Some(browser_zone) = browser_time_zone() {
            zone.set(browser_zone);
        }
    });
}

/// Returns the viewer's time zone signal.
pub fn use_viewer_time_zone() -> RwSignal<String> {
    use_context::<ViewerTimeZone>()
        .map(|zone| zone.0)
        .unwrap_or_else(|| RwSignal::new("UTC".to_string()))
}

/// Formats a timestamp as `YYYY-MM-DD HH:MM` in the named IANA zone. An unknown
/// zone falls back to UTC.
pub fn format_in_zone(timestamp: DateTime<Utc>, zone: &str) -> String {
    if zone == "UTC" {
        return timestamp.format("%Y-%m-%d %H:%M").to_string();
    }
    format_in_named_zone(timestamp, zone)
        .unwrap_or_else(|| timestamp.format("%Y-%m-%d %H:%M").to_string())
}

#[cfg(feature = "hydrate")]
fn format_in_named_zone(timestamp: DateTime<Utc>, zone: &str) -> Option<String> {
    use wasm_bindgen::JsValue;

    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"timeZone".into(), &zone.into()).ok()?;
    js_sys::Reflect::set(&options, &"hourCycle".into(), &"h23".into()).ok()?;
    let date = js_sys::Date::new(&JsValue::from_f64(timestamp.timestamp_millis() as f64));
    // Swedish formatting is ISO-like: "2024-03-10 14:05:00".
    let to_locale_string = js_sys::Reflect::get(&date, &"toLocaleString".into()).ok()?;
    let function: js_sys::Function = to_locale_string.into();
    let text = function.call2(&date, &"sv-SE".into(), &options).ok()?.as_string()?;
    Some(text.chars().take(16).collect())
}

#[cfg(all(feature = "ssr", not(feature = "hydrate")))]
fn format_in_named_zone(timestamp: DateTime<Utc>, zone: &str) -> Option<String> {
    let zone: chrono_tz::Tz = zone.parse().ok()?;
    Some(timestamp.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn format_in_named_zone(_timestamp: DateTime<Utc>, _zone: &str) -> Option<String> {
    None
}

#[cfg(feature = "hydrate")]
fn browser_time_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::default();
    let options = format.resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
}

#[cfg(not(feature = "hydrate"))]
fn browser_time_zone() -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn utc_format_has_minutes() {
        let timestamp = Utc.with_ymd_and_hms(2024, 3, 10, 23, 59, 59).unwrap();
        assert_eq!(format_in_zone(timestamp, "UTC"), "2024-03-10 23:59");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn named_zone_shifts_time() {
        let timestamp = Utc.with_ymd_and_hms(2024, 3, 10, 23, 30, 0).unwrap();
        assert_eq!(format_in_zone(timestamp, "Europe/Berlin"), "2024-03-11 00:30");
        assert_eq!(format_in_zone(timestamp, "Not/AZone"), "2024-03-10 23:30");
    }
}
