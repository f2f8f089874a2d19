//! The last SCN of a CSV part file, read from a bounded tail with csv-core (the parser inside
//! the `csv` crate), so that a quoted field spanning lines is one field and never a row. Reads
//! only through `Bytes`; knows nothing of directories or caching.
//!
//! # Where a record starts
//!
//! A tail window that does not begin at the start of the file may begin inside a quoted field,
//! and a line inside a quoted field can look like a row: in `101,a\n102,"first line\n999,looks
//! like a row\n"\n` a window starting in `first line` holds a line `999,looks like a row`. Taking
//! it would report a too-high SCN, which the gate could take for covered redo. So:
//!
//! 1. The window is anchored at its first line break (`\r` or `\n`). With the parser set up as
//!    here (quote `"`, escaped by doubling, no escape character, no comments), what follows a
//!    line break is either the start of a record (H0) or the inside of a quoted field (H1):
//!    csv-core has no other state after a line break.
//! 2. The rest of the window is parsed under both: H0 from a record start, H1 as if a quote had
//!    just opened. Under the true one every record after the anchor is a record of the file,
//!    except H1's first, which began before the window and is never used.
//! 3. A committed part file ends between records (the FileSink closes a part file after a whole
//!    record), so a hypothesis whose parse ends inside a quoted field is dropped, unless both
//!    do: then the file itself was cut inside a quoted field, and its cut last record is skipped
//!    as it is in a whole file. (A file cut inside a quoted field that began before the window,
//!    with the other reading ending cleanly, would defeat this; committed files are not cut.)
//! 4. The SCN is the newest record's that has one, as for the whole file, and it is reported
//!    only when every remaining hypothesis gives the same: it is then right whichever holds.
//!    "No SCN" is reported only when no remaining hypothesis finds one among whole records.
//! 5. Otherwise the window grows fourfold up to [`MAX_TAIL_BYTES`]; from the start of the file
//!    the parse is exact. A tail still in doubt at the bound makes the SCN missing with the
//!    reason. The SCN is never guessed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

use super::{excerpt, ScanStats, TailOutcome};
use crate::config::ScnColumn;

/// How far back the tail of a CSV file is read at most when its quoting leaves the last record
/// in doubt.
pub const MAX_TAIL_BYTES: u64 = 4 * 1024 * 1024;

/// At most this many bytes are read from the start of a CSV file to find its header record.
pub const HEADER_BYTES: u64 = 64 * 1024;

/// The header is read in small pieces, so that a short header costs one block.
const HEADER_CHUNK: u64 = 4096;

/// Random access to the bytes of one file.
pub(super) trait Bytes {
    /// The file's length.
    fn len(&self) -> u64;
    /// The bytes from `start` to `end` (fewer if the file is shorter).
    fn read(&mut self, start: u64, end: u64) -> io::Result<Vec<u8>>;
}

/// A file on disk.
pub(super) struct FileBytes<'a> {
    file: &'a mut File,
    len: u64,
}

impl<'a> FileBytes<'a> {
    /// `file`, whose length was stat'ed as `len`.
    pub(super) fn new(file: &'a mut File, len: u64) -> FileBytes<'a> {
        FileBytes { file, len }
    }
}

impl Bytes for FileBytes<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn read(&mut self, start: u64, end: u64) -> io::Result<Vec<u8>> {
        self.file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity(usize::try_from(end.saturating_sub(start)).unwrap_or(0));
        (&mut *self.file)
            .take(end.saturating_sub(start))
            .read_to_end(&mut buf)?;
        Ok(buf)
    }
}

/// A file held in memory.
struct MemoryBytes<'a>(&'a [u8]);

impl Bytes for MemoryBytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read(&mut self, start: u64, end: u64) -> io::Result<Vec<u8>> {
        let len = self.0.len();
        let at = |p: u64| usize::try_from(p).unwrap_or(len).min(len);
        Ok(self.0[at(start)..at(end).max(at(start))].to_vec())
    }
}

/// The tail reader on `content` in memory, with a first window of `first_window` bytes growing
/// up to `max_window` (the collector uses `TAIL_BYTES` and [`MAX_TAIL_BYTES`]): `Ok(Some(scn))`,
/// `Ok(None)` when the file holds no row, `Err(reason)` when the SCN is missing. For tests.
pub fn last_scn_in_memory(
    content: &[u8],
    column: &ScnColumn,
    delimiter: u8,
    first_window: u64,
    max_window: u64,
) -> Result<Option<u64>, String> {
    let mut stats = ScanStats::default();
    let outcome = last_scn(
        &mut MemoryBytes(content),
        column,
        delimiter,
        first_window,
        max_window,
        &mut stats,
    );
    match outcome {
        Ok(TailOutcome::Found(scn)) => Ok(Some(scn)),
        Ok(TailOutcome::NoRows) => Ok(None),
        Ok(TailOutcome::Unparseable { reason, .. }) => Err(reason),
        Err(e) => Err(e.to_string()),
    }
}

/// What one look at the tail decided.
enum Verdict {
    Found(u64),
    NoRows,
    Missing(String),
    /// The window cannot tell; a longer one may.
    Unsure(String),
}

/// The SCN of the newest record that has one, reading at most `max_window` bytes from the end
/// (and the header record from the start), by the rule in the module doc.
pub(super) fn last_scn(
    src: &mut dyn Bytes,
    column: &ScnColumn,
    delimiter: u8,
    first_window: u64,
    max_window: u64,
    stats: &mut ScanStats,
) -> io::Result<TailOutcome> {
    let len = src.len();
    let mut window = first_window.max(1);
    let mut start = len;
    let mut data: Vec<u8> = Vec::new();
    // Read once, only when the window does not reach the start of the file.
    let mut header: Option<Header> = None;
    loop {
        let new_start = len.saturating_sub(window);
        // Only the bytes in front of what was read already.
        let mut front = src.read(new_start, start)?;
        stats.bytes_read += front.len() as u64;
        front.extend_from_slice(&data);
        data = front;
        start = new_start;
        let verdict = if start == 0 {
            whole_file(&data, column, delimiter)
        } else {
            let (index, header_fields) = match column {
                ScnColumn::Index(i) => (*i, None),
                ScnColumn::Name(name) => {
                    if header.is_none() {
                        header = Some(first_record(src, delimiter, HEADER_BYTES, stats)?);
                    }
                    match &header {
                        Some(Header::Found { fields, .. }) => match header_index(fields, name) {
                            Some(i) => (i, Some(fields.len())),
                            None => return Ok(unparseable(&data, not_in_header(name))),
                        },
                        Some(Header::Empty) | None => return Ok(TailOutcome::NoRows),
                        Some(Header::TooLong) => {
                            return Ok(unparseable(
                                &data,
                                format!("header record longer than {HEADER_BYTES} bytes"),
                            ))
                        }
                    }
                }
            };
            tail(&data, index, header_fields, delimiter)
        };
        match verdict {
            Verdict::Found(scn) => return Ok(TailOutcome::Found(scn)),
            Verdict::NoRows => return Ok(TailOutcome::NoRows),
            Verdict::Missing(reason) => return Ok(unparseable(&data, reason)),
            Verdict::Unsure(_) if start > 0 && window < max_window => {
                window = window.saturating_mul(4).min(max_window);
            }
            Verdict::Unsure(reason) => return Ok(unparseable(&data, reason)),
        }
    }
}

fn unparseable(data: &[u8], reason: String) -> TailOutcome {
    TailOutcome::Unparseable {
        window: data.len(),
        reason,
    }
}

fn not_in_header(name: &str) -> String {
    format!("column `{name}` not found in header")
}

/// The whole file is in `data`: one exact parse.
fn whole_file(data: &[u8], column: &ScnColumn, delimiter: u8) -> Verdict {
    let (index, header_fields, rows_from) = match column {
        ScnColumn::Index(i) => (*i, None, 0),
        ScnColumn::Name(name) => {
            let mut ignored = ScanStats::default();
            let header = first_record(&mut MemoryBytes(data), delimiter, u64::MAX, &mut ignored);
            match header {
                Ok(Header::Found { fields, end }) => {
                    let end = usize::try_from(end).unwrap_or(data.len());
                    match header_index(&fields, name) {
                        Some(i) => (i, Some(fields.len()), end),
                        None => {
                            let mut rows = 0;
                            parse_from(data, end, delimiter, |row, _| {
                                rows += usize::from(!row.is_blank());
                            });
                            return if rows == 0 {
                                Verdict::NoRows
                            } else {
                                Verdict::Missing(not_in_header(name))
                            };
                        }
                    }
                }
                // Memory does not fail, and without a limit the header is never too long.
                _ => return Verdict::NoRows,
            }
        }
    };
    let mut picker = Picker::new(index, header_fields, true, 0);
    parse_from(data, rows_from, delimiter, |row, end| {
        picker.visit(&row, end)
    });
    match picker.reading() {
        Reading::Found(scn) => Verdict::Found(scn),
        Reading::NotFound {
            reason: Some(reason),
            ..
        } => Verdict::Missing(reason),
        Reading::NotFound { reason: None, .. } => Verdict::NoRows,
    }
}

/// `data` is the end of a longer file: both readings of its first line break (module doc).
fn tail(data: &[u8], column: usize, header_fields: Option<usize>, delimiter: u8) -> Verdict {
    let Some(anchor) = data.iter().position(|&b| b == b'\n' || b == b'\r') else {
        return Verdict::Missing("no complete line (a record is longer than the window)".into());
    };
    // H0: a record starts after the line break. The break itself goes first: at a record start
    // csv-core skips it, as it would in the whole file, and a byte-order mark is not stripped.
    let mut h0 = Picker::new(column, header_fields, false, 0);
    let h0_open = parse(&[&data[anchor..]], delimiter, |row, end| {
        h0.visit(&row, end)
    });
    // H1: the line break is inside a quoted field; a quote opens one. The record it is part of
    // began before the window and is skipped.
    let mut h1 = Picker::new(column, header_fields, false, 1);
    let h1_open = parse(&[b"\"", &data[anchor + 1..]], delimiter, |row, end| {
        h1.visit(&row, end)
    });
    let readings = match (h0_open, h1_open) {
        (false, true) => vec![h0.reading()],
        (true, false) => vec![h1.reading()],
        _ => vec![h0.reading(), h1.reading()],
    };
    decide(&readings)
}

fn decide(readings: &[Reading]) -> Verdict {
    let found: Vec<u64> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::Found(scn) => Some(*scn),
            Reading::NotFound { .. } => None,
        })
        .collect();
    if found.len() == readings.len() && found.windows(2).all(|w| w[0] == w[1]) {
        if let Some(&scn) = found.first() {
            return Verdict::Found(scn);
        }
    }
    if found.is_empty() {
        let whole_rows = |r: &Reading| matches!(r, Reading::NotFound { complete_rows, .. } if *complete_rows > 0);
        if readings.iter().all(|r| !whole_rows(r)) {
            return Verdict::Missing(
                "no complete line (a record is longer than the window)".into(),
            );
        }
        if readings.iter().all(whole_rows) {
            // The newest whole records hold no SCN however the window is read: missing, as for
            // a whole file whose last rows hold none.
            let reasons: Vec<&str> = readings
                .iter()
                .filter_map(|r| match r {
                    Reading::NotFound {
                        reason: Some(reason),
                        ..
                    } => Some(reason.as_str()),
                    _ => None,
                })
                .collect();
            let (first, last) = (reasons.first(), reasons.last());
            return Verdict::Missing(match (first, last) {
                (Some(a), Some(b)) if a == b => a.to_string(),
                (Some(a), Some(b)) => format!(
                    "no row with an SCN, read from a record start ({a}) or from inside a quoted \
                     field ({b})"
                ),
                _ => "no row with an SCN".into(),
            });
        }
    }
    Verdict::Unsure(
        "cannot tell where a record starts: a quoted field may span the window, and its rows \
         read differently from inside and from outside it"
            .into(),
    )
}

/// How a record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// By a line break: it is whole.
    Terminated,
    /// By the end of the input, outside any quoted field: whole unless it has too few fields.
    Eof,
    /// By the end of the input inside a quoted field: cut short.
    EofInQuotes,
}

/// One record's unescaped fields, as csv-core writes them: the bytes and each field's end.
struct Row<'a> {
    data: &'a [u8],
    ends: &'a [usize],
}

impl Row<'_> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn field(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.data.get(start..end)
    }

    /// A line of white space only (csv-core skips empty lines itself).
    fn is_blank(&self) -> bool {
        self.len() == 1 && self.data.iter().all(u8::is_ascii_whitespace)
    }

    fn fields(&self) -> Vec<Vec<u8>> {
        (0..self.len())
            .filter_map(|i| self.field(i).map(<[u8]>::to_vec))
            .collect()
    }
}

fn reader(delimiter: u8) -> Reader {
    // csv-core's defaults otherwise, which the module doc's rule relies on: quote `"` escaped by
    // doubling, no escape character, no comments; CR, LF and CRLF end a record.
    ReaderBuilder::new().delimiter(delimiter).build()
}

/// Parses `data` from `at`, a record start (0, or just past a record's line break).
fn parse_from(data: &[u8], at: usize, delimiter: u8, f: impl FnMut(Row<'_>, End)) -> bool {
    // From just past a line break, the break goes first (see `tail`). At the end of the data
    // (a header without a line break) there is nothing to parse.
    let from = match at.checked_sub(1) {
        Some(before) if matches!(data.get(before), Some(b'\r' | b'\n')) => before,
        _ => at,
    };
    parse(&[data.get(from..).unwrap_or_default()], delimiter, f)
}

/// Parses the concatenation of `chunks` and calls `f` for each record; returns whether the
/// input ended inside a quoted field.
fn parse(chunks: &[&[u8]], delimiter: u8, mut f: impl FnMut(Row<'_>, End)) -> bool {
    let mut p = Parser::new(delimiter);
    for chunk in chunks {
        p.feed(chunk, &mut |row, _| f(row, End::Terminated));
    }
    // How the input ends: a line break ends a pending record unless a quoted field holds it,
    // and at a record start it is skipped as an empty line. (csv-core's `Reader::clone` does
    // not copy its tables, so the probe goes to the reader itself.)
    let mut ended_by_probe = false;
    let written = p.feed(b"\n", &mut |row, _| {
        ended_by_probe = true;
        f(row, End::Eof)
    });
    let open_quote = !ended_by_probe && written > 0;
    // The end of the input: the record still pending, if any, is one cut inside its quotes
    // (its last field now ends with the probe's line break, which nobody reads).
    p.finish(&mut |row| f(row, End::EofInQuotes));
    open_quote
}

/// csv-core with growing output buffers.
struct Parser {
    rdr: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    nout: usize,
    nend: usize,
}

impl Parser {
    fn new(delimiter: u8) -> Parser {
        Parser {
            rdr: reader(delimiter),
            out: vec![0u8; 1024],
            ends: vec![0usize; 32],
            nout: 0,
            nend: 0,
        }
    }

    /// Parses all of `input` (never empty: that means the end), calling `f` with each record
    /// and the input bytes consumed so far; returns the bytes written to the pending record.
    fn feed(&mut self, mut input: &[u8], f: &mut dyn FnMut(Row<'_>, usize)) -> usize {
        let (mut consumed, mut written) = (0, 0);
        while !input.is_empty() {
            let (res, nin, n_out, n_end) = self.rdr.read_record(
                input,
                &mut self.out[self.nout..],
                &mut self.ends[self.nend..],
            );
            input = &input[nin..];
            consumed += nin;
            written += n_out;
            self.nout += n_out;
            self.nend += n_end;
            match res {
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    f(self.row(), consumed);
                    (self.nout, self.nend, written) = (0, 0, 0);
                }
                ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
            }
        }
        written
    }

    /// Ends the input, calling `f` with the record still pending, if any.
    fn finish(&mut self, f: &mut dyn FnMut(Row<'_>)) {
        loop {
            let (res, _, n_out, n_end) =
                self.rdr
                    .read_record(&[], &mut self.out[self.nout..], &mut self.ends[self.nend..]);
            self.nout += n_out;
            self.nend += n_end;
            match res {
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    f(self.row());
                    (self.nout, self.nend) = (0, 0);
                }
                // End; nothing else comes of an empty input.
                _ => return,
            }
        }
    }

    fn row(&self) -> Row<'_> {
        Row {
            data: &self.out[..self.nout],
            ends: &self.ends[..self.nend],
        }
    }
}

/// The first record of a file.
#[derive(Debug, Clone)]
enum Header {
    /// Its fields, and the offset just past it.
    Found { fields: Vec<Vec<u8>>, end: u64 },
    /// The file holds no record.
    Empty,
    /// No record ends within the limit.
    TooLong,
}

/// Reads the first record from the start of `src` in small pieces, up to `limit` bytes.
fn first_record(
    src: &mut dyn Bytes,
    delimiter: u8,
    limit: u64,
    stats: &mut ScanStats,
) -> io::Result<Header> {
    let len = src.len();
    let mut p = Parser::new(delimiter);
    let mut pos = 0u64;
    let mut found: Option<(Vec<Vec<u8>>, u64)> = None;
    while pos < len {
        if pos >= limit {
            return Ok(Header::TooLong);
        }
        let chunk = src.read(pos, pos.saturating_add(HEADER_CHUNK).min(len))?;
        stats.bytes_read += chunk.len() as u64;
        if chunk.is_empty() {
            // The file shrank under us: it ends here.
            break;
        }
        let base = pos;
        p.feed(&chunk, &mut |row, consumed| {
            if found.is_none() {
                found = Some((row.fields(), base + consumed as u64));
            }
        });
        if let Some((fields, end)) = found {
            return Ok(Header::Found { fields, end });
        }
        pos += chunk.len() as u64;
    }
    // A file of one record without a line break.
    let mut last = None;
    p.finish(&mut |row| last = Some(row.fields()));
    Ok(match last {
        Some(fields) => Header::Found { fields, end: pos },
        None => Header::Empty,
    })
}

fn header_index(fields: &[Vec<u8>], name: &str) -> Option<usize> {
    let names: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = String::from_utf8_lossy(f);
            // A UTF-8 byte-order mark would otherwise hide the first column's name.
            let f = if i == 0 {
                f.trim_start_matches('\u{feff}')
            } else {
                &f
            };
            f.trim().to_string()
        })
        .collect();
    names
        .iter()
        .position(|n| n == name)
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)))
}

/// What one reading of the records found.
#[derive(Debug)]
enum Reading {
    Found(u64),
    NotFound {
        /// Whole (terminated, non-blank) records seen.
        complete_rows: usize,
        /// Why the newest whole record, else the cut last one, had no SCN.
        reason: Option<String>,
    },
}

/// Finds, among records fed oldest first, the newest with an SCN, as a walk back from the end
/// of the file would: blank lines and records without an SCN are passed over, and a last record
/// cut short is not trusted.
struct Picker {
    column: usize,
    /// Fields of a whole record, from the header.
    header_fields: Option<usize>,
    /// The records are the whole file's: nothing before the first.
    whole_file: bool,
    /// Records still to pass over (H1's record begun before the window).
    skip: usize,
    found: Option<u64>,
    /// Fields of the newest whole non-blank record.
    newest_fields: Option<usize>,
    complete_rows: usize,
    failed_complete: Option<String>,
    failed_last: Option<String>,
}

impl Picker {
    fn new(column: usize, header_fields: Option<usize>, whole_file: bool, skip: usize) -> Picker {
        Picker {
            column,
            header_fields,
            whole_file,
            skip,
            found: None,
            newest_fields: None,
            complete_rows: 0,
            failed_complete: None,
            failed_last: None,
        }
    }

    fn visit(&mut self, row: &Row<'_>, end: End) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if row.is_blank() {
            return;
        }
        match end {
            End::Terminated => {
                self.complete_rows += 1;
                self.newest_fields = Some(row.len());
                match csv_scn(row, self.column) {
                    Ok(scn) => self.found = Some(scn),
                    Err(reason) => self.failed_complete = Some(reason),
                }
            }
            End::EofInQuotes => {
                self.failed_last = Some("last record cut short inside a quoted field".into());
            }
            End::Eof => match self.header_fields.or(self.newest_fields) {
                // A whole file's only record: nothing to compare it with, and nothing before.
                None if self.whole_file => self.take_last(row),
                None => {
                    self.failed_last = Some(
                        "last record has no line break and no whole record to compare it with"
                            .into(),
                    );
                }
                // A record cut mid-way has fewer fields than a whole one. A cut inside the SCN
                // field itself keeps the count and cannot be told from a whole record.
                Some(expected) if row.len() < expected => {
                    self.failed_last = Some(format!(
                        "last line cut short ({} of {expected} fields)",
                        row.len()
                    ));
                }
                Some(_) => self.take_last(row),
            },
        }
    }

    fn take_last(&mut self, row: &Row<'_>) {
        match csv_scn(row, self.column) {
            Ok(scn) => self.found = Some(scn),
            Err(reason) => self.failed_last = Some(reason),
        }
    }

    fn reading(&self) -> Reading {
        match self.found {
            Some(scn) => Reading::Found(scn),
            None => Reading::NotFound {
                complete_rows: self.complete_rows,
                reason: self.failed_complete.clone().or(self.failed_last.clone()),
            },
        }
    }
}

fn csv_scn(row: &Row<'_>, column: usize) -> Result<u64, String> {
    let Some(field) = row.field(column) else {
        return Err(format!(
            "row has {} fields, the SCN column is field {column} (0-based)",
            row.len()
        ));
    };
    let text = String::from_utf8_lossy(field);
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("field {column} is `{}`, not an SCN", excerpt(&text)))
}
