//! Text formatting for display.

/// Formats a count with commas between thousands, as in `12,345`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Percent-encodes a query-string component. Everything but unreserved
/// characters is encoded, so `+`, `&`, `#`, `%` and non-ASCII text survive a
/// round trip through the URL.
pub fn encode_query_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Decodes a query-string component: `%XX` escapes become bytes and `+` a
/// space, as HTML forms encode them. A malformed escape is kept as written, and
/// bytes that are not UTF-8 become U+FFFD.
pub fn decode_query_component(value: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        (byte as char).to_digit(16).map(|digit| digit as u8)
    }

    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = match (bytes[index], bytes.get(index + 1), bytes.get(index + 2)) {
            (b'%', Some(&high), Some(&low)) => hex(high).zip(hex(low)).map(|(high, low)| high * 16 + low),
            _ => None,
        };
        match (escaped, bytes[index]) {
            (Some(byte), _) => {
                decoded.push(byte);
                index += 3;
            }
            (None, b'+') => {
                decoded.push(b' ');
                index += 1;
            }
            (None, byte) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// Splits a raw query string (without `?`) into decoded name and value pairs,
/// in order. A pair without `=` has an empty value.
pub fn parse_query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_query_component(name), decode_query_component(value))
        })
        .collect()
}

/// Builds a query string (without the leading `?`) from name and value pairs,
/// leaving out pairs without a value.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> String {
    pairs
        .into_iter()
        .filter_map(|(name, value)| {
            value.map(|value| format!("{}={}", encode_query_component(name), encode_query_component(&value)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(12_345), "12,345");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn query_component_encodes_reserved_characters() {
        assert_eq!(encode_query_component("a+b&c#d%e f"), "a%2Bb%26c%23d%25e%20f");
        assert_eq!(encode_query_component("Zoë"), "Zo%C3%AB");
    }

    #[test]
    fn query_component_decodes_escapes_and_plus() {
        assert_eq!(decode_query_component("a%2Bb+c%26%23"), "a+b c&#");
        assert_eq!(decode_query_component("Zo%C3%AB"), "Zoë");
        assert_eq!(decode_query_component("100%"), "100%");
        assert_eq!(decode_query_component("%zz%4"), "%zz%4");
    }

    #[test]
    fn query_string_skips_missing_values() {
        let query = query_string([("page", Some("2".to_string())), ("size", None)]);
        assert_eq!(query, "page=2");
    }
}
