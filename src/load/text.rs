//! Text exports: decode, skip the preamble, find the delimiter, read the
//! records with the csv crate, numbering rows as a spreadsheet shows them.

#[cfg(test)]
use super::Records;
use super::classify::Score;
use super::detect::{self, Preamble};
use super::{
    Cells, HEADER_SEARCH, LoadOptions, Meta, RawTable, Row, RowProblem, Splitter, choose_header,
};
use anyhow::{Result, bail};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use std::io::Read;

/// Reads a text export: finds its header row among the first records
/// (see [`super::choose_header`]), then checks each record below it as it
/// is read, copying only the columns `opts` keeps.
pub fn read(
    name: &str,
    bytes: &[u8],
    opts: &LoadOptions,
    progress: &ProgressBar,
) -> Result<(RawTable, Meta, Score)> {
    let ((raw, score), meta) = body(name, bytes, |body, delimiter, preamble_rows| {
        let mut stream = Stream::new_whole(body.as_bytes(), delimiter, preamble_rows, progress);
        let (split, score) = records(name, &mut stream, opts, body.len())?;
        let (problems, blank_rows, _) = stream.finish();
        Ok((split.finish(problems, blank_rows), score))
    })?;
    Ok((raw, meta, score))
}

/// Reads the header row and the records of a stream: them checked, and how
/// the header was classified.
/// `bytes` is about the body's size: what the kept text reserves (a bound:
/// untouched capacity costs no memory).
fn records<B: Body>(
    name: &str,
    stream: &mut Stream<'_, B>,
    opts: &LoadOptions,
    bytes: usize,
) -> Result<(Splitter, Score)> {
    let mut head = Vec::new();
    while head.len() < HEADER_SEARCH {
        let Some(line) = stream.next() else { break };
        head.push(Row {
            line,
            cells: Cells::of_fitting(stream.record()),
        });
    }
    stream.failed(name)?;
    let (header, score) = choose_header(name, &head, opts.source, opts.limits.max_columns)?;
    let mut head = head.into_iter().skip(header);
    let mut split = Splitter::new(head.next().as_ref(), opts.limits, true);
    split.plan(score.source, &opts.keep);
    split.reserve(bytes);
    for row in head {
        split.push_row(row);
    }
    while let Some(line) = stream.next() {
        split.push_record(line, &stream.record);
    }
    stream.failed(name)?;
    Ok((split, score))
}

/// The bytes of a file's first read: enough for the preamble and the 64 KiB
/// the delimiter is chosen from (see [`detect::delimiter`]) in any genuine
/// export.
pub(crate) const HEAD_BYTES: usize = 1 << 20;

/// What [`read_streaming`] read: the table, how it was read and the
/// SHA-256 of every byte; `None` when the file is not one a stream reads as
/// [`read`] does (not UTF-8, or a preamble longer than the head), to be
/// read whole instead.
pub(crate) type Streamed = Option<Box<(RawTable, Meta, Score, String)>>;

/// [`read`] of a file whose first bytes are `head` (all of it when shorter
/// than [`HEAD_BYTES`]) and whose other bytes `rest` yields, without
/// holding the file in memory: the same table, problems and meta as
/// [`read`] of all the bytes, with their SHA-256, or `None` when that
/// cannot be promised (spreadsheets and UTF-16 among them). Each read takes
/// at most `max_read` bytes (tests cut the bytes small); `size_hint` is
/// about the file's size (what the kept text reserves).
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_streaming<R: Read>(
    name: &str,
    head: Vec<u8>,
    rest: R,
    head_is_file: bool,
    max_read: usize,
    size_hint: usize,
    opts: &LoadOptions,
    progress: &ProgressBar,
) -> Result<Streamed> {
    let Some(start) = start_of(&head, head_is_file) else {
        return Ok(None);
    };
    let mut digest = Sha256::new();
    digest.update(&head[..start.body]);
    let feed = Feed {
        at: start.body,
        head,
        rest,
        max_read: max_read.max(1),
        digest,
        window: Vec::new(),
        window_start: 0,
        valid: 0,
        invalid: false,
    };
    let mut stream = Stream::new(feed, start.delimiter, start.preamble_rows, progress);
    let (split, score) = match records(name, &mut stream, opts, size_hint) {
        // Bytes cut off inside a character at the very end are not UTF-8
        // either.
        Ok(read) if stream.reader.get_ref().is_utf8() => read,
        Ok(_) => return Ok(stream.give_up()),
        Err(e) if e.is::<Restart>() => return Ok(stream.give_up()),
        Err(e) => return Err(e),
    };
    let (problems, blank_rows, feed) = stream.finish();
    let sha256 = feed.digest();
    Ok(Some(Box::new((
        split.finish(problems, blank_rows),
        Meta {
            format: "csv",
            encoding: start.encoding,
            delimiter: Some(start.delimiter),
            sheet: None,
            type_line: start.type_line,
        },
        score,
        sha256,
    ))))
}

/// Where the body of a streamed file starts and how it is read.
struct Start {
    /// Offset of the header line in the file's bytes.
    body: usize,
    encoding: &'static str,
    delimiter: u8,
    preamble_rows: u32,
    type_line: Option<String>,
}

/// How [`body`] would read a file that starts with `head` (`whole`: the
/// head is the file), when the head decides it: UTF-8 so far, the preamble
/// ended by a whole line, and the delimiter's 64 KiB (or the whole file)
/// in it.
fn start_of(head: &[u8], whole: bool) -> Option<Start> {
    // In the order of `detect::decode`.
    let (bom, encoding) = if head.starts_with(b"\xEF\xBB\xBF") {
        (3, "UTF-8 (BOM)")
    } else if detect::is_spreadsheet(head) || detect::is_utf16(head) {
        return None;
    } else {
        (0, "UTF-8")
    };
    let text = match std::str::from_utf8(&head[bom..]) {
        Ok(text) => text,
        // Cut inside a character: the head's text ends before it.
        Err(e) if e.error_len().is_none() && !whole => {
            std::str::from_utf8(&head[bom..bom + e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let preamble = detect::preamble(text);
    let body = &text[preamble.offset..];
    // The line that ended the preamble is whole, and the delimiter reads
    // no further than the head (a character's bytes past its sample).
    if !whole && (!body.contains('\n') || body.len() < detect::DELIMITER_SAMPLE + 4) {
        return None;
    }
    // A body of blank lines is the whole reader's error to give.
    if body.trim().is_empty() {
        return None;
    }
    Some(Start {
        body: bom + preamble.offset,
        encoding,
        delimiter: preamble.sep.unwrap_or_else(|| detect::delimiter(body)),
        preamble_rows: preamble.rows,
        type_line: preamble.type_line,
    })
}

/// The stream found bytes that are not UTF-8: the file is read whole (and
/// decoded as [`detect::decode`] says).
#[derive(Debug)]
struct Restart;

impl std::fmt::Display for Restart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not UTF-8: read the file whole")
    }
}

impl std::error::Error for Restart {}

/// The body of a streamed file, as the csv reader reads it: the head's
/// bytes after the preamble, then the rest. Every byte is digested and
/// checked to be UTF-8 as it passes; the bytes from the latest record on
/// are kept for numbering rows (see [`Lines`]).
struct Feed<R> {
    head: Vec<u8>,
    /// Bytes of `head` already passed on.
    at: usize,
    rest: R,
    max_read: usize,
    digest: Sha256,
    /// The body's bytes from `window_start` on.
    window: Vec<u8>,
    window_start: u64,
    /// Bytes of `window` checked to be UTF-8 (a character cut by a read
    /// waits for the next).
    valid: usize,
    invalid: bool,
}

impl<R: Read> Read for Feed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf.len().min(self.max_read);
        let n = if self.at < self.head.len() {
            let n = want.min(self.head.len() - self.at);
            buf[..n].copy_from_slice(&self.head[self.at..self.at + n]);
            self.at += n;
            if self.at == self.head.len() {
                self.head = Vec::new();
                self.at = 0;
            }
            n
        } else {
            self.rest.read(&mut buf[..want])?
        };
        let bytes = &buf[..n];
        self.digest.update(bytes);
        self.window.extend_from_slice(bytes);
        match std::str::from_utf8(&self.window[self.valid..]) {
            Ok(_) => self.valid = self.window.len(),
            Err(e) if e.error_len().is_none() => self.valid += e.valid_up_to(),
            Err(_) => self.invalid = true,
        }
        if self.invalid {
            return Err(std::io::Error::other(Restart));
        }
        Ok(n)
    }
}

impl<R> Feed<R> {
    /// Forgets the window's bytes before body offset `from`, once there are
    /// enough of them to be worth moving the rest.
    fn forget_before(&mut self, from: u64) {
        let dead = from.saturating_sub(self.window_start) as usize;
        let dead = dead.min(self.valid);
        if dead >= 1 << 16 && dead * 2 >= self.window.len() {
            self.window.drain(..dead);
            self.valid -= dead;
            self.window_start += dead as u64;
        }
    }

    /// Whether every byte passed on so far is UTF-8, none cut off inside a
    /// character.
    fn is_utf8(&self) -> bool {
        !self.invalid && self.valid == self.window.len()
    }

    /// The digest of every byte.
    fn digest(self) -> String {
        super::hex(&self.digest.finalize())
    }
}

/// Reads a text export into all its records (the header among them).
#[cfg(test)]
pub(crate) fn read_all(name: &str, bytes: &[u8]) -> Result<(Records, Meta)> {
    body(name, bytes, |body, delimiter, preamble_rows| {
        let progress = ProgressBar::hidden();
        let mut stream = Stream::new_whole(body.as_bytes(), delimiter, preamble_rows, &progress);
        let mut rows = Vec::new();
        while let Some(line) = stream.next() {
            rows.push(Row {
                line,
                cells: Cells::of_fitting(stream.record()),
            });
        }
        let (problems, blank_rows, _) = stream.finish();
        Ok(Records {
            rows,
            problems,
            blank_rows,
        })
    })
}

/// Decodes a text export, skips its preamble, finds the delimiter and
/// reads the body with `read(body, delimiter, preamble rows)`.
fn body<T>(
    name: &str,
    bytes: &[u8],
    read: impl FnOnce(&str, u8, u32) -> Result<T>,
) -> Result<(T, Meta)> {
    let decoded = detect::decode(bytes);
    let text: &str = &decoded.text;
    let Preamble {
        offset,
        rows: preamble_rows,
        sep,
        type_line,
    } = detect::preamble(text);
    let body = &text[offset..];
    if body.trim().is_empty() {
        bail!(
            "{name}: the file holds no header row. Export the users again with their column headers."
        );
    }
    let delimiter = sep.unwrap_or_else(|| detect::delimiter(body));
    let out = read(body, delimiter, preamble_rows)?;
    Ok((
        out,
        Meta {
            format: "csv",
            encoding: decoded.encoding,
            delimiter: Some(delimiter),
            sheet: None,
            type_line,
        },
    ))
}

/// A body as the csv reader reads it, which can hand back the bytes it
/// passed on from the latest record on (for numbering rows).
trait Body: Read {
    /// Bytes passed on so far.
    fn passed(&self) -> u64;
    /// The body's bytes `from..to`: passed on, and not before the latest
    /// [`Body::forget_before`].
    fn bytes(&self, from: u64, to: u64) -> &[u8];
    /// Bytes before `from` are no longer asked for.
    fn forget_before(&mut self, _from: u64) {}
}

/// A body in memory.
struct Whole<'a> {
    text: &'a [u8],
    at: usize,
}

impl Read for Whole<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.text.len() - self.at);
        buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl Body for Whole<'_> {
    fn passed(&self) -> u64 {
        self.at as u64
    }
    fn bytes(&self, from: u64, to: u64) -> &[u8] {
        &self.text[from as usize..to as usize]
    }
}

impl<R: Read> Body for Feed<R> {
    fn passed(&self) -> u64 {
        self.window_start + self.window.len() as u64
    }
    fn bytes(&self, from: u64, to: u64) -> &[u8] {
        &self.window[(from - self.window_start) as usize..(to - self.window_start) as usize]
    }
    fn forget_before(&mut self, from: u64) {
        Feed::forget_before(self, from);
    }
}

/// The non-blank records of a body (the text after the preamble), one at a
/// time, numbered as a spreadsheet shows them; a record that cannot be read
/// (or holds 4 GiB or more) is noted as a problem, a blank one counted.
struct Stream<'a, B> {
    reader: csv::Reader<B>,
    record: csv::StringRecord,
    /// Physical lines inside quoted cells so far: a spreadsheet shows a
    /// record with multi-line cells as one row.
    embedded_newlines: u64,
    lines: LineCounter,
    preamble_rows: u32,
    progress: &'a ProgressBar,
    /// Whether `progress` is hidden (asked once: the bar takes a lock).
    hidden: bool,
    reported: u64,
    problems: Vec<RowProblem>,
    blank_rows: u32,
    /// The body could not be read (an I/O error, or bytes not UTF-8).
    failed: Option<std::io::Error>,
}

impl<'a> Stream<'a, Whole<'a>> {
    fn new_whole(
        body: &'a [u8],
        delimiter: u8,
        preamble_rows: u32,
        progress: &'a ProgressBar,
    ) -> Self {
        Stream::new(
            Whole { text: body, at: 0 },
            delimiter,
            preamble_rows,
            progress,
        )
    }
}

impl<'a, B: Body> Stream<'a, B> {
    fn new(body: B, delimiter: u8, preamble_rows: u32, progress: &'a ProgressBar) -> Self {
        Stream {
            reader: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .flexible(true)
                // Reads of 64 KiB: a streamed file costs few system calls.
                .buffer_capacity(1 << 16)
                .from_reader(body),
            record: csv::StringRecord::new(),
            embedded_newlines: 0,
            lines: LineCounter { cursor: 0, line: 1 },
            preamble_rows,
            progress,
            hidden: progress.is_hidden(),
            reported: 0,
            problems: Vec::new(),
            blank_rows: 0,
            failed: None,
        }
    }

    /// The row of the next record (then in [`Stream::record`]), or `None`
    /// at the end (or when the body cannot be read: see [`Stream::failed`]).
    fn next(&mut self) -> Option<u32> {
        loop {
            let start = self.reader.position().byte();
            if !self.hidden && start - self.reported >= 1 << 22 {
                self.progress.inc(start - self.reported);
                self.reported = start;
            }
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let record = &self.record;
                    let start = record.position().map_or(start, |p| p.byte());
                    let row = (self.lines.line_of(self.reader.get_ref(), start)
                        - self.embedded_newlines) as u32
                        + self.preamble_rows;
                    self.reader.get_mut().forget_before(self.lines.cursor);
                    // Nearly every record has no line break in a cell: one
                    // scan of its text says so, instead of two per cell.
                    if memchr::memchr2(b'\n', b'\r', record.as_slice().as_bytes()).is_some() {
                        self.embedded_newlines += record
                            .iter()
                            .map(|f| line_breaks(f.as_bytes()))
                            .sum::<u64>();
                    }
                    if record.iter().all(|f| f.trim().is_empty()) {
                        self.blank_rows += 1;
                        continue;
                    }
                    if u32::try_from(record.as_slice().len()).is_err() {
                        self.problems.push(RowProblem {
                            row,
                            reason: "holds more than 4 GiB of text".to_string(),
                        });
                        continue;
                    }
                    return Some(row);
                }
                Err(e) => {
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        let csv::ErrorKind::Io(io) = e.into_kind() else {
                            unreachable!("matched above")
                        };
                        self.failed = Some(io);
                        return None;
                    }
                    let at = e.position().map_or(start, |p| p.byte());
                    let row = (self
                        .lines
                        .line_of(self.reader.get_ref(), at)
                        .saturating_sub(self.embedded_newlines))
                        as u32
                        + self.preamble_rows;
                    self.problems.push(RowProblem {
                        row,
                        reason: format!("cannot be read: {e}"),
                    });
                }
            }
        }
    }

    /// The record [`Stream::next`] read.
    fn record(&self) -> &csv::StringRecord {
        &self.record
    }

    /// Whether the body could be read to where [`Stream::next`] stopped: a
    /// [`Restart`] when it is not UTF-8, else the I/O error naming `name`.
    fn failed(&mut self, name: &str) -> Result<()> {
        match self.failed.take() {
            None => Ok(()),
            Some(e) => match e.downcast::<Restart>() {
                Ok(restart) => Err(restart.into()),
                Err(e) => bail!(
                    "{name}: cannot read the file ({e}). Check that it is not being written or moved, and run again."
                ),
            },
        }
    }

    /// The problems met and the blank rows counted, and the body.
    fn finish(self) -> (Vec<RowProblem>, u32, B) {
        let body = self.reader.into_inner();
        if !self.hidden {
            self.progress
                .inc(body.passed().saturating_sub(self.reported));
        }
        (self.problems, self.blank_rows, body)
    }
}

impl<R> Stream<'_, Feed<R>> {
    /// Leaves the file to be read again whole: the bytes counted on the
    /// progress bar are taken back, since the whole read counts them again.
    fn give_up(self) -> Streamed {
        if !self.hidden {
            self.progress.dec(self.reported);
        }
        None
    }
}

/// Line breaks in `bytes`: `\n`, `\r\n` and a lone `\r` (the classic
/// Mac line end of Excel's "CSV (Macintosh)") each count once.
fn line_breaks(bytes: &[u8]) -> u64 {
    let lf = memchr::memchr_iter(b'\n', bytes).count();
    let lone_cr = memchr::memchr_iter(b'\r', bytes)
        .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
        .count();
    (lf + lone_cr) as u64
}

/// Physical line numbers of byte offsets, counted forward once.
struct LineCounter {
    cursor: u64,
    line: u64,
}

impl LineCounter {
    /// The line of the first byte at or after `offset` that is not a line
    /// end: the csv reader reports a record's start before the blank lines
    /// it skipped.
    fn line_of(&mut self, body: &impl Body, offset: u64) -> u64 {
        let end = body.passed();
        let mut at = offset.min(end);
        if at >= self.cursor {
            let ends = body.bytes(at, end);
            at += ends
                .iter()
                .position(|b| !matches!(b, b'\r' | b'\n'))
                .unwrap_or(ends.len()) as u64;
            self.line += line_breaks(body.bytes(self.cursor, at));
            self.cursor = at;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Limits, split};

    fn read_plain(name: &str, bytes: &[u8]) -> Result<(Records, Meta)> {
        read_all(name, bytes)
    }

    fn table(bytes: &[u8]) -> crate::load::RawTable {
        let (records, _) = read_all("t.csv", bytes).unwrap();
        split(records, 0, &Limits::default(), true)
    }

    /// Everything [`read`] of `bytes` gives (or its error), as text.
    fn read_whole(bytes: &[u8], opts: &LoadOptions) -> std::result::Result<String, String> {
        read("t.csv", bytes, opts, &ProgressBar::hidden())
            .map(|(raw, meta, score)| {
                let sha = crate::load::hex(&Sha256::digest(bytes));
                format!("{raw:?}\n{meta:?}\n{score:?}\n{sha}")
            })
            .map_err(|e| e.to_string())
    }

    /// [`read_streaming`] of `bytes`, its first `head` bytes read first and
    /// the others `max_read` at a time: `None` when it asks for a whole read.
    fn read_streamed(
        bytes: &[u8],
        head: usize,
        max_read: usize,
        opts: &LoadOptions,
    ) -> Option<std::result::Result<String, String>> {
        let head = head.min(bytes.len());
        let (first, rest) = bytes.split_at(head);
        match read_streaming(
            "t.csv",
            first.to_vec(),
            rest,
            rest.is_empty(),
            max_read,
            bytes.len(),
            opts,
            &ProgressBar::hidden(),
        ) {
            Ok(Some(read)) => {
                let (raw, meta, score, sha) = *read;
                Some(Ok(format!("{raw:?}\n{meta:?}\n{score:?}\n{sha}")))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e.to_string())),
        }
    }

    /// Kept columns differ from all columns: both ways of copying a row.
    fn both_keeps() -> [LoadOptions; 2] {
        let some = LoadOptions {
            keep: crate::load::Keep::Used(Vec::new()),
            ..LoadOptions::default()
        };
        [LoadOptions::default(), some]
    }

    const OKTA_HEADER: &str = "User Id,Status,Username,First name,Last name,Primary email";

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// A streamed file reads as the same file read whole: rows, their
        /// numbers, problems, meta and digest; and bytes that are not
        /// UTF-8 (which the whole read decodes as Windows-1252) are left
        /// to the whole read.
        #[test]
        fn a_streamed_file_reads_as_the_file_read_whole(
            bom in proptest::bool::ANY,
            preamble in proptest::sample::select(vec!["", "sep=,\r\n", "#TYPE Okta\n", "\r\n\n"]),
            cells in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "b@c.com", "é", "日本", "", " ", ",", ";", "\"", "\"x,\ny\"",
                    "\"\r\n\"", "\n", "\r", "\r\n", "\n\n", "\u{feff}",
                ]),
                0..120,
            ),
            bad in proptest::option::of((0usize..200, proptest::sample::select(vec![0xFFu8, 0xC3, 0x80]))),
            max_read in 1usize..12,
        ) {
            let mut bytes = Vec::new();
            if bom {
                bytes.extend_from_slice(b"\xEF\xBB\xBF");
            }
            bytes.extend_from_slice(preamble.as_bytes());
            bytes.extend_from_slice(OKTA_HEADER.as_bytes());
            bytes.extend_from_slice(b"\r\n");
            for (i, c) in cells.iter().enumerate() {
                bytes.extend_from_slice(c.as_bytes());
                bytes.push(if i % 3 == 2 { b'\n' } else { b',' });
            }
            if let Some((at, byte)) = bad {
                let at = bytes.len() - at.min(bytes.len() / 2);
                bytes.insert(at, byte);
            }
            for opts in both_keeps() {
                let whole = read_whole(&bytes, &opts);
                match read_streamed(&bytes, bytes.len(), max_read, &opts) {
                    Some(streamed) => proptest::prop_assert_eq!(streamed, whole),
                    None => {
                        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                        proptest::prop_assert!(
                            std::str::from_utf8(text).is_err() || whole.is_err(),
                            "a UTF-8 file that reads was left to the whole read"
                        );
                    }
                }
            }
        }
    }

    /// A file longer than its head: the head decides the delimiter and the
    /// preamble, the rest is streamed; a character cut by the head's end, a
    /// row across it and every line end read as in the whole file.
    #[test]
    fn a_file_longer_than_its_head_streams_as_read_whole() {
        let mut text = String::from("\u{feff}#TYPE Okta\r\n");
        text.push_str(OKTA_HEADER);
        text.push_str("\r\n");
        let ends = ["\r\n", "\n", "\r", "\r\n\r\n"];
        for i in 0..4000 {
            text.push_str(&format!(
                "00u{i},ACTIVE,zoë.{i}@c.com,Zoë,\"Ø\r\nx\",zoë.{i}@c.co.uk{}",
                ends[i % ends.len()]
            ));
        }
        let bytes = text.as_bytes();
        let opts = LoadOptions::default();
        let whole = read_whole(bytes, &opts);
        assert!(whole.is_ok(), "{whole:?}");
        // Heads past the preamble and the 64 KiB the delimiter needs, each
        // cut at a different byte of a row; reads of a few bytes and of many.
        let mut streamed = 0;
        for head in (64 << 10) + 24..(64 << 10) + 60 {
            for max_read in [3, 1 << 16] {
                if let Some(read) = read_streamed(bytes, head, max_read, &opts) {
                    assert_eq!(read, whole, "head {head}, reads of {max_read}");
                    streamed += 1;
                }
            }
        }
        assert_eq!(streamed, 72, "every head holds what the stream needs");
        // Too short a head to decide the delimiter: read whole.
        assert!(read_streamed(bytes, 4 << 10, 1 << 16, &opts).is_none());
        // A byte that is not UTF-8 past the head: read whole, as
        // Windows-1252.
        let mut bad = bytes.to_vec();
        let at = bad.len() - 10;
        bad.insert(at, 0xE9);
        assert!(read_streamed(&bad, 1 << 17, 1 << 16, &opts).is_none());
    }

    /// A byte that is not UTF-8 stops the stream where it is met (the file
    /// is read again whole), not at the end with every byte kept.
    #[test]
    fn a_feed_stops_at_the_first_byte_that_is_not_utf8() {
        let mut bytes = "é,a\n".repeat(50_000).into_bytes();
        bytes.insert(1000, 0xFF);
        let mut feed = Feed {
            head: Vec::new(),
            at: 0,
            rest: &bytes[..],
            max_read: 1 << 16,
            digest: Sha256::new(),
            window: Vec::new(),
            window_start: 0,
            valid: 0,
            invalid: false,
        };
        let mut buf = [0u8; 256];
        let mut read = 0;
        let err = loop {
            match feed.read(&mut buf) {
                Ok(0) => panic!("read to the end past a byte that is not UTF-8"),
                Ok(n) => read += n,
                Err(e) => break e,
            }
        };
        assert!(read < 1000, "stopped after {read} bytes");
        assert!(err.downcast::<Restart>().is_ok());
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let (records, meta) = read_plain(
            "t.csv",
            b"#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\"UserPrincipalName\",\"proxyAddresses\"\r\n\"a@c.com\",\"SMTP:a@c.com\r\nsmtp:b@c.com\"\r\n\"c@c.com\",\"\"\r\n",
        )
        .unwrap();
        assert_eq!(
            meta.type_line.as_deref(),
            Some("Selected.Microsoft.ActiveDirectory.Management.ADUser")
        );
        let raw = split(records, 0, &Limits::default(), true);
        assert_eq!(raw.header_row, 2);
        let lines: Vec<u32> = raw.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4]);
    }

    #[test]
    fn rows_are_numbered_with_any_line_end() {
        for (end, name) in [("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")] {
            let text = [
                "login,email",
                "a@c.com,a@c.com",
                "b@c.com,b@c.com,x",
                "\"c\r\nd\",c@c.com",
                "e@c.com,e@c.com",
                "",
            ]
            .join(end);
            let raw = table(text.as_bytes());
            let lines: Vec<u32> = raw.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, vec![2, 4, 5], "{name}");
            assert_eq!(raw.problems[0].row, 3, "{name}");
        }
    }

    #[test]
    fn ragged_rows_are_reported_not_dropped() {
        let raw = table(
            b"login,email\na@c.com,a@c.com\nb@c.com,b@c.com,extra\n\nc@c.com\nd@c.com,d@c.com\n",
        );
        assert_eq!(raw.rows.len(), 2);
        assert_eq!(
            raw.problems.iter().map(|p| p.row).collect::<Vec<_>>(),
            vec![3, 5]
        );
        assert_eq!(raw.rows.get(1).line, 6);
    }

    #[test]
    fn sep_line_sets_the_delimiter() {
        let (records, meta) = read_plain(
            "t.csv",
            b"sep=;\r\nUser Name;User Email\r\n\"Doe, John\";john@c.com\r\n",
        )
        .unwrap();
        assert_eq!(meta.delimiter, Some(b';'));
        let raw = split(records, 0, &Limits::default(), true);
        assert_eq!(raw.rows.get(0).cells.get(0), Some("Doe, John"));
        assert_eq!(raw.rows.get(0).line, 3);
    }

    #[test]
    fn header_only_gives_no_rows() {
        let raw = table(b"login,email\n");
        assert!(raw.rows.is_empty() && raw.problems.is_empty());
    }

    #[test]
    fn an_unterminated_quote_says_what_it_swallowed() {
        let raw = table(
            b"login,email\na@c.com,a@c.com\n\"b@c.com,b@c.com\nc@c.com,c@c.com\nd@c.com,d@c.com\n",
        );
        assert_eq!(raw.rows.len(), 1);
        assert_eq!(raw.problems.len(), 1);
        assert!(
            raw.problems[0].reason.contains("never closed"),
            "{}",
            raw.problems[0].reason
        );
    }

    #[test]
    fn a_repeated_header_is_reported() {
        let raw =
            table(b"login,email\na@c.com,a@c.com\n\xEF\xBB\xBFlogin,email\nb@c.com,b@c.com\n");
        assert_eq!(raw.rows.len(), 2);
        assert!(
            raw.problems[0].reason.contains("repeats the header"),
            "{}",
            raw.problems[0].reason
        );
    }
}
