//! Reads the browser and operating system out of a User-Agent header, so the
//! lead detail can show "Chrome 120 on Windows 10" beside the raw string.
//!
//! Only the families that lead forms see in practice are named; anything else
//! is left unnamed rather than guessed.

/// Description of a client, read from its User-Agent string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientDescription {
    /// Browser name with its major version, such as "Firefox 121".
    pub browser: Option<String>,
    /// Operating system with its version where the string gives one.
    pub os: Option<String>,
    /// Whether the string names a crawler or an HTTP library.
    pub bot: bool,
}

impl ClientDescription {
    /// Returns a one-line description, such as "Safari 17 on iOS 17.2".
    pub fn summary(&self) -> Option<String> {
        let summary = match (&self.browser, &self.os) {
            (Some(browser), Some(os)) => format!("{browser} on {os}"),
            (Some(browser), None) => browser.clone(),
            (None, Some(os)) => format!("unknown browser on {os}"),
            (None, None) => return None,
        };
        Some(if self.bot { format!("{summary} (automated client)") } else { summary })
    }
}

/// Parses a User-Agent header value.
pub fn describe(user_agent: &str) -> ClientDescription {
    let lower = user_agent.to_ascii_lowercase();
    let bot = ["bot", "crawler", "spider", "curl/", "python-requests", "wget/", "headless"]
        .iter()
        .any(|marker| lower.contains(marker));
    ClientDescription { browser: browser(user_agent), os: operating_system(user_agent), bot }
}

/// Returns the major version that follows `token` (such as `Chrome/`).
fn major_after(user_agent: &str, token: &str) -> Option<String> {
    let start = user_agent.find(token)? + token.len();
    let version: String = user_agent[start..].chars().take_while(char::is_ascii_digit).collect();
    (!version.is_empty()).then_some(version)
}

fn browser(user_agent: &str) -> Option<String> {
    // Order matters because Edge and Opera also contain Chrome, and Chrome
    // also contains Safari.
    let named = |name: &str, token: &str| {
        user_agent.contains(token).then(|| match major_after(user_agent, token) {
            Some(version) => format!("{name} {version}"),
            None => name.to_string(),
        })
    };
    named("Edge", "Edg/")
        .or_else(|| named("Edge", "EdgiOS/"))
        .or_else(|| named("Opera", "OPR/"))
        .or_else(|| named("Samsung Internet", "SamsungBrowser/"))
        .or_else(|| named("Firefox", "Firefox/"))
        .or_else(|| named("Firefox", "FxiOS/"))
        .or_else(|| named("Chrome", "CriOS/"))
        .or_else(|| named("Chrome", "Chrome/"))
        .or_else(|| {
            (user_agent.contains("Safari/") && user_agent.contains("Version/"))
                .then(|| named("Safari", "Version/"))
                .flatten()
        })
        .or_else(|| named("Internet Explorer", "MSIE "))
        .or_else(|| user_agent.contains("Trident/").then(|| "Internet Explorer 11".to_string()))
        .or_else(|| named("curl", "curl/"))
}

/// Returns the version after `token`. Apple systems write it with underscores
/// (`OS 17_2`), which become dots.
fn version_after(user_agent: &str, token: &str) -> Option<String> {
    let start = user_agent.find(token)? + token.len();
    let version: String = user_agent[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '_' | '.'))
        .map(|c| if c == '_' { '.' } else { c })
        .collect();
    let version = version.trim_end_matches('.').to_string();
    (!version.is_empty()).then_some(version)
}

fn operating_system(user_agent: &str) -> Option<String> {
    let with_version = |name: &str, version: Option<String>| match version {
        Some(version) => format!("{name} {version}"),
        None => name.to_string(),
    };
    if user_agent.contains("Windows NT") {
        let version = match version_after(user_agent, "Windows NT ").as_deref() {
            Some("10.0") => Some("10 or 11".to_string()),
            Some("6.3") => Some("8.1".to_string()),
            Some("6.2") => Some("8".to_string()),
            Some("6.1") => Some("7".to_string()),
            _ => None,
        };
        return Some(with_version("Windows", version));
    }
    if user_agent.contains("iPhone") || user_agent.contains("iPad") || user_agent.contains("iPod") {
        let version = version_after(user_agent, "OS ").filter(|version| version.chars().next().is_some_and(|c| c.is_ascii_digit()));
        return Some(with_version("iOS", version));
    }
    if user_agent.contains("Android") {
        return Some(with_version("Android", version_after(user_agent, "Android ")));
    }
    if user_agent.contains("CrOS") {
        return Some("ChromeOS".to_string());
    }
    if user_agent.contains("Mac OS X") {
        return Some(with_version("macOS", version_after(user_agent, "Mac OS X ")));
    }
    if user_agent.contains("Linux") {
        return Some("Linux".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_common_browsers_and_systems() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                "Chrome 120 on Windows 10 or 11",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
                "Edge 120 on Windows 10 or 11",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
                "Safari 17 on iOS 17.2",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
                "Safari 17 on macOS 10.15.7",
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121 on Linux"),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
                "Samsung Internet 23 on Android 14",
            ),
        ];
        for (user_agent, expected) in cases {
            assert_eq!(describe(user_agent).summary().as_deref(), Some(expected), "{user_agent}");
        }
    }

    #[test]
    fn marks_automated_clients_and_leaves_unknowns_unnamed() {
        let curl = describe("curl/8.4.0");
        assert!(curl.bot);
        assert_eq!(curl.summary().as_deref(), Some("curl 8 (automated client)"));
        assert_eq!(describe("").summary(), None);
        assert_eq!(describe("SomethingElse/1.0").summary(), None);
    }
}
