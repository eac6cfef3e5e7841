//! The lead view as it travels in the URL: filters, sort and paging. One pair
//! of functions parses it from a query string and prints it back, so a reload,
//! back/forward and a pasted link all restore the same view.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::contact::trim_value;
use crate::format::{parse_query_pairs, query_string};
use crate::model::{LeadStatus, PageRequest, DEFAULT_PAGE_SIZE};

/// Query parameters a lead view understands, in the order they are printed.
pub const PARAMS: [&str; 15] = [
    "q", "mode", "source", "name", "email", "phone", "status", "from", "to", "tz", "sort", "page", "size", "after", "before",
];

/// Maximum length of a text filter, in characters. Longer values are pasted
/// rows or documents, never something an operator searches for.
pub const MAX_FILTER_CHARS: usize = 200;

/// Conditions on the leads a view shows. Every condition that is set must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadFilter {
    pub source_id: Option<i64>,
    /// Case- and accent-insensitive substring of first, last or full name.
    pub name: Option<String>,
    /// Case-insensitive substring of the email address.
    pub email: Option<String>,
    /// Compared by digits alone; always contains at least one digit.
    pub phone: Option<String>,
    /// Any of these statuses; empty means every status.
    pub statuses: Vec<LeadStatus>,
    /// First day included, in `time_zone`.
    pub created_from: Option<NaiveDate>,
    /// Last day included, in `time_zone`.
    pub created_to: Option<NaiveDate>,
    /// IANA zone that the day boundaries are taken in; UTC when unset.
    pub time_zone: Option<String>,
    /// Advanced Search text: typo-tolerant search over every field, results
    /// ordered by relevance.
    pub query: Option<String>,
}

impl LeadFilter {
    /// Returns whether any condition other than the source is set.
    pub fn is_narrowed(&self) -> bool {
        self.query.is_some()
            || self.name.is_some()
            || self.email.is_some()
            || self.phone.is_some()
            || !self.statuses.is_empty()
            || self.created_from.is_some()
            || self.created_to.is_some()
    }

    /// Returns whether no condition at all is set, the source included.
    pub fn is_empty(&self) -> bool {
        self.source_id.is_none() && !self.is_narrowed()
    }

    /// Checks rules that span several parameters: a date range must not end
    /// before it starts.
    pub fn validate(&self) -> Result<(), ParamError> {
        if let (Some(from), Some(to)) = (self.created_from, self.created_to) {
            if from > to {
                return Err(ParamError {
                    param: "from".to_string(),
                    value: from.to_string(),
                    message: format!("the start date is after the end date {to}; swap the dates"),
                });
            }
        }
        if self.query.is_some() {
            let substring = [("name", &self.name), ("email", &self.email), ("phone", &self.phone)]
                .into_iter()
                .find_map(|(param, value)| value.as_ref().map(|value| (param, value)));
            if let Some((param, value)) = substring {
                return Err(ParamError {
                    param: param.to_string(),
                    value: value.clone(),
                    message: format!("the {param} filter does not combine with Advanced Search; add it to the search text instead"),
                });
            }
        }
        Ok(())
    }
}

/// Columns a lead table can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortColumn {
    CreatedAt,
    Name,
    Email,
    Phone,
    Status,
    Source,
}

impl SortColumn {
    pub const ALL: [SortColumn; 6] =
        [SortColumn::CreatedAt, SortColumn::Name, SortColumn::Email, SortColumn::Phone, SortColumn::Status, SortColumn::Source];

    /// Returns the name used in the `sort` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::CreatedAt => "created_at",
            SortColumn::Name => "name",
            SortColumn::Email => "email",
            SortColumn::Phone => "phone",
            SortColumn::Status => "status",
            SortColumn::Source => "source",
        }
    }

    fn parse(value: &str) -> Option<SortColumn> {
        SortColumn::ALL.into_iter().find(|column| column.as_str() == value)
    }
}

/// Sort order of a lead table. The lead id always breaks ties, in the same
/// direction, so pages never repeat or skip rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadSort {
    pub column: SortColumn,
    pub descending: bool,
}

impl Default for LeadSort {
    /// Newest first.
    fn default() -> Self {
        LeadSort { column: SortColumn::CreatedAt, descending: true }
    }
}

impl LeadSort {
    /// Returns the `sort` parameter value: the column name, with `-` for descending.
    pub fn to_param(self) -> String {
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{}", self.column.as_str())
    }

    fn parse(value: &str) -> Option<LeadSort> {
        let (descending, name) = match value.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, value),
        };
        SortColumn::parse(name).map(|column| LeadSort { column, descending })
    }
}

/// A query parameter that could not be used, with the accepted values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamError {
    pub param: String,
    pub value: String,
    pub message: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} {:?}: {}", self.param, self.value, self.message)
    }
}

/// Where a page starts, given by a lead on the page next to it. The Next and
/// Previous links carry one, so that a deep page reads from an index position
/// instead of skipping every earlier row. The page number still names the
/// page; without a cursor the page is found by counting rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageCursor {
    /// The page contains the leads right after this one, in the view's order.
    After(i64),
    /// The page contains the leads right before this one.
    Before(i64),
}

/// Everything a lead table shows: filter, sort and page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadView {
    pub filter: LeadFilter,
    pub sort: LeadSort,
    pub page: PageRequest,
    pub cursor: Option<PageCursor>,
    /// Whether the Advanced Search box shows: set by `mode=advanced` before
    /// anything is typed, and always with a search text.
    pub advanced: bool,
}

impl LeadView {
    /// Returns whether the view is an Advanced Search: results by relevance.
    pub fn is_search(&self) -> bool {
        self.filter.query.is_some()
    }

    /// Returns whether the Advanced Search box shows.
    pub fn shows_search(&self) -> bool {
        self.advanced || self.is_search()
    }
}

impl LeadView {
    /// Parses a raw query string (without `?`), percent-decoding names and values.
    pub fn from_query_string(query: &str) -> (LeadView, Vec<ParamError>) {
        let pairs = parse_query_pairs(query);
        LeadView::from_pairs(pairs.iter().map(|(name, value)| (name.as_str(), value.as_str())))
    }

    /// Parses decoded parameters. An invalid or unknown parameter is reported
    /// and its default used instead, so a bad link still shows a table. Callers
    /// that must reject bad input, such as the JSON API, check the returned
    /// errors. A repeated parameter takes its last value.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (LeadView, Vec<ParamError>) {
        let mut view = LeadView::default();
        let mut errors = Vec::new();
        let mut page = None;
        let mut size = None;
        let mut sort_given = None;
        let mut error = |param: &str, value: &str, message: String| {
            errors.push(ParamError { param: param.to_string(), value: value.to_string(), message });
        };

        for (name, raw) in pairs {
            match name {
                "source" => match raw.trim().parse::<i64>() {
                    Ok(id) if id > 0 => view.filter.source_id = Some(id),
                    _ if raw.trim().is_empty() => view.filter.source_id = None,
                    _ => error(name, raw, "expected a source id, a whole number from 1".to_string()),
                },
                "q" => view.filter.query = parse_query_text(raw, &mut error),
                "mode" => match raw.trim() {
                    "advanced" => view.advanced = true,
                    "" | "basic" => view.advanced = false,
                    _ => error(name, raw, "expected advanced or basic".to_string()),
                },
                "name" => view.filter.name = parse_text(name, raw, &mut error),
                "email" => view.filter.email = parse_text(name, raw, &mut error),
                "phone" => {
                    let phone = parse_text(name, raw, &mut error);
                    view.filter.phone = match phone {
                        Some(phone) if !phone.chars().any(|c| c.is_ascii_digit()) => {
                            error(name, raw, "a phone filter needs at least one digit".to_string());
                            None
                        }
                        phone => phone,
                    };
                }
                "status" => view.filter.statuses = parse_statuses(raw, &mut error),
                "from" => view.filter.created_from = parse_date(name, raw, &mut error),
                "to" => view.filter.created_to = parse_date(name, raw, &mut error),
                "tz" => view.filter.time_zone = parse_time_zone(raw, &mut error),
                "sort" => match LeadSort::parse(raw.trim()) {
                    Some(sort) => {
                        view.sort = sort;
                        sort_given = Some(raw);
                    }
                    None if raw.trim().is_empty() => view.sort = LeadSort::default(),
                    None => error(name, raw, sort_help()),
                },
                "page" => page = Some(raw),
                "size" => size = Some(raw),
                "after" | "before" if view.cursor.is_some() => {
                    error(name, raw, "a page starts either after or before a lead, not both; remove one".to_string())
                }
                "after" | "before" => match raw.trim().parse::<i64>() {
                    Ok(id) if id > 0 => {
                        view.cursor = Some(if name == "after" { PageCursor::After(id) } else { PageCursor::Before(id) })
                    }
                    _ if raw.trim().is_empty() => {}
                    _ => error(name, raw, "expected a lead id, a whole number from 1; counting rows instead".to_string()),
                },
                _ => error(name, raw, format!("unknown parameter; expected one of {}", PARAMS.join(", "))),
            }
        }

        let (request, paging_errors) = PageRequest::from_query(page, size);
        view.page = request;
        errors.extend(paging_errors);
        if view.shows_search() {
            // Reported one by one and dropped, so the search still runs and
            // no filter hides behind the search box.
            for (param, value) in [("name", &mut view.filter.name), ("email", &mut view.filter.email), ("phone", &mut view.filter.phone)] {
                if let Some(text) = value.take() {
                    errors.push(ParamError {
                        param: param.to_string(),
                        value: text,
                        message: format!("the {param} filter does not combine with Advanced Search; add it to the search text instead"),
                    });
                }
            }
        }
        if let Err(range_error) = view.filter.validate() {
            errors.push(range_error);
        }
        if view.is_search() {
            view.advanced = true;
            if let Some(raw) = sort_given {
                errors.push(ParamError {
                    param: "sort".to_string(),
                    value: raw.to_string(),
                    message: "search results are ordered by relevance; remove sort, or clear the search to sort".to_string(),
                });
                view.sort = LeadSort::default();
            }
            // Search pages are numbered; a cursor belongs to a sorted table.
            view.cursor = None;
        }
        (view, errors)
    }

    /// Prints the view as a query string (without `?`) that
    /// [`LeadView::from_query_string`] parses back to the same view. Values at
    /// their defaults are left out, so links stay short.
    pub fn to_query_string(&self) -> String {
        let filter = &self.filter;
        let statuses = (!filter.statuses.is_empty())
            .then(|| filter.statuses.iter().map(|status| status.as_str()).collect::<Vec<_>>().join(","));
        let sort = (self.sort != LeadSort::default()).then(|| self.sort.to_param());
        let page = (self.page.page != 1).then(|| self.page.page.to_string());
        let size = (self.page.size != DEFAULT_PAGE_SIZE).then(|| self.page.size.to_string());
        let (after, before) = match self.cursor {
            Some(PageCursor::After(id)) => (Some(id.to_string()), None),
            Some(PageCursor::Before(id)) => (None, Some(id.to_string())),
            None => (None, None),
        };
        let mode = (self.advanced && filter.query.is_none()).then(|| "advanced".to_string());
        query_string([
            ("q", filter.query.clone()),
            ("mode", mode),
            ("source", filter.source_id.map(|id| id.to_string())),
            ("name", filter.name.clone()),
            ("email", filter.email.clone()),
            ("phone", filter.phone.clone()),
            ("status", statuses),
            ("from", filter.created_from.map(|date| date.to_string())),
            ("to", filter.created_to.map(|date| date.to_string())),
            ("tz", filter.time_zone.clone()),
            ("sort", sort),
            ("page", page),
            ("size", size),
            ("after", after),
            ("before", before),
        ])
    }
}

/// The address of a lead table, as the detail view remembers the table it was
/// opened from: `/leads?…` or `/sources/{id}/leads?…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableLink {
    /// The table's view, with the source of a source's table in its filter.
    pub view: LeadView,
}

impl TableLink {
    /// Parses a table address. Anything else, such as another site's address,
    /// is `None`, so the detail view never links away from Leadbase.
    pub fn parse(address: &str) -> Option<TableLink> {
        let (path, query) = address.split_once('?').unwrap_or((address, ""));
        let source_id = if path == "/leads" {
            None
        } else {
            let id = path.strip_prefix("/sources/")?.strip_suffix("/leads")?;
            Some(id.parse::<i64>().ok().filter(|id| *id > 0)?)
        };
        let (mut view, _ignored) = LeadView::from_query_string(query);
        if source_id.is_some() {
            view.filter.source_id = source_id;
        }
        Some(TableLink { view })
    }
}

fn sort_help() -> String {
    let names: Vec<&str> = SortColumn::ALL.iter().map(|column| column.as_str()).collect();
    format!("expected one of {}, with - in front for descending", names.join(", "))
}

fn parse_text(name: &str, raw: &str, error: &mut impl FnMut(&str, &str, String)) -> Option<String> {
    let value = trim_value(raw);
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > MAX_FILTER_CHARS {
        error(name, raw, format!("longer than {MAX_FILTER_CHARS} characters; shorten it"));
        return None;
    }
    if let Some(control) = value.chars().find(|c| c.is_control()) {
        error(name, raw, format!("contains the control character U+{:04X}; remove it", u32::from(control)));
        return None;
    }
    Some(value.to_string())
}

/// Keeps a search text's inner spacing and its trailing space, which marks the
/// last word as complete rather than a prefix.
fn parse_query_text(raw: &str, error: &mut impl FnMut(&str, &str, String)) -> Option<String> {
    let value = raw.trim_start();
    if trim_value(value).is_empty() {
        return None;
    }
    if value.chars().count() > MAX_FILTER_CHARS {
        error("q", raw, format!("longer than {MAX_FILTER_CHARS} characters; shorten it"));
        return None;
    }
    if let Some(control) = value.chars().find(|c| c.is_control() && !c.is_whitespace()) {
        error("q", raw, format!("contains the control character U+{:04X}; remove it", u32::from(control)));
        return None;
    }
    Some(value.to_string())
}

fn parse_statuses(raw: &str, error: &mut impl FnMut(&str, &str, String)) -> Vec<LeadStatus> {
    let mut wanted = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        match part.parse::<LeadStatus>() {
            Ok(status) => wanted.push(status),
            Err(_) => error("status", part, "expected one of active, sold, duplicate, rejected, suppressed".to_string()),
        }
    }
    // The canonical order keeps one URL per set of statuses.
    LeadStatus::ALL.into_iter().filter(|status| wanted.contains(status)).collect()
}

fn parse_date(name: &str, raw: &str, error: &mut impl FnMut(&str, &str, String)) -> Option<NaiveDate> {
    let value = raw.trim();
    if value.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        // Years outside this range are typos, and PostgreSQL cannot store some.
        Ok(date) if (1900..=9999).contains(&chrono::Datelike::year(&date)) => Some(date),
        _ => {
            error(name, raw, "expected a date as YYYY-MM-DD from 1900 to 9999, such as 2024-03-10".to_string());
            None
        }
    }
}

/// Checks the shape of an IANA zone name. Whether the zone exists is checked on
/// the server, which has the zone database.
fn parse_time_zone(raw: &str, error: &mut impl FnMut(&str, &str, String)) -> Option<String> {
    let value = raw.trim();
    if value.is_empty() {
        return None;
    }
    let well_formed = value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    if !well_formed {
        error("tz", raw, "expected an IANA time zone such as Europe/Berlin or UTC".to_string());
        return None;
    }
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> (LeadView, Vec<ParamError>) {
        LeadView::from_query_string(query)
    }

    #[test]
    fn empty_query_is_default_view() {
        assert_eq!(parse(""), (LeadView::default(), vec![]));
        assert_eq!(LeadView::default().to_query_string(), "");
    }

    #[test]
    fn every_parameter_parses() {
        let (view, errors) = parse(
            "source=3&name=Jos%C3%A9&email=ACME.example&phone=%2B1%20555&status=sold,active\
             &from=2024-03-01&to=2024-03-31&tz=Europe/Berlin&sort=-email&page=2&size=25",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(view.filter.source_id, Some(3));
        assert_eq!(view.filter.name.as_deref(), Some("José"));
        assert_eq!(view.filter.email.as_deref(), Some("ACME.example"));
        assert_eq!(view.filter.phone.as_deref(), Some("+1 555"));
        assert_eq!(view.filter.statuses, [LeadStatus::Active, LeadStatus::Sold]);
        assert_eq!(view.filter.created_from, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(view.filter.created_to, NaiveDate::from_ymd_opt(2024, 3, 31));
        assert_eq!(view.filter.time_zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(view.sort, LeadSort { column: SortColumn::Email, descending: true });
        assert_eq!(view.page, PageRequest { page: 2, size: 25 });
    }

    #[test]
    fn plus_decodes_as_space() {
        assert_eq!(parse("name=Mary+Ann").0.filter.name.as_deref(), Some("Mary Ann"));
        assert_eq!(parse("email=jane%2B").0.filter.email.as_deref(), Some("jane+"));
    }

    #[test]
    fn invalid_values_are_reported_and_ignored() {
        let (view, errors) = parse("status=sold,won&from=03/10/2024&sort=age&bogus=1&phone=()-&name=a%00b&to=-5000-01-01");
        assert_eq!(view.filter.statuses, [LeadStatus::Sold]);
        assert_eq!(view.filter.created_from, None);
        assert_eq!(view.filter.phone, None);
        assert_eq!(view.sort, LeadSort::default());
        let params: Vec<&str> = errors.iter().map(|error| error.param.as_str()).collect();
        assert_eq!(params, ["status", "from", "sort", "bogus", "phone", "name", "to"]);
        assert_eq!(errors[0].to_string(), "invalid status \"won\": expected one of active, sold, duplicate, rejected, suppressed");
        assert!(errors[2].message.contains("created_at, name, email"), "{}", errors[2]);
        assert!(errors[4].message.contains("at least one digit"), "{}", errors[4]);
    }

    #[test]
    fn inverted_range_keeps_both_dates() {
        let (view, errors) = parse("from=2024-03-11&to=2024-03-10");
        assert_eq!(view.filter.created_from, NaiveDate::from_ymd_opt(2024, 3, 11));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("after the end date"), "{}", errors[0]);
        assert!(view.filter.validate().is_err());
    }

    #[test]
    fn filter_values_are_trimmed() {
        let view = parse("email=%20JANE%40EXAMPLE.COM%C2%A0").0;
        assert_eq!(view.filter.email.as_deref(), Some("JANE@EXAMPLE.COM"));
    }

    #[test]
    fn statuses_print_in_canonical_order() {
        let view = parse("status=suppressed,active,suppressed").0;
        assert_eq!(view.to_query_string(), "status=active%2Csuppressed");
    }

    #[test]
    fn cursor_parses_and_rejects_non_ids() {
        assert_eq!(parse("page=7&after=120").0.cursor, Some(PageCursor::After(120)));
        assert_eq!(parse("page=6&before=99").0.cursor, Some(PageCursor::Before(99)));
        let (view, errors) = parse("page=2&after=abc");
        assert_eq!(view.cursor, None);
        assert_eq!(errors[0].param, "after");
        assert!(errors[0].message.contains("counting rows instead"), "{}", errors[0]);
        assert_eq!(parse("after=0").1[0].param, "after");
        let (view, errors) = parse("after=5&before=9");
        assert_eq!(view.cursor, Some(PageCursor::After(5)));
        assert_eq!(errors[0].param, "before");
    }

    #[test]
    fn table_links_accept_only_lead_tables() {
        let link = TableLink::parse("/sources/4/leads?status=sold&sort=name").expect("a source table");
        assert_eq!(link.view.filter.source_id, Some(4));
        assert_eq!(link.view.filter.statuses, [LeadStatus::Sold]);
        assert_eq!(link.view.sort.column, SortColumn::Name);
        assert_eq!(TableLink::parse("/leads").expect("all leads").view, LeadView::default());
        for other in ["https://evil.example/leads", "//evil.example/leads", "/sources/x/leads", "/sources/4", "/leads/5", ""] {
            assert_eq!(TableLink::parse(other), None, "{other}");
        }
    }

    #[test]
    fn search_keeps_trailing_space_drops_sort() {
        let (view, errors) = parse("q=john%40gmal.com+&sort=name&after=5&page=2&status=sold");
        assert_eq!(view.filter.query.as_deref(), Some("john@gmal.com "));
        assert!(view.is_search());
        assert!(view.shows_search());
        assert_eq!(view.sort, LeadSort::default());
        assert_eq!(view.cursor, None);
        assert_eq!(view.page.page, 2);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].param, "sort");
        assert!(errors[0].message.contains("relevance"), "{}", errors[0]);
    }

    #[test]
    fn search_drops_substring_filters() {
        let (view, errors) = parse("q=ana&email=gmail");
        assert_eq!(view.filter.email, None);
        assert_eq!(errors[0].param, "email");
        assert!(errors[0].message.contains("add it to the search text"), "{}", errors[0]);
        let (view, errors) = parse("mode=advanced");
        assert!(view.advanced);
        assert!(!view.is_search());
        assert!(errors.is_empty());
        assert_eq!(view.to_query_string(), "mode=advanced");
        assert_eq!(parse("mode=fancy").1[0].param, "mode");
        // The search box replaces the substring filters, so none stays hidden.
        let (view, errors) = parse("mode=advanced&name=kim");
        assert_eq!((view.filter.name, errors[0].param.as_str()), (None, "name"));
    }

    #[test]
    fn reserved_characters_round_trip() {
        let mut view = LeadView::default();
        view.filter.name = Some("Zoë & \"Ann\" #1 50% 😀".to_string());
        view.filter.email = Some("jane+promo@example.com".to_string());
        let printed = view.to_query_string();
        assert_eq!(parse(&printed), (view, vec![]));
    }
}

#[cfg(test)]
mod round_trip {
    use proptest::prelude::*;

    use super::*;

    /// Text as the parser leaves it: trimmed and not empty.
    fn filter_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(
            "\\PC{1,40}".prop_map(|text| trim_value(&text).to_string()).prop_filter("non-empty", |text| !text.is_empty()),
        )
    }

    fn phone_text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[0-9][0-9 +()\\-.%&#]{0,20}".prop_map(|text| trim_value(&text).to_string()))
    }

    fn date() -> impl Strategy<Value = Option<NaiveDate>> {
        proptest::option::of((1990i32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| {
            NaiveDate::from_ymd_opt(y, m, d).expect("day 1-28 exists in every month")
        }))
    }

    fn view() -> impl Strategy<Value = LeadView> {
        (
            proptest::option::of(1i64..i64::MAX),
            filter_text(),
            filter_text(),
            phone_text(),
            proptest::sample::subsequence(LeadStatus::ALL.to_vec(), 0..=5),
            date(),
            date(),
            proptest::option::of(proptest::sample::select(vec!["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])),
            (proptest::sample::select(SortColumn::ALL.to_vec()), any::<bool>()),
            (1u32..100_000, proptest::sample::select(crate::model::PAGE_SIZES.to_vec())),
            proptest::option::of((any::<bool>(), 1i64..i64::MAX)),
            (proptest::option::of("\\PC{1,40}".prop_map(|text| text.trim_start().to_string()).prop_filter("has text", |text| !trim_value(text).is_empty())), any::<bool>()),
        )
            .prop_map(|(source_id, name, email, phone, statuses, from, to, zone, (column, descending), (page, size), cursor, (query, advanced))| {
                // An inverted range is an error by design; keep generated ranges valid.
                let (created_from, created_to) = match (from, to) {
                    (Some(from), Some(to)) if from > to => (Some(to), Some(from)),
                    range => range,
                };
                let mut view = LeadView {
                    filter: LeadFilter {
                        source_id,
                        name,
                        email,
                        phone,
                        statuses,
                        created_from,
                        created_to,
                        time_zone: zone.map(str::to_string),
                        query: None,
                    },
                    sort: LeadSort { column, descending },
                    page: PageRequest { page, size },
                    cursor: cursor.map(|(after, id)| if after { PageCursor::After(id) } else { PageCursor::Before(id) }),
                    advanced,
                };
                // The search box replaces the substring filters.
                if view.advanced {
                    view.filter.name = None;
                    view.filter.email = None;
                    view.filter.phone = None;
                }
                // A search orders by relevance.
                if let Some(query) = query {
                    view.filter.query = Some(query);
                    view.advanced = true;
                    view.filter.name = None;
                    view.filter.email = None;
                    view.filter.phone = None;
                    view.sort = LeadSort::default();
                    view.cursor = None;
                }
                view
            })
    }

    proptest! {
        #[test]
        fn printed_view_parses_back_unchanged(view in view()) {
            let printed = view.to_query_string();
            let (parsed, errors) = LeadView::from_query_string(&printed);
            prop_assert!(errors.is_empty(), "{errors:?} for {printed}");
            prop_assert_eq!(parsed, view);
        }
    }
}
