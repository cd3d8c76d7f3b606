//! Records of a file split into cells: the header row chosen among the
//! first rows, and each record cut to the header's width with its
//! problems kept ([`Splitter`]).

use super::*;

/// Every non-blank record of a file, the header among them.
#[derive(Debug, Default)]
pub struct Records {
    pub rows: Vec<Row>,
    /// Rows the reader could not parse at all.
    pub problems: Vec<RowProblem>,
    pub blank_rows: u32,
}

/// How many rows from the top may hold titles above the header row.
pub(crate) const HEADER_SEARCH: usize = 10;

/// Chooses the header row: the first record that classifies (or, with a
/// source given by flag, that carries that source's headers), among the
/// first rows, so a title line above the header is skipped. Without such a
/// row, the error describes the first row.
pub(crate) fn choose_header(
    name: &str,
    rows: &[Row],
    forced: Option<Source>,
    max_columns: usize,
) -> Result<(usize, Score)> {
    for (i, row) in rows.iter().take(HEADER_SEARCH).enumerate() {
        // Scoring a million headers is work no genuine export needs.
        if row.cells.len() > max_columns {
            continue;
        }
        let h = header_names(row);
        let fits = match forced {
            Some(source) => classify::score(&h, source).points > 0,
            None => classify::classify(&h).is_ok(),
        };
        if fits {
            return Ok((i, decide(name, &h, forced)?));
        }
    }
    match rows.first() {
        Some(first) if first.cells.len() > max_columns => bail!(
            "{name}: the first row has {} columns, more than the limit of {max_columns} (a damaged file?). If the file is genuine, raise the limit with --max-columns.",
            first.cells.len()
        ),
        first => Ok((
            0,
            decide(name, &first.map(header_names).unwrap_or_default(), forced)?,
        )),
    }
}

/// The headers of a header row, a byte-order mark dropped.
pub(super) fn header_names(row: &Row) -> Vec<String> {
    row.cells
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect()
}

/// Splits records at the header: rows above it are titles, rows below are
/// checked (field count, cell size, a repeated header) and kept or reported.
#[cfg(test)]
pub(crate) fn split(records: Records, header: usize, limits: &Limits, text: bool) -> RawTable {
    let mut rows = records.rows.into_iter();
    let mut splitter = Splitter::new(rows.nth(header).as_ref(), *limits, text);
    for row in rows {
        splitter.push_row(row);
    }
    splitter.finish(records.problems, records.blank_rows)
}

/// The fields of a record as read: a row's cells, or a record of the csv
/// crate still in its reader.
pub(crate) trait Fields {
    fn count(&self) -> usize;
    fn field(&self, i: usize) -> &str;
}

impl Fields for Cells {
    fn count(&self) -> usize {
        self.len()
    }
    fn field(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
}

impl Fields for csv::StringRecord {
    fn count(&self) -> usize {
        self.len()
    }
    fn field(&self, i: usize) -> &str {
        self.get(i).unwrap_or("")
    }
}

/// The records below a header row, one at a time: each is checked (field
/// count, cell size, a repeated header) and kept, padded to the header's
/// width and with the kept columns only, or reported.
pub(crate) struct Splitter {
    pub(super) limits: Limits,
    /// A text file (a spreadsheet has no field count to check).
    pub(super) text: bool,
    pub(super) headers: Vec<String>,
    pub(super) header_row: u32,
    /// The headers trimmed and lower-cased, to spot a repeated header row.
    pub(super) normalised: Vec<String>,
    /// The columns kept, ascending: every one unless [`Splitter::plan`]
    /// narrows them.
    pub(super) kept: Vec<usize>,
    /// The columns mapped to fields, once planned.
    pub(super) columns: BTreeMap<Field, usize>,
    /// The columns checked for a .NET type name, with the first row (and
    /// value) that holds one.
    pub(super) type_names: Vec<(usize, Option<(u32, String)>)>,
    pub(super) rows: Rows,
    pub(super) problems: Vec<RowProblem>,
    /// The problem of the latest record when it has too few fields and line
    /// breaks inside (how many): if no record follows, a quote that is never
    /// closed swallowed the rest of the file.
    pub(super) unclosed: Option<(usize, usize)>,
}

impl Splitter {
    /// A splitter below `head`, the header row (none: an empty file).
    pub(crate) fn new(head: Option<&Row>, limits: Limits, text: bool) -> Splitter {
        let headers = head.map(header_names).unwrap_or_default();
        let normalised = headers.iter().map(|h| h.trim().to_lowercase()).collect();
        Splitter {
            limits,
            text,
            header_row: head.map_or(1, |r| r.line),
            kept: (0..headers.len()).collect(),
            columns: BTreeMap::new(),
            type_names: Vec::new(),
            headers,
            normalised,
            rows: Rows::default(),
            problems: Vec::new(),
            unclosed: None,
        }
    }

    /// Maps the headers to the fields of `source`: the rows pushed from now
    /// on keep the columns `keep` says, and the columns that preflight uses
    /// are checked for a .NET type name.
    pub(crate) fn plan(&mut self, source: Source, keep: &Keep) {
        self.columns = classify::map_columns(&self.headers, source);
        self.kept = keep.columns(&self.headers, &self.columns, Schema::of(source).reads);
        self.type_names = self
            .columns
            .iter()
            .filter(|(field, _)| {
                !matches!(
                    field,
                    Field::DisplayName | Field::FirstName | Field::LastName | Field::Id
                )
            })
            .map(|(_, &col)| (col, None))
            .collect();
    }

    /// Makes room for about `bytes` of kept text.
    pub(crate) fn reserve(&mut self, bytes: usize) {
        self.rows.reserve(bytes);
    }

    /// Checks a record; `true` when it is kept (its .NET type names noted),
    /// else its problem is noted.
    pub(super) fn accept(&mut self, line: u32, f: &(impl Fields + ?Sized)) -> bool {
        let width = self.headers.len();
        let n = f.count();
        self.unclosed = None;
        let problem = if (0..n).any(|i| f.field(i).len() > self.limits.max_cell_bytes) {
            Some(format!(
                "has a cell of more than {} bytes (the limit for one value; raise it with --max-cell-bytes if the file is genuine)",
                self.limits.max_cell_bytes
            ))
        } else if n == width
            && self.normalised.iter().enumerate().all(|(i, h)| {
                f.field(i)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_lowercase()
                    == *h
            })
        {
            Some("repeats the header row (two exports pasted together?)".to_string())
        } else if self.text && n != width {
            let swallowed = (0..n).map(|i| f.field(i).matches('\n').count()).sum();
            if swallowed > 0 && n < width {
                self.unclosed = Some((self.problems.len(), swallowed));
            }
            Some(format!(
                "has {n} fields where the header has {width} (an unquoted delimiter inside a value, or a cut-off line)"
            ))
        } else if !self.text && n > width {
            Some(format!(
                "has values beyond the {width} columns of the header"
            ))
        } else {
            None
        };
        if let Some(reason) = problem {
            self.problems.push(RowProblem { row: line, reason });
            return false;
        }
        // The first type name of each checked column, among kept rows.
        for (col, hit) in &mut self.type_names {
            if hit.is_none() && is_dotnet_type_name(f.field(*col)) {
                *hit = Some((line, f.field(*col).to_string()));
            }
        }
        true
    }

    /// Whether a kept record of `n` fields is stored as it is: every column
    /// kept, none missing.
    pub(super) fn whole(&self, n: usize) -> bool {
        self.kept.len() == self.headers.len() && n == self.headers.len()
    }

    /// Stores the kept cells of a record that passed [`Splitter::accept`]
    /// (so it has at most the header's fields), a missing field empty.
    fn keep(&mut self, line: u32, f: &(impl Fields + ?Sized)) {
        let kept = std::mem::take(&mut self.kept);
        self.rows.push(line, kept.iter().map(|&c| f.field(c)));
        self.kept = kept;
    }

    /// Checks and keeps (or reports) a row read whole.
    pub(crate) fn push_row(&mut self, row: Row) {
        if !self.accept(row.line, &row.cells) {
            return;
        }
        if self.whole(row.cells.len()) {
            self.rows.push(row.line, row.cells.iter());
        } else {
            self.keep(row.line, &row.cells);
        }
    }

    /// Checks and keeps (or reports) a record of the csv crate, copying
    /// only what is kept. Its text is under 4 GiB (the text reader passes no
    /// larger record).
    pub(crate) fn push_record(&mut self, line: u32, record: &csv::StringRecord) {
        if !self.accept(line, record) {
            return;
        }
        if self.whole(record.len()) {
            self.rows.push_record(line, record);
        } else {
            self.keep(line, record);
        }
    }

    /// The table: these rows and their problems after the problems met
    /// while reading (in row order, those first on a tie).
    pub(crate) fn finish(mut self, read: Vec<RowProblem>, blank_rows: u32) -> RawTable {
        if let Some((i, swallowed)) = self.unclosed {
            self.problems[i].reason = format!(
                "starts a quoted value that is never closed: the rest of the file ({swallowed} more lines) was read into it; fix the quote and export again"
            );
        }
        let mut problems = read;
        problems.append(&mut self.problems);
        problems.sort_by_key(|p| p.row);
        let mut stored = vec![None; self.headers.len()];
        for (at, &col) in self.kept.iter().enumerate() {
            stored[col] = Some(at as u32);
        }
        RawTable {
            headers: self.headers,
            header_row: self.header_row,
            rows: self.rows,
            problems,
            blank_rows,
            columns: self.columns,
            stored,
            type_names: self.type_names,
        }
    }
}
