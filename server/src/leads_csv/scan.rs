//! A pass-through reader that watches the raw CSV bytes for two things the
//! `csv` crate does not report reliably. The first is the line each record
//! starts on, because its own line count is off for CRLF files. The second is a
//! quote that is never closed, which would swallow the rest of the file into one
//! cell.

use std::collections::VecDeque;
use std::io::{self, Read};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuoteState {
    /// At the start of a cell, where a quote opens a quoted cell.
    CellStart,
    /// Inside an unquoted cell, where quotes are plain characters.
    Unquoted,
    /// Inside a quoted cell.
    Quoted,
    /// Just after a quote inside a quoted cell: either the closing quote or the
    /// first half of an escaped `""`.
    QuoteInQuoted,
}

/// Wraps the CSV input and tracks line breaks and quoting as bytes pass through.
pub struct ScanReader<R> {
    inner: R,
    delimiter: u8,
    /// Bytes read so far.
    offset: u64,
    /// Offsets of line feeds not yet passed by [`ScanReader::line_at`].
    pending_newlines: VecDeque<u64>,
    /// Line feeds before the offset last passed to [`ScanReader::line_at`].
    newlines_before: u64,
    /// Line feeds seen so far, to name the line where a quote opened.
    newlines_seen: u64,
    state: QuoteState,
    quote_opened_on_line: u64,
}

impl<R: Read> ScanReader<R> {
    pub fn new(inner: R, delimiter: u8) -> ScanReader<R> {
        ScanReader {
            inner,
            delimiter,
            offset: 0,
            pending_newlines: VecDeque::new(),
            newlines_before: 0,
            newlines_seen: 0,
            state: QuoteState::CellStart,
            quote_opened_on_line: 0,
        }
    }

    /// Returns the 1-based line of a record that starts at a byte offset.
    /// Offsets must not decrease between calls, which holds for records read in
    /// order. After a CRLF the csv crate reports the offset of the `\n` as the
    /// start of the next record, so a line feed at the offset itself counts.
    pub fn line_at(&mut self, byte_offset: u64) -> u64 {
        while self.pending_newlines.front().is_some_and(|&newline| newline <= byte_offset) {
            self.pending_newlines.pop_front();
            self.newlines_before += 1;
        }
        self.newlines_before + 1
    }

    /// Returns the line where a quoted cell opened that the input never closed,
    /// once all input has been read.
    pub fn unclosed_quote_line(&self) -> Option<u64> {
        (self.state == QuoteState::Quoted).then_some(self.quote_opened_on_line)
    }

    fn scan(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                self.pending_newlines.push_back(self.offset);
                self.newlines_seen += 1;
            }
            self.offset += 1;
            let ends_cell = byte == self.delimiter || byte == b'\n' || byte == b'\r';
            self.state = match (self.state, byte) {
                (QuoteState::CellStart, b'"') => {
                    self.quote_opened_on_line = self.newlines_seen + 1;
                    QuoteState::Quoted
                }
                (QuoteState::CellStart | QuoteState::Unquoted, _) if ends_cell => QuoteState::CellStart,
                (QuoteState::CellStart | QuoteState::Unquoted, _) => QuoteState::Unquoted,
                (QuoteState::Quoted, b'"') => QuoteState::QuoteInQuoted,
                (QuoteState::Quoted, _) => QuoteState::Quoted,
                (QuoteState::QuoteInQuoted, b'"') => QuoteState::Quoted,
                (QuoteState::QuoteInQuoted, _) if ends_cell => QuoteState::CellStart,
                // The csv crate keeps text after a closing quote as part of the cell.
                (QuoteState::QuoteInQuoted, _) => QuoteState::Unquoted,
            };
        }
    }
}

impl<R: Read> Read for ScanReader<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        self.scan(&buffer[..count]);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(text: &str) -> ScanReader<&[u8]> {
        let mut reader = ScanReader::new(text.as_bytes(), b',');
        let mut sink = Vec::new();
        reader.read_to_end(&mut sink).expect("reading a slice succeeds");
        reader
    }

    #[test]
    fn closed_quotes_are_not_reported() {
        assert_eq!(scan_all("a,\"b\nc\"\"d\"\n").unclosed_quote_line(), None);
        assert_eq!(scan_all("a,5'11\"\n").unclosed_quote_line(), None);
        assert_eq!(scan_all("a,\"b\"").unclosed_quote_line(), None);
    }

    #[test]
    fn unclosed_quote_names_its_line() {
        assert_eq!(scan_all("email,name\nq1,\"Open\nq2,Two\n").unclosed_quote_line(), Some(2));
    }

    #[test]
    fn line_at_counts_crlf_lines() {
        let mut reader = scan_all("h\r\na\r\nb\r\n");
        assert_eq!(reader.line_at(0), 1);
        assert_eq!(reader.line_at(3), 2);
        assert_eq!(reader.line_at(6), 3);

        // The csv crate reports a record after a CRLF at the offset of the `\n`.
        let mut reader = scan_all("h\r\na\r\nb\r\n");
        assert_eq!(reader.line_at(2), 2);
        assert_eq!(reader.line_at(5), 3);
    }
}
