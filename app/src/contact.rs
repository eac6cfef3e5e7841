//! Contact values as they are checked and stored: emails and phone numbers.

/// Characters trimmed from both ends of pasted values: Unicode white space
/// (which includes the non-breaking space U+00A0) plus the zero-width space and
/// byte order mark, which spreadsheets and web forms leave behind.
fn is_trimmed(c: char) -> bool {
    c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}'
}

/// Trims white space, non-breaking spaces and zero-width characters.
pub fn trim_value(value: &str) -> &str {
    value.trim_matches(is_trimmed)
}

/// Maximum email address length accepted, in bytes (the SMTP path limit).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Checks an email address and returns it trimmed, with its case kept.
/// Returns `Ok(None)` for a blank value.
pub fn parse_email(raw: &str) -> Result<Option<String>, String> {
    let email = trim_value(raw);
    if email.is_empty() {
        return Ok(None);
    }
    if email.len() > MAX_EMAIL_BYTES {
        return Err(format!("invalid email: longer than {MAX_EMAIL_BYTES} characters"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("invalid email {email:?}: it contains a space or control character"));
    }

    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(format!("invalid email {email:?}: it has no @"));
    };
    if local.is_empty() || local.contains('@') {
        return Err(format!("invalid email {email:?}: expected one @ with a name before it"));
    }

    // The characters RFC 5322 allows in an unquoted local part, plus non-ASCII
    // letters (RFC 6531). Quoted local parts are legal but never seen in leads.
    let local_allowed = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-.".contains(c);
    if let Some(bad) = local.chars().find(|&c| !local_allowed(c)) {
        return Err(format!("invalid email {email:?}: {bad:?} is not allowed before the @"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(format!("invalid email {email:?}: dots before the @ must sit between other characters"));
    }

    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !domain_ok {
        return Err(format!(
            "invalid email {email:?}: the part after @ must be a domain such as example.com"
        ));
    }
    Ok(Some(email.to_string()))
}

/// Minimum and maximum digits in a phone number: local numbers without an area
/// code have 7, and E.164 allows at most 15.
pub const MIN_PHONE_DIGITS: usize = 7;
pub const MAX_PHONE_DIGITS: usize = 15;

/// Checks a phone number and returns it trimmed, with its formatting kept.
/// Returns `Ok(None)` for a blank value.
pub fn parse_phone(raw: &str) -> Result<Option<String>, String> {
    let phone = trim_value(raw);
    if phone.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = phone
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | '/' | '\u{00A0}')))
    {
        return Err(format!(
            "invalid phone {phone:?}: {bad:?} is not allowed; use digits, spaces, + - ( ) . /"
        ));
    }
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !(MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits) {
        return Err(format!(
            "invalid phone {phone:?}: it has {digits} digits, expected {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS}"
        ));
    }
    Ok(Some(phone.to_string()))
}

/// Returns the digits of a value in order, the form in which phone numbers are compared.
pub fn phone_digits(value: &str) -> String {
    value.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_of_nbsp_and_spaces() {
        assert_eq!(parse_email(" hello@example.com\u{00A0}"), Ok(Some("hello@example.com".into())));
        assert_eq!(parse_email("\u{200B}Hello@Example.com "), Ok(Some("Hello@Example.com".into())));
    }

    #[test]
    fn email_accepts_plus_and_unicode() {
        assert_eq!(parse_email("jane+promo@example.com"), Ok(Some("jane+promo@example.com".into())));
        assert_eq!(parse_email("zoë@müller.de"), Ok(Some("zoë@müller.de".into())));
    }

    #[test]
    fn email_blank_is_none() {
        assert_eq!(parse_email("  "), Ok(None));
    }

    #[test]
    fn email_rejects_malformed_values() {
        let bad_values = [
            "foo", "foo@", "@example.com", "a@b", "a b@example.com", "a@@example.com", "a@.com", "a@-x.com",
            "a,b@example.com", "semi;colon@example.com", "x@exam_ple.com", ".a@example.com", "a..b@example.com",
        ];
        for bad in bad_values {
            let error = parse_email(bad).unwrap_err();
            assert!(error.starts_with("invalid email"), "{bad}: {error}");
        }
    }

    #[test]
    fn phone_keeps_formatting() {
        assert_eq!(parse_phone(" (555) 123-4567 "), Ok(Some("(555) 123-4567".into())));
        assert_eq!(parse_phone("+1 555 987 6543"), Ok(Some("+1 555 987 6543".into())));
    }

    #[test]
    fn phone_rejects_letters_and_short_numbers() {
        assert!(parse_phone("call me").unwrap_err().contains("'c'"));
        assert!(parse_phone("123").unwrap_err().contains("3 digits"));
        assert!(parse_phone("1234567890123456").unwrap_err().contains("16 digits"));
    }

    #[test]
    fn phone_digits_drops_formatting() {
        assert_eq!(phone_digits("+1 (555) 123-4567"), "15551234567");
    }
}
