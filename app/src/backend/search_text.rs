//! Text handling for Advanced Search: folding, the terms a lead is indexed under,
//! the parts of a query, typo allowances and the explanation of a match. Pure
//! functions, shared by the indexer, the query builder and the result page, so
//! that a lead is found by exactly the terms it was indexed under.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

use crate::contact::{MAX_PHONE_DIGITS, MIN_PHONE_DIGITS};
use crate::model::MatchedField;

/// Maximum query length, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Maximum number of whitespace-separated parts in a query, because each
/// adds a clause that every lead must satisfy.
pub const MAX_QUERY_PARTS: usize = 16;
/// Maximum number of words across all parts: a pasted user agent has about
/// 25, each looked up exactly, as a prefix and with typos.
pub const MAX_QUERY_WORDS: usize = 40;
/// Shortest word matched as a prefix while it is being typed. A single letter
/// matches a large share of every source and adds nothing to the ranking.
pub const MIN_PREFIX_CHARS: usize = 2;
/// Shortest word still being typed that may hold a typo; shorter ones would
/// match far too much (`acme` within one typo of `ame…`, `ace…`, `cme…`).
pub const MIN_PREFIX_TYPO_CHARS: usize = 6;
/// Minimum digits for a number to match the start of a phone number at any
/// position in a query, as an area code does.
pub const MIN_NUMBER_PREFIX_DIGITS: usize = 3;
/// Minimum digits left after dropping a country code from a searched number.
const MIN_NATIONAL_DIGITS: usize = 10;

/// Shortest run of digits searched as a phone number.
pub const MIN_PHONE_QUERY_DIGITS: usize = 4;

/// Lower-cases and strips accents, so `Zoë`, `ZOE` and `zoe` compare equal.
/// Letters that do not decompose (ß, ø, ł, æ, œ, đ) get their usual spelling.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'ß' | 'ẞ' => folded.push_str("ss"),
            'ø' | 'Ø' => folded.push('o'),
            'ł' | 'Ł' => folded.push('l'),
            'đ' | 'Đ' => folded.push('d'),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ı' => folded.push('i'),
            _ => folded.extend(c.to_lowercase()),
        }
    }
    folded
}

/// Splits folded text into words: runs of letters and digits.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty())
}

/// Typos forgiven in a word of `chars` characters: none below 4, one up to 7,
/// two from 8. A transposition of two neighbours counts as one.
pub fn allowed_typos(chars: usize) -> u8 {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// An email address taken apart the way it is indexed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailParts {
    /// The whole address, lower-cased.
    pub whole: String,
    /// The part before `@`, with any `+tag`.
    pub local: String,
    /// The local part without its `+tag`: `kim` for `kim+sub@…`.
    pub base: String,
    /// Everything after `@`.
    pub domain: String,
}

impl EmailParts {
    /// Splits an address at its last `@`; `None` when either side is empty.
    pub fn parse(email: &str) -> Option<EmailParts> {
        let whole = fold(email.trim());
        let (local, domain) = whole.rsplit_once('@')?;
        if local.is_empty() || domain.is_empty() {
            return None;
        }
        let base = local.split_once('+').map_or(local, |(base, _)| base);
        Some(EmailParts { local: local.to_string(), base: base.to_string(), domain: domain.to_string(), whole: whole.clone() })
    }

    /// Returns the address without its `+tag`: the mailbox that `kim+sub@…`
    /// and `kim@…` share.
    pub fn mailbox(&self) -> String {
        format!("{}@{}", self.base, self.domain)
    }

    /// Terms a lead is found by in the email-parts field: the local part with
    /// and without its tag, the mailbox, the domain, its labels and the words
    /// of the local part (`mary.jones` gives `mary` and `jones`).
    pub fn terms(&self) -> Vec<String> {
        let mut terms = vec![self.local.clone(), self.base.clone(), self.mailbox(), self.domain.clone()];
        terms.extend(self.domain.split('.').filter(|label| !label.is_empty()).map(str::to_string));
        terms.extend(words(&self.local).map(str::to_string));
        dedup(terms)
    }
}

/// Terms a phone number is found by: its digits, and its endings from four
/// digits on, so that a number typed without a country code, or only its
/// last digits, still matches.
pub fn phone_terms(phone: &str) -> Vec<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Vec::new();
    }
    let mut terms = vec![digits.clone()];
    for length in MIN_PHONE_QUERY_DIGITS..digits.len() {
        terms.push(digits[digits.len() - length..].to_string());
    }
    dedup(terms)
}

/// Returns the searched number without a leading country code of one to
/// three digits, keeping at least ten: `15551234567` gives `5551234567`.
pub fn national_numbers(digits: &str) -> Vec<&str> {
    (1..=3).filter(|drop| digits.len() >= drop + MIN_NATIONAL_DIGITS).map(|drop| &digits[drop..]).collect()
}

/// Terms of free text, such as a custom field value or a user agent: its words,
/// and the whole folded value when it has more than one word (`spring-sale-2024`),
/// so that a pasted value matches exactly.
pub fn text_terms(value: &str) -> Vec<String> {
    let folded = fold(value.trim());
    let mut terms: Vec<String> = words(&folded).map(str::to_string).collect();
    if terms.len() > 1 && folded.chars().count() <= 100 {
        terms.push(folded.clone());
    }
    dedup(terms)
}

fn dedup(mut terms: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    terms.retain(|term| seen.insert(term.clone()));
    terms
}

/// One whitespace-separated part of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryPart {
    /// Something with an `@` between two non-empty sides.
    Email(EmailParts),
    /// Only digits and phone punctuation, with at least four digits. `text`
    /// is the chunk as typed, which may also be the start of an IP address
    /// or a value such as `2024-06`.
    Phone { digits: String, text: String },
    /// Anything else: its words, and the whole chunk when it has several
    /// (`acme.io`, `10.0.0.1`).
    Words { whole: Option<String>, words: Vec<String> },
}

/// A parsed query: its parts, and whether the last one is still being typed
/// and so may match as a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedQuery {
    pub parts: Vec<QueryPart>,
    pub last_is_prefix: bool,
}

/// Error for a query that cannot run; the message names the value and the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

/// Parses a search query. The last part matches as a prefix unless the query
/// ends in a space, the sign that the word is complete.
pub fn parse_query(query: &str) -> Result<ParsedQuery, QueryError> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError(format!("the search is longer than {MAX_QUERY_CHARS} characters; shorten it")));
    }
    if let Some(control) = query.chars().find(|c| c.is_control() && !c.is_whitespace()) {
        return Err(QueryError(format!(
            "the search contains the control character U+{:04X}; remove it",
            u32::from(control)
        )));
    }

    let mut parts = Vec::new();
    for chunk in join_phone_chunks(query) {
        if let Some(part) = parse_chunk(&chunk) {
            parts.push(part);
        }
    }
    let meaningful = query.chars().filter(|c| c.is_alphanumeric()).count();
    if meaningful == 1 {
        return Err(QueryError(format!(
            "the search {:?} has a single letter or digit, which nearly every lead contains; type at least two",
            query.trim()
        )));
    }
    if parts.is_empty() {
        return Err(QueryError(format!(
            "the search {:?} has no letters or digits; type a name, email, phone number or other value",
            query.trim()
        )));
    }
    if parts.len() > MAX_QUERY_PARTS {
        return Err(QueryError(format!(
            "the search has {} space-separated parts; use at most {MAX_QUERY_PARTS}",
            parts.len()
        )));
    }
    let word_count: usize = parts.iter().map(|part| match part { QueryPart::Words { words, .. } => words.len(), _ => 1 }).sum();
    if word_count > MAX_QUERY_WORDS {
        return Err(QueryError(format!("the search has {word_count} words; use at most {MAX_QUERY_WORDS}")));
    }
    let last_is_prefix = !query.ends_with(char::is_whitespace);
    Ok(ParsedQuery { parts, last_is_prefix })
}

/// Splits a query at whitespace, but keeps a phone number typed with spaces,
/// such as `+1 555 123 4567`, in one piece: neighbouring chunks of digits and
/// phone punctuation are joined when together they have a phone number's
/// length.
fn join_phone_chunks(query: &str) -> Vec<String> {
    let is_phone_chunk = |chunk: &str| chunk.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c)) && !is_dotted_number(chunk);
    let digit_count = |chunk: &str| chunk.chars().filter(char::is_ascii_digit).count();
    let chunks: Vec<&str> = query.split_whitespace().collect();
    let mut joined = Vec::new();
    let mut index = 0;
    while index < chunks.len() {
        let mut end = index;
        if is_phone_chunk(chunks[index]) {
            while end + 1 < chunks.len() && is_phone_chunk(chunks[end + 1]) {
                end += 1;
            }
        }
        let run = &chunks[index..=end];
        let digits: usize = run.iter().map(|chunk| digit_count(chunk)).sum();
        if run.len() > 1 && (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits) {
            joined.push(run.concat());
        } else {
            joined.extend(run.iter().map(|chunk| chunk.to_string()));
        }
        index = end + 1;
    }
    joined
}

fn parse_chunk(chunk: &str) -> Option<QueryPart> {
    if let Some(email) = EmailParts::parse(chunk) {
        return Some(QueryPart::Email(email));
    }
    let digits: String = chunk.chars().filter(char::is_ascii_digit).collect();
    let phone_like = chunk.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c)) && !is_dotted_number(chunk);
    if phone_like && digits.len() >= MIN_PHONE_QUERY_DIGITS {
        return Some(QueryPart::Phone { digits, text: fold(chunk) });
    }
    let folded = fold(chunk);
    let chunk_words: Vec<String> = words(&folded).map(str::to_string).collect();
    if chunk_words.is_empty() {
        return None;
    }
    let whole = (chunk_words.len() > 1).then(|| folded.trim_matches(|c: char| !c.is_alphanumeric()).to_string());
    Some(QueryPart::Words { whole, words: chunk_words })
}

/// `10.0.0.1` is an IP address, not a phone number.
fn is_dotted_number(chunk: &str) -> bool {
    chunk.split('.').count() == 4 && chunk.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

/// Optimal string alignment distance: insertions, deletions, substitutions
/// and transpositions of neighbours each cost one.
pub fn typo_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Lengths this far apart are never within the typos allowed; skipping
    // the table keeps a long custom field value cheap.
    let apart = a.len().abs_diff(b.len());
    if apart > 2 {
        return apart;
    }
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        rows[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// Returns whether a query word matches an indexed word: exactly, as a prefix
/// when allowed, or within the typos its length allows.
fn word_matches(query: &str, indexed: &str, prefix: bool) -> bool {
    if query == indexed {
        return true;
    }
    let chars = query.chars().count();
    if prefix && chars >= MIN_PREFIX_CHARS && indexed.starts_with(query) {
        return true;
    }
    let allowed = if is_number(query) { 0 } else { usize::from(allowed_typos(chars)) };
    if allowed == 0 {
        return false;
    }
    if typo_distance(query, indexed) <= allowed {
        return true;
    }
    // A word still being typed may hold a typo too: `wiliam` for `williams`.
    prefix && chars >= MIN_PREFIX_TYPO_CHARS && prefix_typo_distance(query, indexed) <= 1
}

/// Distance from `query` to the closest beginning of `indexed`.
fn prefix_typo_distance(query: &str, indexed: &str) -> usize {
    let length = query.chars().count();
    (length.saturating_sub(1)..=length + 1)
        .map(|take| typo_distance(query, &indexed.chars().take(take).collect::<String>()))
        .min()
        .unwrap_or(usize::MAX)
}

/// A lead's searchable values, by the label the result page shows.
pub struct SearchableValues<'a> {
    pub name: String,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub status: &'a str,
    pub source: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub fields: Vec<(String, String)>,
}

/// Explains which of a lead's values a query matched, with the matching
/// stretches of each value, in the order the values are listed. Each value
/// appears once, however many query parts it matched.
pub fn explain_match(query: &ParsedQuery, values: &SearchableValues<'_>) -> Vec<MatchedField> {
    let mut labelled: Vec<(String, String)> = Vec::new();
    labelled.push(("Email".to_string(), values.email.unwrap_or_default().to_string()));
    labelled.push(("Name".to_string(), values.name.clone()));
    labelled.push(("Phone".to_string(), values.phone.unwrap_or_default().to_string()));
    labelled.push(("Status".to_string(), values.status.to_string()));
    labelled.push(("Source".to_string(), values.source.to_string()));
    labelled.push(("IP".to_string(), values.ip.unwrap_or_default().to_string()));
    labelled.push(("User agent".to_string(), values.user_agent.unwrap_or_default().to_string()));
    labelled.extend(values.fields.iter().cloned());

    let mut found: Vec<(usize, Vec<Range<usize>>)> = Vec::new();
    let last = query.parts.len().saturating_sub(1);
    for (index, part) in query.parts.iter().enumerate() {
        let prefix = query.last_is_prefix && index == last;
        let mut explained = false;
        for (position, (label, value)) in labelled.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let ranges = match_ranges(part, prefix, label, value);
            if ranges.is_empty() {
                continue;
            }
            explained = true;
            match found.iter_mut().find(|(seen, _)| *seen == position) {
                Some((_, existing)) => existing.extend(ranges),
                None => found.push((position, ranges)),
            }
        }
        if !explained {
            for (position, ranges) in scattered_ranges(part, prefix, &labelled) {
                match found.iter_mut().find(|(seen, _)| *seen == position) {
                    Some((_, existing)) => existing.extend(ranges),
                    None => found.push((position, ranges)),
                }
            }
        }
    }
    found.sort_by_key(|(position, _)| *position);
    found
        .into_iter()
        .map(|(position, ranges)| {
            let (field, value) = labelled[position].clone();
            excerpt(MatchedField { field, value, highlights: merge_ranges(ranges) })
        })
        .collect()
}

/// Maximum length, in bytes, of a value an explanation shows whole. A longer
/// one is cut to the stretch around its first match.
const MAX_EXCERPT_BYTES: usize = 160;

/// Cuts a long matched value to the text around its first highlight, marking
/// the cuts with `…` and moving the highlights along.
fn excerpt(matched: MatchedField) -> MatchedField {
    if matched.value.len() <= MAX_EXCERPT_BYTES {
        return matched;
    }
    let first = matched.highlights.first().map_or(0, |(start, _)| *start);
    let floor = |at: usize| (0..=at.min(matched.value.len())).rev().find(|at| matched.value.is_char_boundary(*at)).unwrap_or(0);
    let start = floor(first.saturating_sub(MAX_EXCERPT_BYTES / 4));
    let end = floor(start + MAX_EXCERPT_BYTES);
    let lead_in = if start > 0 { "…" } else { "" };
    let tail = if end < matched.value.len() { "…" } else { "" };
    let value = format!("{lead_in}{}{tail}", &matched.value[start..end]);
    let shift = lead_in.len();
    let highlights = matched
        .highlights
        .iter()
        .filter(|(from, _)| *from >= start && *from < end)
        .map(|(from, to)| (from - start + shift, (*to).min(end) - start + shift))
        .collect();
    MatchedField { field: matched.field, value, highlights }
}

/// Byte ranges of `value` that a query part matches.
fn match_ranges(part: &QueryPart, prefix: bool, label: &str, value: &str) -> Vec<Range<usize>> {
    match part {
        QueryPart::Email(query) => {
            let Some(email) = (label == "Email").then(|| EmailParts::parse(value)).flatten() else {
                return Vec::new();
            };
            let allowed = usize::from(allowed_typos(query.whole.chars().count()));
            let whole_match = email.whole == query.whole
                || (prefix && email.whole.starts_with(&query.whole))
                || typo_distance(&email.whole, &query.whole) <= allowed;
            let parts_match = email.base == query.base && email.domain == query.domain;
            if whole_match || parts_match {
                vec![0..value.len()]
            } else {
                Vec::new()
            }
        }
        QueryPart::Phone { digits, text } => {
            if label == "Phone" {
                let terms = phone_terms(value);
                let national = national_numbers(digits);
                let hit = terms.iter().find(|term| {
                    *term == digits || (prefix && term.starts_with(digits.as_str())) || national.contains(&term.as_str())
                });
                return hit.map(|term| phone_digit_range(value, term, digits)).into_iter().collect();
            }
            // Elsewhere the chunk matches as typed: a value starting with it,
            // such as an IP address, or a word equal to its digits.
            let folded = fold(value.trim());
            if folded == *text || (prefix && folded.starts_with(text.as_str())) {
                let leading = value.len() - value.trim_start().len();
                let end = value[leading..].char_indices().nth(text.chars().count()).map_or(value.len(), |(at, _)| leading + at);
                return vec![leading..end];
            }
            word_spans(value).into_iter().filter(|(folded, _)| folded == digits).map(|(_, range)| range).collect()
        }
        QueryPart::Words { whole, words: query_words } => {
            if let Some(whole) = whole {
                if fold(value.trim()) == *whole {
                    return vec![0..value.len()];
                }
            }
            if let Some(whole) = whole.as_ref().filter(|_| prefix) {
                if fold(value.trim()).starts_with(whole.as_str()) {
                    return vec![0..value.len()];
                }
            }
            let mut ranges = Vec::new();
            for (index, query_word) in query_words.iter().enumerate() {
                let word_prefix = prefix && index + 1 == query_words.len();
                let matched = word_ranges(query_word, word_prefix, label, value);
                if matched.is_empty() {
                    // Every word of a part must match within one value for
                    // that value to explain the whole part.
                    return Vec::new();
                }
                ranges.extend(matched);
            }
            ranges
        }
    }
}

/// Byte range of `value` holding the digits that matched: the phone term
/// `term` is the number's end, and the search matched all of it or its start.
fn phone_digit_range(value: &str, term: &str, searched: &str) -> Range<usize> {
    let positions: Vec<(usize, usize)> =
        value.char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(at, c)| (at, at + c.len_utf8())).collect();
    let first = positions.len().saturating_sub(term.len());
    let matched = if term.starts_with(searched) { searched.len().min(term.len()) } else { term.len() };
    match (positions.get(first), positions.get(first + matched.saturating_sub(1))) {
        (Some((start, _)), Some((_, end))) => *start..*end,
        _ => 0..value.len(),
    }
}

fn is_number(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
}

/// Byte ranges of `value` that one query word matches. Numbers also match a
/// phone number by its digits, across its punctuation.
fn word_ranges(query_word: &str, prefix: bool, label: &str, value: &str) -> Vec<Range<usize>> {
    let query_chars = query_word.chars().count();
    let matched: Vec<Range<usize>> = word_spans(value)
        .into_iter()
        .filter(|(folded, _)| word_matches(query_word, folded, prefix))
        .map(|(folded, range)| {
            // A prefix match marks only the letters typed so far.
            if folded != query_word && folded.starts_with(query_word) {
                let end = value[range.clone()].char_indices().nth(query_chars).map_or(range.end, |(at, _)| range.start + at);
                range.start..end
            } else {
                range
            }
        })
        .collect();
    let digits = query_word.len();
    if matched.is_empty() && label == "Phone" && is_number(query_word) {
        let starts = (prefix && digits >= MIN_PREFIX_CHARS) || digits >= MIN_NUMBER_PREFIX_DIGITS;
        let hit = phone_terms(value).into_iter().find(|term| term == query_word || (starts && term.starts_with(query_word)));
        if let Some(term) = hit {
            return vec![phone_digit_range(value, &term, query_word)];
        }
    }
    matched
}

/// Byte ranges, across all values, of each word of a part that no single
/// value explains alone: the index matches a part's words anywhere in a
/// lead, as in a user agent for one word and an IP for another.
fn scattered_ranges(part: &QueryPart, prefix: bool, labelled: &[(String, String)]) -> Vec<(usize, Vec<Range<usize>>)> {
    let QueryPart::Words { words: query_words, .. } = part else { return Vec::new() };
    let mut found: Vec<(usize, Vec<Range<usize>>)> = Vec::new();
    for (index, query_word) in query_words.iter().enumerate() {
        let word_prefix = prefix && index + 1 == query_words.len();
        for (position, (label, value)) in labelled.iter().enumerate() {
            let ranges = word_ranges(query_word, word_prefix, label, value);
            if ranges.is_empty() {
                continue;
            }
            match found.iter_mut().find(|(seen, _)| *seen == position) {
                Some((_, existing)) => existing.extend(ranges),
                None => found.push((position, ranges)),
            }
            // The first value holding the word explains it.
            break;
        }
    }
    found
}

/// Words of `value` with their byte ranges in the original text, folded for
/// comparison.
fn word_spans(value: &str) -> Vec<(String, Range<usize>)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (offset, c) in value.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(offset),
            (false, Some(begin)) => {
                spans.push((fold(&value[begin..offset]), begin..offset));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        spans.push((fold(&value[begin..]), begin..value.len()));
    }
    spans
}

fn merge_ranges(mut ranges: Vec<Range<usize>>) -> Vec<(usize, usize)> {
    ranges.sort_by_key(|range| range.start);
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.1 => last.1 = last.1.max(range.end),
            _ => merged.push((range.start, range.end)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lead's values with nothing searchable but status and source.
    fn values() -> SearchableValues<'static> {
        SearchableValues {
            name: String::new(),
            email: None,
            phone: None,
            status: "active",
            source: "Web",
            ip: None,
            user_agent: None,
            fields: vec![],
        }
    }

    #[test]
    fn fold_strips_accents_and_case() {
        assert_eq!(fold("Zoë ÅSTRÖM"), "zoe astrom");
        assert_eq!(fold("Straße Øre Łódź"), "strasse ore lodz");
        assert_eq!(fold("José"), fold("JOSE"));
        assert_eq!(fold("ｆｕｌｌ"), "full");
    }

    #[test]
    fn emails_split_into_searchable_parts() {
        let email = EmailParts::parse(" Kim+Sub@Mail.Example.com ").expect("valid");
        assert_eq!(email.whole, "kim+sub@mail.example.com");
        assert_eq!(email.base, "kim");
        assert_eq!(email.domain, "mail.example.com");
        let terms = email.terms();
        for expected in ["kim+sub", "kim", "sub", "kim@mail.example.com", "mail.example.com", "mail", "example", "com"] {
            assert!(terms.contains(&expected.to_string()), "{expected} missing from {terms:?}");
        }
        assert_eq!(EmailParts::parse("@acme.io"), None);
        assert_eq!(EmailParts::parse("john@"), None);
    }

    #[test]
    fn phones_are_found_by_digits_in_any_format() {
        let terms = phone_terms("+1 (555) 123-4567");
        assert!(terms.contains(&"15551234567".to_string()));
        assert!(terms.contains(&"5551234567".to_string()));
        assert!(terms.contains(&"1234567".to_string()));
        assert!(terms.contains(&"4567".to_string()), "the last four digits find the number");
        let query = parse_query("555-123-4567").expect("valid");
        assert_eq!(query.parts, vec![QueryPart::Phone { digits: "5551234567".to_string(), text: "555-123-4567".to_string() }]);
        let spaced = parse_query("+1 (555) 123 4567").expect("valid");
        assert!(matches!(&spaced.parts[..], [QueryPart::Phone { digits, .. }] if digits == "15551234567"));
        // Short numbers stay apart: they are more likely years or codes.
        assert_eq!(parse_query("2024 12").expect("valid").parts.len(), 2);
        assert_eq!(phone_terms("n/a"), Vec::<String>::new());
    }

    #[test]
    fn query_parts_by_shape() {
        let query = parse_query("John@Gmal.com acme.io 10.0.0.1 spring-sale-2024 Zoë").expect("valid");
        assert!(matches!(&query.parts[0], QueryPart::Email(email) if email.whole == "john@gmal.com"));
        assert_eq!(
            query.parts[1],
            QueryPart::Words { whole: Some("acme.io".to_string()), words: vec!["acme".to_string(), "io".to_string()] }
        );
        assert!(matches!(&query.parts[2], QueryPart::Words { whole: Some(ip), .. } if ip == "10.0.0.1"));
        assert!(matches!(&query.parts[3], QueryPart::Words { words, .. } if words.len() == 3));
        assert_eq!(query.parts[4], QueryPart::Words { whole: None, words: vec!["zoe".to_string()] });
        assert!(query.last_is_prefix);
        assert!(!parse_query("chris ").expect("valid").last_is_prefix);
    }

    #[test]
    fn queries_without_words_or_too_long_are_refused() {
        let error = parse_query(" !!! ").unwrap_err().to_string();
        assert!(error.contains("\"!!!\""), "{error}");
        assert!(error.contains("no letters or digits"), "{error}");
        let error = parse_query(&"a".repeat(201)).unwrap_err().to_string();
        assert!(error.contains("200 characters"), "{error}");
        let error = parse_query("a\u{7}b").unwrap_err().to_string();
        assert!(error.contains("U+0007"), "{error}");
        let error = parse_query(&"w ".repeat(17)).unwrap_err().to_string();
        assert!(error.contains("at most 16"), "{error}");
        let error = parse_query(&"a.b.c.d.e ".repeat(9)).unwrap_err().to_string();
        assert!(error.contains("at most 40"), "{error}");
        let user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assert!(parse_query(user_agent).is_ok(), "a pasted user agent is a valid search");
    }

    #[test]
    fn typo_allowance_grows_with_length() {
        assert_eq!(allowed_typos(3), 0);
        assert_eq!(allowed_typos(4), 1);
        assert_eq!(allowed_typos(7), 1);
        assert_eq!(allowed_typos(8), 2);
    }

    #[test]
    fn transposition_is_one_typo() {
        assert_eq!(typo_distance("jonh", "john"), 1);
        assert_eq!(typo_distance("gmal", "gmail"), 1);
        assert_eq!(typo_distance("kitten", "sitting"), 3);
        assert_eq!(typo_distance("", "ab"), 2);
        assert!(typo_distance("abc", &"x".repeat(10_000)) > 2);
    }

    #[test]
    fn explanation_highlights_matching_words() {
        let query = parse_query("spring sale").expect("valid");
        let values = SearchableValues {
            name: "Ana Ruiz".to_string(),
            email: Some("ana@example.com"),
            status: "sold",
            source: "Spring Promo",
            fields: vec![("utm_campaign".to_string(), "spring-sale-2024".to_string())],
            ..values()
        };
        let matched = explain_match(&query, &values);
        let fields: Vec<&str> = matched.iter().map(|field| field.field.as_str()).collect();
        assert_eq!(fields, ["Source", "utm_campaign"], "{matched:?}");
        assert_eq!(matched[0].highlights, vec![(0, 6)]);
        assert_eq!(matched[1].highlights, vec![(0, 6), (7, 11)]);
    }

    #[test]
    fn explanation_covers_words_spread_over_values() {
        let query = parse_query("firefox/121.0 4567").expect("valid");
        let values = SearchableValues {
            name: "Ana Ruiz".to_string(),
            phone: Some("(555) 123-4567"),
            ip: Some("10.121.0.3"),
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64; rv:122.0) Gecko/20100101 Firefox/122.0"),
            ..values()
        };
        let matched = explain_match(&query, &values);
        let fields: Vec<&str> = matched.iter().map(|field| field.field.as_str()).collect();
        assert_eq!(fields, ["Phone", "IP", "User agent"], "{matched:?}");
    }

    #[test]
    fn phone_like_text_marks_only_what_matched() {
        let values = SearchableValues {
            phone: Some("(555) 123-4567"),
            fields: vec![("notes".to_string(), "2024-06-01 follow-up call".to_string())],
            ..values()
        };
        let by_country_code = explain_match(&parse_query("+1 555 123 4567").expect("valid"), &values);
        assert_eq!(by_country_code[0].field, "Phone", "the number found without its country code");
        let by_year = explain_match(&parse_query("2024").expect("valid"), &values);
        assert_eq!(by_year.len(), 1, "{by_year:?}");
        assert_eq!(by_year[0].field, "notes");
        assert_eq!(by_year[0].highlights, vec![(0, 4)]);
        assert_eq!(national_numbers("15551234567"), vec!["5551234567"]);
        assert!(national_numbers("5551234").is_empty());
    }

    #[test]
    fn phone_matches_mark_the_matching_digits() {
        let with_phone = |phone: &'static str| SearchableValues { phone: Some(phone), ..values() };
        let last_four = explain_match(&parse_query("0001").expect("valid"), &with_phone("(555) 020-0001"));
        assert_eq!(last_four[0].highlights, vec![(10, 14)]);
        let area = explain_match(&parse_query("555 020").expect("valid"), &with_phone("(555) 020-0001"));
        assert_eq!(area[0].highlights, vec![(1, 4), (6, 9)]);
        let whole = explain_match(&parse_query("+1 555 020 0001").expect("valid"), &with_phone("(555) 020-0001"));
        assert_eq!(whole[0].highlights, vec![(1, 14)]);
        let error = parse_query("5").unwrap_err().to_string();
        assert!(error.contains("\"5\""), "{error}");
        assert!(error.contains("at least two"), "{error}");
    }

    #[test]
    fn prefix_matches_mark_the_typed_letters() {
        let query = parse_query("zoe").expect("valid");
        let values = SearchableValues {
            name: "Zoëhoffmann Lee".to_string(),
            ..values()
        };
        let matched = explain_match(&query, &values);
        assert_eq!(matched[0].highlights, vec![(0, 4)], "Zoë is four bytes: {matched:?}");
    }

    #[test]
    fn long_values_are_cut_around_the_match() {
        let note = format!("{}needle{}", "a ".repeat(200), " b".repeat(200));
        let query = parse_query("needle").expect("valid");
        let values = SearchableValues {
            fields: vec![("notes".to_string(), note)],
            ..values()
        };
        let matched = explain_match(&query, &values);
        assert!(matched[0].value.len() <= MAX_EXCERPT_BYTES + 6, "{}", matched[0].value.len());
        assert!(matched[0].value.starts_with('…'));
        assert!(matched[0].value.ends_with('…'));
        let (start, end) = matched[0].highlights[0];
        assert_eq!(&matched[0].value[start..end], "needle");
    }

    #[test]
    fn prefix_match_allows_one_typo() {
        assert!(word_matches("wiliam", "williams", true));
        assert!(!word_matches("acme", "amex", true), "four letters being typed get no typo");
        assert!(!word_matches("2024", "2025", false), "numbers get no typo");
        assert!(!word_matches("wiliam", "williams", false), "a finished word keeps its typo limit");
        assert!(!word_matches("zz", "zara", true));
    }

    #[test]
    fn explanation_of_a_misspelled_email_marks_the_address() {
        let query = parse_query("john@gmal.com").expect("valid");
        let values = SearchableValues {
            name: "John Smith".to_string(),
            email: Some("John@Gmail.com"),
            phone: Some("555 0100"),
            ..values()
        };
        let matched = explain_match(&query, &values);
        assert_eq!(matched[0].field, "Email");
        assert_eq!(matched[0].highlights, vec![(0, 14)]);
    }
}
