//! CSV files of leads. This module is the only place that reads or writes CSV.

mod import;
mod scan;

pub use import::{import_file, import_reader, parse_created_at, ImportReport, RowError};
