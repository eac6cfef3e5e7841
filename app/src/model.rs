//! Types shared by the server and the browser.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::filter::ParamError;

/// Stage of a lead's life: the five statuses operators work with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "lead_status", rename_all = "lowercase"))]
pub enum LeadStatus {
    Active,
    Sold,
    Duplicate,
    Rejected,
    Suppressed,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::Active,
        LeadStatus::Sold,
        LeadStatus::Duplicate,
        LeadStatus::Rejected,
        LeadStatus::Suppressed,
    ];

    /// Returns the lower-case name used in URLs, the API, CSV files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Active => "active",
            LeadStatus::Sold => "sold",
            LeadStatus::Duplicate => "duplicate",
            LeadStatus::Rejected => "rejected",
            LeadStatus::Suppressed => "suppressed",
        }
    }

    /// Returns the capitalized name shown to operators.
    pub fn label(self) -> &'static str {
        match self {
            LeadStatus::Active => "Active",
            LeadStatus::Sold => "Sold",
            LeadStatus::Duplicate => "Duplicate",
            LeadStatus::Rejected => "Rejected",
            LeadStatus::Suppressed => "Suppressed",
        }
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a status name outside the five known ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid status {0:?}: expected one of active, sold, duplicate, rejected, suppressed")]
pub struct InvalidStatus(pub String);

impl FromStr for LeadStatus {
    type Err = InvalidStatus;

    /// Parses a status name, ignoring case and surrounding spaces.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let wanted = value.trim();
        LeadStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| InvalidStatus(value.to_string()))
    }
}

/// A database source: the bucket that leads land in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Source {
    pub id: i64,
    pub name: String,
    pub lead_count: i64,
    pub created_at: DateTime<Utc>,
}

/// One row of a lead table: the columns the Source Leads screen shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LeadSummary {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: LeadStatus,
    pub created_at: DateTime<Utc>,
    /// Grows by one on every change; a status change names the version it saw.
    pub version: i32,
}

impl LeadSummary {
    /// First and last name joined, or an empty string when both are missing.
    pub fn full_name(&self) -> String {
        join_names(self.first_name.as_deref(), self.last_name.as_deref())
    }
}

fn join_names(first: Option<&str>, last: Option<&str>) -> String {
    [first, last].into_iter().flatten().map(str::trim).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

/// A lead with every stored attribute, for the JSON API and the detail view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct Lead {
    pub id: i64,
    pub source_id: i64,
    pub source_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: LeadStatus,
    /// Custom fields by key, as a JSON object.
    pub fields: serde_json::Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Lead {
    /// First and last name joined, or an empty string when both are missing.
    pub fn full_name(&self) -> String {
        join_names(self.first_name.as_deref(), self.last_name.as_deref())
    }
}

/// Kind of change a history entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    Created,
    StatusChanged,
    /// The lead moved to another source; from and to are source names.
    Moved,
}

impl HistoryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryKind::Created => "created",
            HistoryKind::StatusChanged => "status_changed",
            HistoryKind::Moved => "moved",
        }
    }

    pub fn parse(value: &str) -> Option<HistoryKind> {
        [HistoryKind::Created, HistoryKind::StatusChanged, HistoryKind::Moved].into_iter().find(|kind| kind.as_str() == value)
    }
}

/// Kind of actor behind a change: an operator in the UI, Leadbase itself, or an
/// integration through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    User,
    System,
    Api,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::System => "system",
            ActorKind::Api => "api",
        }
    }

    pub fn parse(value: &str) -> Option<ActorKind> {
        [ActorKind::User, ActorKind::System, ActorKind::Api].into_iter().find(|kind| kind.as_str() == value)
    }
}

/// One entry of a lead's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: HistoryKind,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
    pub actor_kind: ActorKind,
    pub actor_name: String,
    pub reason: Option<String>,
}

impl HistoryEntry {
    /// Returns the earlier value as operators read it: a status label or a source name.
    pub fn from_label(&self) -> String {
        self.value_label(self.from_value.as_deref())
    }

    /// Returns the new value as operators read it.
    pub fn to_label(&self) -> String {
        self.value_label(self.to_value.as_deref())
    }

    fn value_label(&self, value: Option<&str>) -> String {
        match (self.kind, value) {
            (_, None) => String::new(),
            (HistoryKind::Moved, Some(source)) => source.to_string(),
            (_, Some(status)) => status.parse::<LeadStatus>().map(|status| status.label().to_string()).unwrap_or_else(|_| status.to_string()),
        }
    }
}

/// Outcome of a post to a buyer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    Accepted,
    Rejected,
    Error,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Accepted => "accepted",
            AttemptOutcome::Rejected => "rejected",
            AttemptOutcome::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AttemptOutcome::Accepted => "Accepted",
            AttemptOutcome::Rejected => "Rejected",
            AttemptOutcome::Error => "Error",
        }
    }

    pub fn parse(value: &str) -> Option<AttemptOutcome> {
        [AttemptOutcome::Accepted, AttemptOutcome::Rejected, AttemptOutcome::Error].into_iter().find(|outcome| outcome.as_str() == value)
    }
}

/// One post of a lead to a buyer's endpoint, with the request sent and the response received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistributionAttempt {
    pub id: i64,
    pub buyer: String,
    pub endpoint_url: String,
    pub request_payload: serde_json::Value,
    pub response_status: Option<i32>,
    pub response_body: Option<String>,
    pub outcome: AttemptOutcome,
    pub attempted_at: DateTime<Utc>,
    pub duration_ms: i32,
}

/// A lead with its history, oldest first, and its distribution attempts,
/// newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub lead: Lead,
    pub history: Vec<HistoryEntry>,
    pub attempts: Vec<DistributionAttempt>,
}

/// Result of a status change. Each variant contains the lead's status and version as
/// they are now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusChangeOutcome {
    Changed { status: LeadStatus, version: i32 },
    /// The lead already had the status: nothing changed, nothing was logged.
    Unchanged { status: LeadStatus, version: i32 },
    /// The lead changed since the version the request was based on; nothing
    /// was overwritten.
    Stale { status: LeadStatus, version: i32 },
}

/// The leads right before and after one lead in a table's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neighbours {
    pub previous: Option<i64>,
    pub next: Option<i64>,
}

/// Rows per page that the lead tables offer.
pub const PAGE_SIZES: [u32; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// A 1-based page number and a page size, as carried in the URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, size: DEFAULT_PAGE_SIZE }
    }
}

impl PageRequest {
    /// Reads `page` and `size` from their URL values. A missing or invalid value
    /// takes its default, and each invalid one is returned as an error, so the
    /// page can show what it ignored.
    pub fn from_query(page: Option<&str>, size: Option<&str>) -> (PageRequest, Vec<ParamError>) {
        let mut request = PageRequest::default();
        let mut errors = Vec::new();
        let mut reject = |param: &str, value: &str, message: String| {
            errors.push(ParamError { param: param.to_string(), value: value.to_string(), message });
        };

        if let Some(raw) = page.filter(|raw| !raw.is_empty()) {
            match raw.trim().parse::<u64>() {
                // A page past the last one shows a link back to the last page.
                Ok(number) if number >= 1 => request.page = u32::try_from(number).unwrap_or(u32::MAX),
                _ => reject("page", raw, "expected a whole number from 1; showing page 1".to_string()),
            }
        }
        if let Some(raw) = size.filter(|raw| !raw.is_empty()) {
            match raw.trim().parse::<u32>() {
                Ok(number) if PAGE_SIZES.contains(&number) => request.size = number,
                _ => reject("size", raw, format!("expected 25, 50 or 100; showing {DEFAULT_PAGE_SIZE} per page")),
            }
        }
        (request, errors)
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.size)
    }
}

/// One page of a list, with the total across all pages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub size: u32,
}

impl<T> Page<T> {
    /// Number of the last page, 1 for an empty list.
    pub fn last_page(&self) -> u32 {
        last_page(self.total, self.size)
    }

    /// 1-based positions of the first and last row on this page, or `None` when the
    /// page is empty.
    pub fn row_range(&self) -> Option<(u64, u64)> {
        if self.items.is_empty() {
            return None;
        }
        let first = u64::from(self.page - 1) * u64::from(self.size) + 1;
        Some((first, first + self.items.len() as u64 - 1))
    }
}

/// Number of the last page of `total` rows in pages of `size`, at least 1.
pub fn last_page(total: u64, size: u32) -> u32 {
    let size = u64::from(size.max(1));
    let pages = total.div_ceil(size).max(1);
    u32::try_from(pages).unwrap_or(u32::MAX)
}

/// Maximum number of matches an Advanced Search pages through. Ranking every
/// match of a broad search to show its ten-thousandth page is costly and rarely useful.
pub const MAX_SEARCH_RESULTS: u64 = 10_000;

/// One page of a list without its total, which is counted separately so that
/// loading the rows does not wait for a count over many matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rows<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub size: u32,
    /// Whether rows follow this page.
    pub has_next: bool,
}

/// One page of a lead table, or the reason its filter could not run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadList {
    pub rows: Rows<LeadSummary>,
    /// Reason the filter could not run, such as an unknown time zone. `rows`
    /// is then empty.
    pub filter_error: Option<String>,
    /// Whether the same request may succeed soon, as while the search index
    /// is being built.
    #[serde(default)]
    pub retry: bool,
    /// For an Advanced Search, why each row matched, in row order.
    #[serde(default)]
    pub hits: Vec<SearchHit>,
}

/// A value of a lead that a search matched, with the matching stretches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchedField {
    /// Label of the value: `Email`, `Name`, `Phone`, … or a custom field's key.
    pub field: String,
    pub value: String,
    /// Byte ranges of `value` to highlight, in order, not overlapping.
    pub highlights: Vec<(usize, usize)>,
}

impl MatchedField {
    /// Splits the value into stretches, each marked as matching or not.
    pub fn stretches(&self) -> Vec<(&str, bool)> {
        let mut stretches = Vec::new();
        let mut at = 0;
        for &(start, end) in &self.highlights {
            let (Some(before), Some(marked)) = (self.value.get(at..start), self.value.get(start..end)) else {
                continue;
            };
            if !before.is_empty() {
                stretches.push((before, false));
            }
            stretches.push((marked, true));
            at = end;
        }
        if let Some(rest) = self.value.get(at..).filter(|rest| !rest.is_empty()) {
            stretches.push((rest, false));
        }
        stretches
    }
}

/// One lead found by an Advanced Search: its relevance and why it matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub lead_id: i64,
    pub score: f32,
    pub matched: Vec<MatchedField>,
}

impl From<&Lead> for LeadSummary {
    fn from(lead: &Lead) -> Self {
        LeadSummary {
            id: lead.id,
            source_id: lead.source_id,
            source_name: lead.source_name.clone(),
            first_name: lead.first_name.clone(),
            last_name: lead.last_name.clone(),
            email: lead.email.clone(),
            phone: lead.phone.clone(),
            status: lead.status,
            created_at: lead.created_at,
            version: lead.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matched_value_splits_into_marked_stretches() {
        let matched = MatchedField { field: "Email".to_string(), value: "zoë@acme.io".to_string(), highlights: vec![(0, 4), (6, 10)] };
        assert_eq!(matched.stretches(), vec![("zoë", true), ("@a", false), ("cme.", true), ("io", false)]);
        let broken = MatchedField { field: "Name".to_string(), value: "ab".to_string(), highlights: vec![(1, 9)] };
        assert_eq!(broken.stretches(), vec![("ab", false)]);
    }

    #[test]
    fn status_parses_any_case() {
        assert_eq!("Sold".parse::<LeadStatus>(), Ok(LeadStatus::Sold));
        assert_eq!(" SUPPRESSED ".parse::<LeadStatus>(), Ok(LeadStatus::Suppressed));
    }

    #[test]
    fn status_rejects_unknown_name() {
        let error = "won".parse::<LeadStatus>().unwrap_err();
        assert!(error.to_string().contains("\"won\""));
        assert!(error.to_string().contains("active, sold"));
    }

    #[test]
    fn page_request_defaults_and_notices() {
        assert_eq!(PageRequest::from_query(None, None), (PageRequest::default(), vec![]));

        let (request, errors) = PageRequest::from_query(Some("3"), Some("100"));
        assert_eq!(request, PageRequest { page: 3, size: 100 });
        assert!(errors.is_empty());

        let (request, _) = PageRequest::from_query(Some("99999999999"), None);
        assert_eq!(request.page, u32::MAX);

        let (request, errors) = PageRequest::from_query(Some("0"), Some("7"));
        assert_eq!(request, PageRequest::default());
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].param, "page");
        assert_eq!(errors[1].to_string(), "invalid size \"7\": expected 25, 50 or 100; showing 50 per page");
    }

    #[test]
    fn page_row_range_and_last_page() {
        let page = Page { items: vec![(); 50], total: 12_345, page: 2, size: 50 };
        assert_eq!(page.row_range(), Some((51, 100)));
        assert_eq!(page.last_page(), 247);

        let empty: Page<()> = Page { items: vec![], total: 0, page: 1, size: 50 };
        assert_eq!(empty.row_range(), None);
        assert_eq!(empty.last_page(), 1);
    }
}
