//! The tantivy index behind Advanced Search: its schema, the document a lead
//! becomes, and the query a search becomes. The only module that speaks
//! tantivy; PostgreSQL stays the source of truth and this index can always be
//! rebuilt from it.

use std::ops::Bound;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument, Term};

use super::search_text::{
    allowed_typos, fold, national_numbers, phone_terms, text_terms, EmailParts, ParsedQuery, QueryPart, MIN_NUMBER_PREFIX_DIGITS,
    MIN_PREFIX_CHARS, MIN_PREFIX_TYPO_CHARS,
};
use crate::model::{Lead, LeadStatus};

/// Version of the schema and of the terms a lead is indexed under. An index
/// written with another version is rebuilt at startup.
pub const SCHEMA_VERSION: u32 = 2;

/// Score of each way a query part can match, highest first. A part scores its
/// best match; a lead's score is the sum over the parts.
mod tier {
    pub const EMAIL_EXACT: f32 = 100.0;
    pub const EMAIL_PREFIX: f32 = 60.0;
    pub const EMAIL_ONE_TYPO: f32 = 40.0;
    pub const EMAIL_TWO_TYPOS: f32 = 30.0;
    pub const EMAIL_SAME_MAILBOX: f32 = 20.0;
    pub const EXACT: f32 = 10.0;
    pub const PREFIX: f32 = 6.0;
    pub const ONE_TYPO: f32 = 4.0;
    pub const PREFIX_ONE_TYPO: f32 = 3.0;
    pub const TWO_TYPOS: f32 = 2.0;
}

/// Fields of the index. Text fields hold whole terms that
/// [`super::search_text`] computed, one value per term, so no tantivy
/// tokenizer second-guesses them.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    pub lead_id: Field,
    pub source_id: Field,
    pub status: Field,
    pub created: Field,
    pub email: Field,
    pub email_parts: Field,
    pub name: Field,
    pub phone: Field,
    pub text: Field,
}

pub const LEAD_ID: &str = "lead_id";

/// Builds the schema; the fields are found again by name when an index is opened.
pub fn schema() -> Schema {
    let mut builder = Schema::builder();
    let number = NumericOptions::default().set_indexed().set_fast();
    builder.add_u64_field(LEAD_ID, number.clone());
    builder.add_u64_field("source_id", number.clone());
    builder.add_u64_field("status", number.clone());
    builder.add_i64_field("created", number);
    let terms = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default().set_tokenizer("raw").set_index_option(IndexRecordOption::Basic).set_fieldnorms(false),
    );
    for name in ["email", "email_parts", "name", "phone", "text"] {
        builder.add_text_field(name, terms.clone());
    }
    builder.build()
}

impl Fields {
    pub fn of(schema: &Schema) -> tantivy::Result<Fields> {
        let field = |name: &str| schema.get_field(name);
        Ok(Fields {
            lead_id: field(LEAD_ID)?,
            source_id: field("source_id")?,
            status: field("status")?,
            created: field("created")?,
            email: field("email")?,
            email_parts: field("email_parts")?,
            name: field("name")?,
            phone: field("phone")?,
            text: field("text")?,
        })
    }

    /// Builds the document for a lead.
    pub fn document(&self, lead: &Lead) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.lead_id, lead.id as u64);
        doc.add_u64(self.source_id, lead.source_id as u64);
        doc.add_u64(self.status, status_code(lead.status));
        doc.add_i64(self.created, lead.created_at.timestamp_micros());

        if let Some(email) = lead.email.as_deref().and_then(EmailParts::parse) {
            doc.add_text(self.email, &email.whole);
            for term in email.terms() {
                doc.add_text(self.email_parts, term);
            }
        }
        for value in [&lead.first_name, &lead.last_name].into_iter().flatten() {
            for term in text_terms(value) {
                doc.add_text(self.name, term);
            }
        }
        if let Some(phone) = &lead.phone {
            for term in phone_terms(phone) {
                doc.add_text(self.phone, term);
            }
        }
        let mut text = Vec::new();
        text.push(lead.status.as_str().to_string());
        text.extend(text_terms(&lead.source_name));
        if let Some(ip) = &lead.ip {
            text.push(fold(ip));
        }
        if let Some(user_agent) = &lead.user_agent {
            text.extend(text_terms(user_agent));
        }
        collect_field_values(&lead.fields, &mut |value| text.extend(text_terms(value)));
        text.sort();
        text.dedup();
        for term in text {
            doc.add_text(self.text, term);
        }
        doc
    }
}

/// Calls `visit` with every scalar value in a custom-field JSON document,
/// nested ones included.
pub fn collect_field_values(value: &serde_json::Value, visit: &mut impl FnMut(&str)) {
    match value {
        serde_json::Value::String(text) => visit(text),
        serde_json::Value::Number(number) => visit(&number.to_string()),
        serde_json::Value::Bool(flag) => visit(if *flag { "true" } else { "false" }),
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_field_values(item, visit)),
        serde_json::Value::Object(map) => map.values().for_each(|item| collect_field_values(item, visit)),
        serde_json::Value::Null => {}
    }
}

fn status_code(status: LeadStatus) -> u64 {
    LeadStatus::ALL.iter().position(|candidate| *candidate == status).unwrap_or(0) as u64
}

/// Position of the index in `search_outbox`, kept in each commit's payload
/// so that a restart resumes exactly there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Highest outbox seq applied.
    pub applied_seq: i64,
    /// Seqs below `applied_seq` that were not visible yet when read: their
    /// transactions were still running, or rolled back.
    pub gaps: Vec<Gap>,
    /// Identity of the database followed; another database's seqs mean
    /// other changes.
    #[serde(default)]
    pub database: String,
}

/// A run of outbox seqs not seen yet. Once every transaction with an id up to
/// `horizon` has ended (a snapshot's xmin is above it), the run is read one
/// last time and forgotten.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub from: i64,
    pub to: i64,
    pub horizon: u64,
}

#[derive(Serialize, Deserialize)]
struct CommitPayload {
    schema: u32,
    sync: SyncState,
}

/// Reads the sync state of the index's last commit; `None` when the index has
/// no commit of this schema version.
pub fn committed_state(index: &Index) -> tantivy::Result<Option<SyncState>> {
    let metas = index.load_metas()?;
    let Some(payload) = metas.payload else { return Ok(None) };
    Ok(serde_json::from_str::<CommitPayload>(&payload).ok().filter(|payload| payload.schema == SCHEMA_VERSION).map(|payload| payload.sync))
}

/// Commits the writer's changes together with the sync state they reach.
pub fn commit(writer: &mut IndexWriter, state: &SyncState) -> tantivy::Result<()> {
    let payload = serde_json::to_string(&CommitPayload { schema: SCHEMA_VERSION, sync: state.clone() })
        .expect("the sync state serializes");
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}

/// Creates an empty index in `dir`.
pub fn create(dir: &Path) -> tantivy::Result<Index> {
    Index::create_in_dir(dir, schema())
}

/// Opens the index in `dir`, checking that it has this version's fields.
pub fn open(dir: &Path) -> tantivy::Result<(Index, Fields)> {
    let index = Index::open_in_dir(dir)?;
    let fields = Fields::of(&index.schema())?;
    Ok((index, fields))
}

/// Opens a reader that changes only on `reload`, which the indexer calls
/// right after each commit.
pub fn reader(index: &Index) -> tantivy::Result<IndexReader> {
    index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()
}

/// Removes a lead's document, if any; a later `add_document` in the same
/// commit replaces it.
pub fn delete_lead(writer: &IndexWriter, fields: &Fields, lead_id: i64) {
    writer.delete_term(Term::from_field_u64(fields.lead_id, lead_id as u64));
}

/// Conditions a search applies inside the index, so that pages and totals
/// are exact.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchScope {
    pub source_id: Option<i64>,
    pub statuses: Vec<LeadStatus>,
    /// Inclusive start.
    pub created_from: Option<DateTime<Utc>>,
    /// Exclusive end.
    pub created_to: Option<DateTime<Utc>>,
}

/// One search result: the lead and its relevance.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub lead_id: i64,
    pub score: f32,
}

/// Runs a query: the hits from `offset` on, at most `limit`, best first with
/// the newest lead first among equals, and the number of all matches.
pub fn search(
    reader: &IndexReader,
    fields: &Fields,
    query: &ParsedQuery,
    scope: &SearchScope,
    offset: usize,
    limit: usize,
) -> tantivy::Result<(Vec<Hit>, u64)> {
    let query = build_query(fields, query, scope);
    let searcher = reader.searcher();
    if limit == 0 {
        let total = searcher.search(&query, &Count)?;
        return Ok((Vec::new(), total as u64));
    }
    let top = TopDocs::with_limit(limit).and_offset(offset).tweak_score(move |segment: &SegmentReader| {
        let ids = segment.fast_fields().u64(LEAD_ID).ok();
        move |doc, score: Score| (score, ids.as_ref().and_then(|ids| ids.first(doc)).unwrap_or(0))
    });
    let (top, total) = searcher.search(&query, &(top, Count))?;
    let hits = top
        .into_iter()
        .map(|((score, lead_id), _address): ((Score, u64), DocAddress)| Hit { lead_id: lead_id as i64, score })
        .collect();
    Ok((hits, total as u64))
}

/// Builds the tantivy query: every part of the query must match somewhere,
/// each scoring its best match; the scope must hold and scores nothing.
pub fn build_query(fields: &Fields, query: &ParsedQuery, scope: &SearchScope) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let last = query.parts.len().saturating_sub(1);
    let mut typo_budget = MAX_TYPO_WORDS;
    for (index, part) in query.parts.iter().enumerate() {
        let prefix = query.last_is_prefix && index == last;
        clauses.push((Occur::Must, part_query(fields, part, prefix, &mut typo_budget)));
    }
    for filter in scope_queries(fields, scope) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    BooleanQuery::new(clauses)
}

fn scope_queries(fields: &Fields, scope: &SearchScope) -> Vec<Box<dyn Query>> {
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    if let Some(source_id) = scope.source_id {
        filters.push(Box::new(TermQuery::new(Term::from_field_u64(fields.source_id, source_id as u64), IndexRecordOption::Basic)));
    }
    if !scope.statuses.is_empty() {
        let any_status: Vec<(Occur, Box<dyn Query>)> = scope
            .statuses
            .iter()
            .map(|status| {
                let term = Term::from_field_u64(fields.status, status_code(*status));
                (Occur::Should, Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>)
            })
            .collect();
        filters.push(Box::new(BooleanQuery::new(any_status)));
    }
    if scope.created_from.is_some() || scope.created_to.is_some() {
        let bound = |instant: Option<DateTime<Utc>>, inclusive: bool| match instant {
            None => Bound::Unbounded,
            Some(at) => {
                let term = Term::from_field_i64(fields.created, at.timestamp_micros());
                if inclusive { Bound::Included(term) } else { Bound::Excluded(term) }
            }
        };
        filters.push(Box::new(RangeQuery::new(bound(scope.created_from, true), bound(scope.created_to, false))));
    }
    filters
}

fn scored(query: impl Query, score: f32) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(Box::new(query), score))
}

fn exact(field: Field, term: &str) -> TermQuery {
    TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::Basic)
}

fn fuzzy(field: Field, term: &str, distance: u8) -> FuzzyTermQuery {
    FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true)
}

fn starts_with(field: Field, term: &str) -> FuzzyTermQuery {
    FuzzyTermQuery::new_prefix(Term::from_field_text(field, term), 0, true)
}

/// Most words of a query looked up with typos; later words match exactly or
/// as prefixes, so that a long pasted text stays fast.
const MAX_TYPO_WORDS: usize = 12;

fn part_query(fields: &Fields, part: &QueryPart, prefix: bool, typo_budget: &mut usize) -> Box<dyn Query> {
    match part {
        QueryPart::Email(email) => {
            let mut ways: Vec<Box<dyn Query>> = vec![scored(exact(fields.email, &email.whole), tier::EMAIL_EXACT)];
            if prefix {
                ways.push(scored(starts_with(fields.email, &email.whole), tier::EMAIL_PREFIX));
            }
            let typos = allowed_typos(email.whole.chars().count());
            if typos >= 1 {
                ways.push(scored(fuzzy(fields.email, &email.whole, 1), tier::EMAIL_ONE_TYPO));
            }
            if typos >= 2 {
                ways.push(scored(fuzzy(fields.email, &email.whole, 2), tier::EMAIL_TWO_TYPOS));
            }
            // The same mailbox under another tag: kim+sub@ for kim@.
            ways.push(scored(exact(fields.email_parts, &email.mailbox()), tier::EMAIL_SAME_MAILBOX));
            Box::new(DisjunctionMaxQuery::new(ways))
        }
        QueryPart::Phone { digits, text } => {
            let mut ways: Vec<Box<dyn Query>> = vec![scored(exact(fields.phone, digits), tier::EXACT)];
            // As typed, the chunk may be a value of its own or the start of an IP.
            ways.push(scored(exact(fields.text, text), tier::EXACT * TEXT_WEIGHT));
            if prefix {
                ways.push(scored(starts_with(fields.text, text), tier::PREFIX * TEXT_WEIGHT));
            }
            if prefix {
                ways.push(scored(starts_with(fields.phone, digits), tier::PREFIX));
            }
            // A number typed with a country code the stored one lacks:
            // `+1 555 123 4567` for `(555) 123-4567`.
            for national in national_numbers(digits) {
                ways.push(scored(exact(fields.phone, national), tier::EXACT * 0.8));
            }
            // Digits also appear in custom fields, IPs and the like.
            ways.push(scored(exact(fields.text, digits), tier::EXACT * TEXT_WEIGHT));
            Box::new(DisjunctionMaxQuery::new(ways))
        }
        QueryPart::Words { whole, words } => {
            let last = words.len().saturating_sub(1);
            let each_word: Vec<(Occur, Box<dyn Query>)> = words
                .iter()
                .enumerate()
                .map(|(index, word)| (Occur::Must, word_query(fields, word, prefix && index == last, typo_budget)))
                .collect();
            let by_words: Box<dyn Query> = Box::new(BooleanQuery::new(each_word));
            match whole {
                None => by_words,
                Some(whole) => {
                    let weight = tier::EXACT * words.len() as f32;
                    let mut whole_value = vec![
                        scored(exact(fields.text, whole), weight * TEXT_WEIGHT),
                        scored(exact(fields.email_parts, whole), weight),
                    ];
                    if prefix {
                        // The start of a value typed so far, such as `203.0.113`
                        // of an IP address.
                        whole_value.push(scored(starts_with(fields.text, whole), tier::PREFIX * TEXT_WEIGHT));
                        whole_value.push(scored(starts_with(fields.email_parts, whole), tier::PREFIX));
                    }
                    Box::new(DisjunctionMaxQuery::new(vec![Box::new(DisjunctionMaxQuery::new(whole_value)), by_words]))
                }
            }
        }
    }
}

/// How much a match in each field counts. Operators search by names and
/// email addresses, so status, source, user agent and custom field words
/// count less: `wind` puts Windsor above every Windows user agent.
const NAME_WEIGHT: f32 = 1.0;
const TEXT_WEIGHT: f32 = 0.7;

/// Builds the lookup of one word in every field that contains words. A
/// number of three or more digits also matches the start of a phone number
/// at any position in the query, as in `555 doe`. Numbers are never matched with typos.
fn word_query(fields: &Fields, word: &str, prefix: bool, typo_budget: &mut usize) -> Box<dyn Query> {
    let chars = word.chars().count();
    let number = word.chars().all(|c| c.is_ascii_digit());
    let mut typos = if number { 0 } else { allowed_typos(chars) };
    if typos > 0 {
        if *typo_budget == 0 {
            typos = 0;
        } else {
            *typo_budget -= 1;
        }
    }
    let mut ways: Vec<Box<dyn Query>> = Vec::new();
    for (field, weight) in [(fields.name, NAME_WEIGHT), (fields.email_parts, NAME_WEIGHT), (fields.text, TEXT_WEIGHT)] {
        ways.push(scored(exact(field, word), tier::EXACT * weight));
        if prefix && chars >= MIN_PREFIX_CHARS {
            ways.push(scored(starts_with(field, word), tier::PREFIX * weight));
        }
        if typos >= 1 {
            ways.push(scored(fuzzy(field, word, 1), tier::ONE_TYPO * weight));
        }
        if typos >= 2 {
            ways.push(scored(fuzzy(field, word, 2), tier::TWO_TYPOS * weight));
        }
        if prefix && typos >= 1 && chars >= MIN_PREFIX_TYPO_CHARS {
            // A word still being typed may hold a typo: `wiliam` for `williams`.
            let term = Term::from_field_text(field, word);
            ways.push(scored(FuzzyTermQuery::new_prefix(term, 1, true), tier::PREFIX_ONE_TYPO * weight));
        }
    }
    if number {
        ways.push(scored(exact(fields.phone, word), tier::EXACT));
        if (prefix && chars >= MIN_PREFIX_CHARS) || chars >= MIN_NUMBER_PREFIX_DIGITS {
            ways.push(scored(starts_with(fields.phone, word), tier::PREFIX));
        }
    }
    Box::new(DisjunctionMaxQuery::new(ways))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::search_text::parse_query;

    fn lead(id: i64, first: &str, last: &str, email: &str, status: LeadStatus) -> Lead {
        Lead {
            id,
            source_id: 1,
            source_name: "Web Forms".to_string(),
            first_name: Some(first.to_string()).filter(|name| !name.is_empty()),
            last_name: Some(last.to_string()).filter(|name| !name.is_empty()),
            email: Some(email.to_string()).filter(|email| !email.is_empty()),
            phone: None,
            status,
            fields: serde_json::json!({}),
            ip: None,
            user_agent: None,
            created_at: DateTime::from_timestamp(1_700_000_000 + id, 0).expect("valid"),
            updated_at: DateTime::from_timestamp(1_700_000_000 + id, 0).expect("valid"),
            version: 1,
        }
    }

    struct Fixture {
        _dir: tempfile_dir::TempDir,
        reader: IndexReader,
        fields: Fields,
    }

    /// A small temporary directory, removed on drop, without another crate.
    mod tempfile_dir {
        pub struct TempDir(pub std::path::PathBuf);
        impl TempDir {
            pub fn new() -> TempDir {
                use std::sync::atomic::{AtomicU64, Ordering};
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let path = std::env::temp_dir().join(format!(
                    "leadbase-index-test-{}-{}",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&path).expect("temp dir");
                TempDir(path)
            }
        }
        impl Drop for TempDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn index_of(leads: &[Lead]) -> Fixture {
        let dir = tempfile_dir::TempDir::new();
        let index = create(&dir.0).expect("create");
        let fields = Fields::of(&index.schema()).expect("fields");
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        for lead in leads {
            writer.add_document(fields.document(lead)).expect("add");
        }
        commit(&mut writer, &SyncState::default()).expect("commit");
        let reader = reader(&index).expect("reader");
        Fixture { _dir: dir, reader, fields }
    }

    fn ids(fixture: &Fixture, query: &str, scope: &SearchScope) -> Vec<i64> {
        let parsed = parse_query(query).expect("valid query");
        let (hits, total) = search(&fixture.reader, &fixture.fields, &parsed, scope, 0, 50).expect("search");
        assert_eq!(total as usize, hits.len());
        hits.into_iter().map(|hit| hit.lead_id).collect()
    }

    #[test]
    fn misspelled_email_finds_the_address_first() {
        let fixture = index_of(&[
            lead(1, "John", "", "john@gmail.com", LeadStatus::Active),
            lead(2, "Joan", "", "joan@hotmail.com", LeadStatus::Active),
            lead(3, "Mary", "", "mary@example.com", LeadStatus::Active),
        ]);
        let found = ids(&fixture, "john@gmal.com", &SearchScope::default());
        assert_eq!(found.first(), Some(&1), "{found:?}");
        assert!(!found.contains(&3), "{found:?}");
    }

    #[test]
    fn domains_are_searchable_alone() {
        let fixture = index_of(&[
            lead(1, "", "", "a@acme.io", LeadStatus::Active),
            lead(2, "", "", "b@acme.io", LeadStatus::Active),
            lead(3, "", "", "c@other.com", LeadStatus::Active),
        ]);
        for query in ["acme", "acme.io", "acme "] {
            let mut found = ids(&fixture, query, &SearchScope::default());
            found.sort();
            assert_eq!(found, vec![1, 2], "{query}");
        }
        assert_eq!(ids(&fixture, "a@acme.io", &SearchScope::default()).first(), Some(&1));
    }

    #[test]
    fn exact_address_beats_plus_address_and_fuzzy() {
        let fixture = index_of(&[
            lead(1, "", "", "kim@example.com", LeadStatus::Active),
            lead(2, "", "", "kim+sub@example.com", LeadStatus::Active),
        ]);
        assert_eq!(ids(&fixture, "kim@example.com", &SearchScope::default()).first(), Some(&1));
        assert_eq!(ids(&fixture, "kim+sub@example.com", &SearchScope::default()).first(), Some(&2));
    }

    #[test]
    fn short_words_are_not_fuzzy_and_prefixes_match() {
        let fixture = index_of(&[
            lead(1, "Chris", "Park", "", LeadStatus::Active),
            lead(2, "Zara", "Zhou", "", LeadStatus::Active),
        ]);
        assert!(!ids(&fixture, "zz", &SearchScope::default()).contains(&1));
        assert_eq!(ids(&fixture, "chri", &SearchScope::default()).first(), Some(&1));
        // A finished word (followed by a space) is not a prefix.
        assert!(ids(&fixture, "ch ", &SearchScope::default()).is_empty());
    }

    #[test]
    fn custom_fields_and_status_scope_combine() {
        let mut sold = lead(1, "Xavier", "", "", LeadStatus::Sold);
        sold.fields = serde_json::json!({ "utm_campaign": "spring-sale-2024" });
        let mut active = lead(2, "Yvonne", "", "", LeadStatus::Active);
        active.fields = serde_json::json!({ "utm_campaign": "spring-sale-2024" });
        let fixture = index_of(&[sold, active]);
        let scope = SearchScope { statuses: vec![LeadStatus::Sold], ..SearchScope::default() };
        assert_eq!(ids(&fixture, "spring sale", &scope), vec![1]);
        let mut both = ids(&fixture, "spring-sale-2024", &SearchScope::default());
        both.sort();
        assert_eq!(both, vec![1, 2]);
    }

    #[test]
    fn ranking_exact_before_typos_newest_first() {
        let fixture = index_of(&[
            lead(1, "Martin", "", "", LeadStatus::Active),
            lead(2, "Martina", "", "", LeadStatus::Active),
            lead(3, "Martin", "", "", LeadStatus::Active),
            lead(4, "Marten", "", "", LeadStatus::Active),
        ]);
        assert_eq!(ids(&fixture, "martin ", &SearchScope::default()), vec![3, 1, 4, 2]);
    }

    #[test]
    fn names_count_more_than_user_agents_and_statuses() {
        let mut windows_user = lead(1, "Ana", "", "", LeadStatus::Active);
        windows_user.user_agent = Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)".to_string());
        let windsor = lead(2, "Windsor", "", "", LeadStatus::Sold);
        let acton = lead(3, "Acton", "", "", LeadStatus::Sold);
        let fixture = index_of(&[windsor, windows_user, acton]);
        assert_eq!(ids(&fixture, "wind", &SearchScope::default()), vec![2, 1]);
        assert_eq!(ids(&fixture, "act", &SearchScope::default()).first(), Some(&3));
    }

    #[test]
    fn numbers_match_phones_by_any_part() {
        let mut john = lead(1, "John", "Doe", "", LeadStatus::Active);
        john.phone = Some("(555) 123-4567".to_string());
        let mut other = lead(2, "Mary", "Major", "", LeadStatus::Active);
        other.phone = Some("(555) 987-6543".to_string());
        let fixture = index_of(&[john, other]);
        for query in ["4567", "123-4567", "555 doe", "555 123", "+1 555 123 4567", "15551234567", "doe 555"] {
            assert_eq!(ids(&fixture, query, &SearchScope::default()), vec![1], "{query}");
        }
    }

    #[test]
    fn partial_ip_and_prefix_typo_match() {
        let mut with_ip = lead(1, "Wilhelmina", "Williams", "", LeadStatus::Active);
        with_ip.ip = Some("203.0.113.7".to_string());
        let fixture = index_of(&[with_ip, lead(2, "Ana", "", "", LeadStatus::Active)]);
        assert_eq!(ids(&fixture, "203.0.113", &SearchScope::default()), vec![1]);
        assert_eq!(ids(&fixture, "wiliam", &SearchScope::default()), vec![1]);
    }

    #[test]
    fn typo_prefixes_and_numbers_stay_precise() {
        let mut chrome = lead(1, "John", "", "", LeadStatus::Active);
        chrome.user_agent = Some("Mozilla/5.0 Chrome/120.0.0.0".to_string());
        let mut phone = lead(2, "John", "", "", LeadStatus::Active);
        phone.phone = Some("(212) 551-2345".to_string());
        let fixture = index_of(&[
            chrome,
            phone,
            lead(3, "", "", "a@acme.io", LeadStatus::Active),
            lead(4, "", "", "c@amex.com", LeadStatus::Active),
        ]);
        // A four-letter word being typed gets no typo: `acme` is not `amex`.
        assert_eq!(ids(&fixture, "acme", &SearchScope::default()), vec![3]);
        // Two finished digits are no prefix of a version or phone number.
        assert!(ids(&fixture, "john 12 ", &SearchScope::default()).is_empty());
        // A partly typed number does not match another by dropping digits.
        let mut typed = lead(5, "Ana", "", "", LeadStatus::Active);
        typed.phone = Some("(555) 123-4567".to_string());
        let fixture = index_of(&[typed, lead(6, "", "", "", LeadStatus::Active)]);
        assert_eq!(ids(&fixture, "555-123-45", &SearchScope::default()), vec![5]);
    }

    #[test]
    fn same_mailbox_needs_the_same_local_part() {
        let fixture = index_of(&[
            lead(1, "", "", "john@gmail.com", LeadStatus::Active),
            lead(2, "", "", "john.smith@gmail.com", LeadStatus::Active),
            lead(3, "", "", "john+news@gmail.com", LeadStatus::Active),
        ]);
        assert_eq!(ids(&fixture, "john@gmail.com ", &SearchScope::default()), vec![1, 3]);
    }

    #[test]
    fn phone_formats_and_scope_filters() {
        let mut with_phone = lead(1, "Ana", "", "", LeadStatus::Active);
        with_phone.phone = Some("+1 (555) 123-4567".to_string());
        let mut other_source = with_phone.clone();
        other_source.id = 2;
        other_source.source_id = 9;
        other_source.created_at = DateTime::from_timestamp(1_800_000_000, 0).expect("valid");
        let fixture = index_of(&[with_phone, other_source]);
        let mut both = ids(&fixture, "555.123.4567", &SearchScope::default());
        both.sort();
        assert_eq!(both, vec![1, 2]);
        assert_eq!(ids(&fixture, "555123", &SearchScope { source_id: Some(9), ..SearchScope::default() }), vec![2]);
        let early = SearchScope { created_to: DateTime::from_timestamp(1_750_000_000, 0), ..SearchScope::default() };
        assert_eq!(ids(&fixture, "ana", &early), vec![1]);
    }

    #[test]
    fn payload_round_trip_and_schema_check() {
        let dir = tempfile_dir::TempDir::new();
        let index = create(&dir.0).expect("create");
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).expect("writer");
        let state = SyncState { applied_seq: 42, gaps: vec![Gap { from: 40, to: 41, horizon: 900 }], database: "db".to_string() };
        commit(&mut writer, &state).expect("commit");
        assert_eq!(committed_state(&index).expect("metas"), Some(state));
        let mut prepared = writer.prepare_commit().expect("prepare");
        prepared.set_payload(r#"{"schema":0,"sync":{"applied_seq":1,"gaps":[]}}"#);
        prepared.commit().expect("commit");
        assert_eq!(committed_state(&index).expect("metas"), None);
    }
}
