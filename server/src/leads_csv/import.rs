//! Importing leads from a CSV file into a source.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};
use sqlx::PgPool;

use app::backend::leads::{insert_many, Actor, NewLead, INSERT_BATCH_ROWS};
use app::backend::{sources, Error};
use app::contact::{parse_email, parse_phone, trim_value};
use app::format::thousands;
use app::model::{LeadStatus, Source};

use super::scan::ScanReader;

/// Rejected rows listed in the printed summary; the count covers all of them.
const MAX_LISTED_REJECTIONS: usize = 100;

/// A row that was not imported, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Row number as a spreadsheet shows it: the header is row 1.
    pub row: u64,
    /// Line in the file where the row starts; differs from `row` when a quoted
    /// cell spans lines.
    pub line: u64,
    /// Header of the offending column, or `None` for a problem with the whole row.
    pub column: Option<String>,
    pub value: String,
    pub message: String,
}

/// Outcome of an import: the source, the imported count and the rejected rows.
#[derive(Debug)]
pub struct ImportReport {
    pub source: Source,
    pub source_created: bool,
    pub imported: u64,
    pub rejected: Vec<RowError>,
}

impl ImportReport {
    /// Renders the summary that `leadbase import` prints.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let created = if self.source_created { ", new source" } else { "" };
        let _ = writeln!(
            text,
            "Imported {} into \"{}\" (source {}{created}); rejected {}.",
            plural(self.imported, "lead", "leads"),
            self.source.name,
            self.source.id,
            plural(self.rejected.len() as u64, "row", "rows"),
        );
        for error in self.rejected.iter().take(MAX_LISTED_REJECTIONS) {
            let _ = match &error.column {
                Some(column) => writeln!(text, "  row {} (line {}), column {column}: {}", error.row, error.line, error.message),
                None => writeln!(text, "  row {} (line {}): {}", error.row, error.line, error.message),
            };
        }
        if self.rejected.len() > MAX_LISTED_REJECTIONS {
            let _ = writeln!(
                text,
                "  ... and {} more rejected rows; use --rejects FILE to save them all",
                thousands((self.rejected.len() - MAX_LISTED_REJECTIONS) as u64)
            );
        }
        text
    }

    /// Writes every rejected row to a CSV file with the columns row, line,
    /// column, value and error.
    pub fn write_rejections(&self, path: &Path) -> Result<(), Error> {
        let io_error = |source: std::io::Error| Error::Io { context: format!("cannot write {}", path.display()), source };
        let mut writer = csv::Writer::from_path(path).map_err(|error| io_error(std::io::Error::other(error)))?;
        let write_all = |writer: &mut csv::Writer<std::fs::File>| -> Result<(), csv::Error> {
            writer.write_record(["row", "line", "column", "value", "error"])?;
            for error in &self.rejected {
                let row = error.row.to_string();
                let line = error.line.to_string();
                let column = error.column.as_deref().unwrap_or("");
                writer.write_record([row.as_str(), line.as_str(), column, error.value.as_str(), error.message.as_str()])?;
            }
            writer.flush()?;
            Ok(())
        };
        write_all(&mut writer).map_err(|error| io_error(std::io::Error::other(error)))
    }
}

fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(count), if count == 1 { one } else { many })
}

/// Imports a CSV file into the named source. See [`import_reader`].
pub async fn import_file(pool: &PgPool, source_name: &str, path: &Path) -> Result<ImportReport, Error> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        context: format!("cannot open {}", path.display()),
        source,
    })?;
    tracing::info!(file = %path.display(), source = source_name, "importing leads");
    import_reader(pool, source_name, file).await
}

/// Imports CSV data into the named source, creating the source if it is new.
///
/// Every valid row is imported and every invalid one is reported. The source and
/// all imported leads commit in one transaction, so a failure part-way leaves
/// nothing behind. A header problem, such as a repeated column, rejects the file.
pub async fn import_reader(pool: &PgPool, source_name: &str, input: impl Read) -> Result<ImportReport, Error> {
    let source_name = sources::parse_name(source_name)?;
    let mut reader = LeadReader::new(input)?;
    let import_started_at = Utc::now();
    let actor = Actor::System("csv import".to_string());

    let mut tx = pool.begin().await?;
    let (source, source_created) = sources::find_or_create(&mut tx, &source_name).await?;
    let mut imported = 0;
    let mut rejected = Vec::new();
    loop {
        let batch = reader.next_batch(INSERT_BATCH_ROWS, import_started_at)?;
        if batch.leads.is_empty() && batch.rejected.is_empty() {
            break;
        }
        rejected.extend(batch.rejected);
        imported += insert_many(&mut tx, source.id, &batch.leads, &actor).await?;
    }
    tx.commit().await?;

    tracing::info!(source_id = source.id, imported, rejected = rejected.len(), "import finished");
    let source = sources::find(pool, source.id).await?.unwrap_or(source);
    Ok(ImportReport { source, source_created, imported, rejected })
}

/// A column of the file that maps to a lead attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum KnownColumn {
    FirstName,
    LastName,
    Name,
    Email,
    Phone,
    Status,
    CreatedAt,
    Ip,
    UserAgent,
}

impl KnownColumn {
    /// Recognizes a header by its letters and digits alone, ignoring case, so
    /// `First Name`, `first-name` and `FIRST_NAME` all map to `first_name`. The
    /// common variants that lead forms and CRMs export are accepted too.
    fn from_header(header: &str) -> Option<KnownColumn> {
        let key: String = header.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        Some(match key.as_str() {
            "firstname" | "first" | "givenname" => KnownColumn::FirstName,
            "lastname" | "last" | "surname" | "familyname" => KnownColumn::LastName,
            "name" | "fullname" => KnownColumn::Name,
            "email" | "emailaddress" => KnownColumn::Email,
            "phone" | "phonenumber" | "mobile" | "mobilephone" | "cell" | "cellphone" | "telephone" => KnownColumn::Phone,
            "status" => KnownColumn::Status,
            "createdat" | "created" | "datecreated" | "createddate" => KnownColumn::CreatedAt,
            "ip" | "ipaddress" => KnownColumn::Ip,
            "useragent" => KnownColumn::UserAgent,
            _ => return None,
        })
    }
}

/// Mapping of the file's columns to lead attributes and custom fields.
#[derive(Debug)]
struct ColumnMap {
    headers: Vec<String>,
    known: HashMap<KnownColumn, usize>,
    /// Custom fields: index and key (the header as written, trimmed).
    custom: Vec<(usize, String)>,
    /// Columns without a header, such as the one a trailing separator in the
    /// header line makes. They are skipped while their cells are blank.
    unnamed: Vec<usize>,
}

impl ColumnMap {
    fn new(headers: Vec<String>) -> Result<ColumnMap, Error> {
        let mut known = HashMap::new();
        let mut custom = Vec::new();
        let mut unnamed = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, header) in headers.iter().enumerate() {
            if header.is_empty() {
                unnamed.push(index);
                continue;
            }
            let folded = header.to_lowercase();
            if let Some(first) = seen.insert(folded, index) {
                return Err(Error::InvalidInput(format!(
                    "header {header:?} appears twice (columns {} and {}): rename or remove one",
                    first + 1,
                    index + 1
                )));
            }
            match KnownColumn::from_header(header) {
                Some(column) => {
                    if let Some(first) = known.insert(column, index) {
                        return Err(Error::InvalidInput(format!(
                            "columns {} ({:?}) and {} ({header:?}) both mean the same field: keep one",
                            first + 1,
                            headers[first],
                            index + 1
                        )));
                    }
                }
                None => custom.push((index, header.clone())),
            }
        }
        Ok(ColumnMap { headers, known, custom, unnamed })
    }
}

/// Leads and rejected rows read from one stretch of the file.
struct Batch {
    leads: Vec<NewLead>,
    rejected: Vec<RowError>,
}

/// Reads lead rows from CSV data, a batch at a time, so that memory stays flat
/// however long the file is.
struct LeadReader<R: Read> {
    records: csv::Reader<ScanReader<BufReader<R>>>,
    columns: ColumnMap,
    /// Number of the next data row as a spreadsheet shows it.
    next_row: u64,
}

impl<R: Read> LeadReader<R> {
    fn new(input: R) -> Result<LeadReader<R>, Error> {
        let mut input = BufReader::with_capacity(64 * 1024, input);
        skip_utf8_bom(&mut input)?;
        let delimiter = sniff_delimiter(&mut input)?;

        let mut records = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(ScanReader::new(input, delimiter));
        let header_record = records.byte_headers().map_err(csv_error)?.clone();
        if header_record.is_empty() || header_record.iter().all(|cell| cell.is_empty()) {
            return Err(Error::InvalidInput(
                "the file is empty: expected a header row such as first_name,last_name,email,phone".to_string(),
            ));
        }
        let mut headers = Vec::with_capacity(header_record.len());
        for (index, cell) in header_record.iter().enumerate() {
            let header = std::str::from_utf8(cell).map_err(|_| {
                Error::InvalidInput(format!(
                    "header of column {} is not valid UTF-8: save the file as UTF-8 and import it again",
                    index + 1
                ))
            })?;
            headers.push(trim_value(header).to_string());
        }
        let columns = ColumnMap::new(headers)?;
        if !columns.known.contains_key(&KnownColumn::Email) && !columns.known.contains_key(&KnownColumn::Phone) {
            return Err(Error::InvalidInput(format!(
                "no email or phone column among the headers {:?}: a lead needs one of them",
                columns.headers
            )));
        }
        Ok(LeadReader { records, columns, next_row: 2 })
    }

    fn next_batch(&mut self, max_rows: usize, default_created_at: DateTime<Utc>) -> Result<Batch, Error> {
        let mut batch = Batch { leads: Vec::new(), rejected: Vec::new() };
        let mut record = csv::ByteRecord::new();
        while batch.leads.len() < max_rows {
            if !self.records.read_byte_record(&mut record).map_err(csv_error)? {
                if let Some(line) = self.records.get_ref().unclosed_quote_line() {
                    return Err(Error::InvalidInput(format!(
                        "the quote that opens a cell on line {line} is never closed, so every line after it \
                         would be read into that one cell: add the closing \" and import the file again"
                    )));
                }
                break;
            }
            let row = self.next_row;
            self.next_row += 1;
            let byte = record.position().map(|position| position.byte()).unwrap_or(0);
            let line = self.records.get_mut().line_at(byte);
            if let Some(column) = record.iter().position(|cell| std::str::from_utf8(cell).is_err()) {
                // One undecodable cell means the whole file is in another encoding:
                // importing the rest would leave a half import to clean up later.
                let header = self.columns.headers.get(column).map(String::as_str).unwrap_or("");
                return Err(Error::InvalidInput(format!(
                    "row {row} (line {line}), column {header:?} is not valid UTF-8: the file seems to be in \
                     another encoding, such as Windows-1252 or Latin-1; save it as UTF-8 and import it again"
                )));
            }
            match self.parse_row(&record, default_created_at) {
                Ok(Some(lead)) => batch.leads.push(lead),
                Ok(None) => {}
                Err(mut error) => {
                    error.row = row;
                    error.line = line;
                    batch.rejected.push(error);
                }
            }
        }
        Ok(batch)
    }

    /// Turns one record into a lead. Returns `Ok(None)` for a row whose cells are
    /// all blank, which spreadsheets leave at the end of files.
    fn parse_row(&self, record: &csv::ByteRecord, default_created_at: DateTime<Utc>) -> Result<Option<NewLead>, RowError> {
        let reject = |column: &str, value: &str, message: String| RowError {
            row: 0,
            line: 0,
            column: (!column.is_empty()).then(|| column.to_string()),
            value: value.to_string(),
            message,
        };

        // The caller has checked that every cell is UTF-8.
        let cells: Vec<&str> = record.iter().map(|cell| std::str::from_utf8(cell).unwrap_or_default()).collect();
        if cells.iter().all(|cell| trim_value(cell).is_empty()) {
            return Ok(None);
        }
        let expected = self.columns.headers.len();
        if cells.len() != expected {
            return Err(reject(
                "",
                "",
                format!("row has {} cells but the header has {expected}: check for a stray or missing separator", cells.len()),
            ));
        }
        for (index, cell) in cells.iter().enumerate() {
            let header = self.columns.headers[index].as_str();
            if let Some(control) = cell.chars().find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
                let message = format!(
                    "contains the control character U+{:04X}, which cannot be stored: remove it",
                    u32::from(control)
                );
                return Err(reject(header, cell, message));
            }
        }
        if let Some(&index) = self.columns.unnamed.iter().find(|&&index| !trim_value(cells[index]).is_empty()) {
            let message = format!("column {} has no header but this row has a value in it: name the column", index + 1);
            return Err(reject("", cells[index], message));
        }

        let cell = |column: KnownColumn| -> Option<&str> {
            self.columns
                .known
                .get(&column)
                .map(|&index| trim_value(cells[index]))
                .filter(|value| !value.is_empty())
        };
        let header = |column: KnownColumn| -> &str {
            self.columns.known.get(&column).map(|&index| self.columns.headers[index].as_str()).unwrap_or("")
        };

        let email = match cell(KnownColumn::Email) {
            Some(raw) => parse_email(raw).map_err(|message| reject(header(KnownColumn::Email), raw, message))?,
            None => None,
        };
        let phone = match cell(KnownColumn::Phone) {
            Some(raw) => parse_phone(raw).map_err(|message| reject(header(KnownColumn::Phone), raw, message))?,
            None => None,
        };
        if email.is_none() && phone.is_none() {
            return Err(reject("", "", "row has neither an email nor a phone: a lead needs one".to_string()));
        }

        let status = match cell(KnownColumn::Status) {
            Some(raw) => raw
                .parse::<LeadStatus>()
                .map_err(|error| reject(header(KnownColumn::Status), raw, error.to_string()))?,
            None => LeadStatus::Active,
        };
        let created_at = match cell(KnownColumn::CreatedAt) {
            Some(raw) => parse_created_at(raw, default_created_at)
                .map_err(|message| reject(header(KnownColumn::CreatedAt), raw, message))?,
            None => default_created_at,
        };
        let ip = match cell(KnownColumn::Ip) {
            Some(raw) => Some(raw.parse::<IpAddr>().map_err(|_| {
                let message = format!("invalid IP address {raw:?}: expected IPv4 such as 203.0.113.7, or IPv6");
                reject(header(KnownColumn::Ip), raw, message)
            })?),
            None => None,
        };

        let mut first_name = cell(KnownColumn::FirstName).map(str::to_string);
        let mut last_name = cell(KnownColumn::LastName).map(str::to_string);
        if first_name.is_none() && last_name.is_none() {
            if let Some(full) = cell(KnownColumn::Name) {
                (first_name, last_name) = split_full_name(full);
            }
        }

        let mut fields = Map::new();
        for (index, key) in &self.columns.custom {
            let value = trim_value(cells[*index]);
            if !value.is_empty() {
                fields.insert(key.clone(), Value::String(value.to_string()));
            }
        }

        Ok(Some(NewLead {
            first_name,
            last_name,
            email,
            phone,
            status,
            fields,
            ip,
            user_agent: cell(KnownColumn::UserAgent).map(str::to_string),
            created_at,
        }))
    }
}

fn csv_error(error: csv::Error) -> Error {
    match error.kind() {
        csv::ErrorKind::Io(_) => Error::Io { context: "cannot read the CSV file".to_string(), source: std::io::Error::other(error.to_string()) },
        _ => Error::InvalidInput(format!("cannot parse the CSV file: {error}")),
    }
}

/// Drops a leading UTF-8 byte order mark, which Excel writes, and rejects
/// UTF-16 files, which "Unicode text" exports produce.
fn skip_utf8_bom(input: &mut impl BufRead) -> Result<(), Error> {
    let start = input.fill_buf().map_err(|source| Error::Io { context: "cannot read the CSV file".to_string(), source })?;
    if start.starts_with(&[0xFF, 0xFE]) || start.starts_with(&[0xFE, 0xFF]) {
        return Err(Error::InvalidInput(
            "the file is UTF-16 encoded: save it as \"CSV UTF-8\" and import it again".to_string(),
        ));
    }
    if start.starts_with(&[0xEF, 0xBB, 0xBF]) {
        input.consume(3);
    }
    Ok(())
}

/// Picks `;` or `,` by counting both in the header line outside quotes.
/// Spreadsheets in many European locales save CSV with semicolons.
fn sniff_delimiter(input: &mut impl BufRead) -> Result<u8, Error> {
    let start = input.fill_buf().map_err(|source| Error::Io { context: "cannot read the CSV file".to_string(), source })?;
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &byte in start {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    Ok(if semicolons > commas { b';' } else { b',' })
}

/// Splits a full name into first and last: the last word is the last name.
fn split_full_name(full: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.as_slice() {
        [] => (None, None),
        [only] => (Some(only.to_string()), None),
        [first @ .., last] => (Some(first.join(" ")), Some(last.to_string())),
    }
}

/// Earliest creation time accepted: older dates are almost always a spreadsheet
/// default or a typo.
const EARLIEST_CREATED_AT: &str = "1990-01-01T00:00:00Z";

/// Parses a creation time: RFC 3339 / ISO 8601 with an offset, a date and time
/// without one (taken as UTC), or a bare date (midnight UTC). Rejects times
/// before 1990 and more than a day after `now`, since a lead from the future
/// would stay at the top of every newest-first list.
pub fn parse_created_at(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let timestamp = parse_timestamp(raw.trim())?;
    let earliest = DateTime::parse_from_rfc3339(EARLIEST_CREATED_AT).map(|time| time.with_timezone(&Utc)).unwrap_or_default();
    if timestamp < earliest {
        return Err(format!("invalid date {raw:?}: it is before 1990; check the year"));
    }
    if timestamp > now + chrono::Duration::days(1) {
        return Err(format!("invalid date {raw:?}: it is in the future; check the year"));
    }
    Ok(timestamp)
}

fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(timestamp) = DateTime::parse_from_rfc3339(value) {
        return Ok(timestamp.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(timestamp) = DateTime::parse_from_str(value, format) {
            return Ok(timestamp.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc()).unwrap_or_default());
    }
    Err(format!(
        "invalid date {value:?}: expected ISO 8601 such as 2024-03-10T14:05:00Z, 2024-03-10 14:05:00 (UTC) or 2024-03-10"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn created_at_accepts_documented_formats() {
        let expected = Utc.with_ymd_and_hms(2024, 3, 10, 14, 5, 0).unwrap();
        assert_eq!(parse_created_at("2024-03-10T14:05:00Z", now()), Ok(expected));
        assert_eq!(parse_created_at("2024-03-10T16:05:00+02:00", now()), Ok(expected));
        assert_eq!(parse_created_at("2024-03-10 14:05:00", now()), Ok(expected));
        assert_eq!(parse_created_at("2024-03-10T14:05:00", now()), Ok(expected));
        let midnight = Utc.with_ymd_and_hms(2024, 3, 10, 0, 0, 0).unwrap();
        assert_eq!(parse_created_at("2024-03-10", now()), Ok(midnight));
    }

    #[test]
    fn created_at_rejects_other_formats() {
        for bad in ["03/10/2024", "2024-13-01", "yesterday", "2024-03-10 25:00:00"] {
            let error = parse_created_at(bad, now()).unwrap_err();
            assert!(error.starts_with(&format!("invalid date {bad:?}")), "{error}");
        }
    }

    #[test]
    fn created_at_rejects_far_past_and_future() {
        assert!(parse_created_at("1900-01-01", now()).unwrap_err().contains("before 1990"));
        assert!(parse_created_at("2999-01-01", now()).unwrap_err().contains("in the future"));
        assert!(parse_created_at("2026-01-01T12:00:00Z", now()).is_ok(), "a few hours ahead is clock skew");
    }

    #[test]
    fn full_name_splits_on_last_word() {
        assert_eq!(split_full_name("Zoë Müller"), (Some("Zoë".into()), Some("Müller".into())));
        assert_eq!(split_full_name("Mary Ann  Smith"), (Some("Mary Ann".into()), Some("Smith".into())));
        assert_eq!(split_full_name("Cher"), (Some("Cher".into()), None));
    }

    #[test]
    fn delimiter_sniffing_ignores_quoted_separators() {
        let mut input = BufReader::new("\"a;b\",c,d\n".as_bytes());
        assert_eq!(sniff_delimiter(&mut input).unwrap(), b',');
        let mut input = BufReader::new("email;phone;\"x,y\"\n".as_bytes());
        assert_eq!(sniff_delimiter(&mut input).unwrap(), b';');
    }

    #[test]
    fn known_columns_ignore_case_and_separators() {
        assert_eq!(KnownColumn::from_header("First Name"), Some(KnownColumn::FirstName));
        assert_eq!(KnownColumn::from_header("EMAIL"), Some(KnownColumn::Email));
        assert_eq!(KnownColumn::from_header("user-agent"), Some(KnownColumn::UserAgent));
        assert_eq!(KnownColumn::from_header("E-mail Address"), Some(KnownColumn::Email));
        assert_eq!(KnownColumn::from_header("Phone Number"), Some(KnownColumn::Phone));
        assert_eq!(KnownColumn::from_header("Mobile"), Some(KnownColumn::Phone));
        assert_eq!(KnownColumn::from_header("utm_campaign"), None);
    }
}
