//! A loaded file: its rows ([`Row`], [`Cells`]), before classification
//! ([`RawTable`]) and after ([`Table`]), and the options loading takes.

use super::*;

/// One record of a table: its cells and the row a spreadsheet shows.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: u32,
    pub cells: Cells,
}

/// The cells of one row, compact: their text back to back and where each
/// ends (a `csv::StringRecord` keeps its growth buffers, twice the size).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cells {
    pub(super) text: Box<str>,
    pub(super) ends: Box<[u32]>,
}

impl Cells {
    /// The cells of values; `None` when they hold 4 GiB or more.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Cells> {
        let values = values.into_iter();
        let mut text = String::new();
        let mut ends = Vec::with_capacity(values.size_hint().0);
        for v in values {
            text.push_str(v);
            ends.push(u32::try_from(text.len()).ok()?);
        }
        Some(Cells {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        })
    }

    /// The cells of a record read by the csv crate, in one allocation each
    /// for text and ends; `None` when they hold 4 GiB or more.
    pub fn of_record(record: &csv::StringRecord) -> Option<Cells> {
        u32::try_from(record.as_slice().len()).ok()?;
        Some(Cells::of_fitting(record))
    }

    /// [`Cells::of_record`] of a record known to hold less than 4 GiB.
    pub(super) fn of_fitting(record: &csv::StringRecord) -> Cells {
        let mut ends = Vec::with_capacity(record.len());
        let mut end = 0;
        for field in record {
            end += field.len() as u32;
            ends.push(end);
        }
        Cells {
            text: record.as_slice().into(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// The cells as [`CellsRef`] reads them.
    pub fn cells(&self) -> CellsRef<'_> {
        CellsRef {
            text: &self.text,
            ends: &self.ends,
        }
    }

    /// Cell `i`, when the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.cells().get(i)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.cells().iter()
    }
}

/// The kept records of a table, compact: every row's cells' text back to
/// back in one buffer, each row and cell an offset into it (one row used
/// to be two allocations, and a large tenant has millions of rows).
#[derive(Clone, Debug)]
pub struct Rows {
    text: String,
    /// Per row, where its text starts in `text`; one more at the end.
    starts: Vec<usize>,
    /// Per row, where its cells are in `ends`; one more at the end.
    firsts: Vec<usize>,
    /// Per cell, where its text ends, counted from its row's start (a
    /// row's text is under 4 GiB: the readers pass no larger record).
    ends: Vec<u32>,
    /// Per row, the row a spreadsheet shows.
    lines: Vec<u32>,
}

impl Default for Rows {
    fn default() -> Rows {
        Rows {
            text: String::new(),
            starts: vec![0],
            firsts: vec![0],
            ends: Vec::new(),
            lines: Vec::new(),
        }
    }
}

/// One row of [`Rows`]: the row a spreadsheet shows and its cells.
#[derive(Clone, Copy, Debug)]
pub struct RowRef<'a> {
    pub line: u32,
    pub cells: CellsRef<'a>,
}

/// The cells of one row of [`Rows`] (as [`Cells`] reads them).
#[derive(Clone, Copy, Debug)]
pub struct CellsRef<'a> {
    text: &'a str,
    ends: &'a [u32],
}

impl<'a> CellsRef<'a> {
    /// Cell `i`, when the row has it.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(self) -> impl ExactSizeIterator<Item = &'a str> + 'a {
        (0..self.len()).map(move |i| self.get(i).unwrap_or(""))
    }
}

impl Rows {
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Row `i` (panics past the end, as indexing does).
    pub fn get(&self, i: usize) -> RowRef<'_> {
        RowRef {
            line: self.lines[i],
            cells: CellsRef {
                text: &self.text[self.starts[i]..self.starts[i + 1]],
                ends: &self.ends[self.firsts[i]..self.firsts[i + 1]],
            },
        }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = RowRef<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Makes room for about `bytes` of text: a bound such as the file's
    /// size (capacity never written to is not memory the process uses),
    /// so that the text is not copied again and again as it grows.
    pub fn reserve(&mut self, bytes: usize) {
        self.text.reserve(bytes);
    }

    /// Appends a row of `values` (each row's text under 4 GiB).
    pub fn push<'v>(&mut self, line: u32, values: impl IntoIterator<Item = &'v str>) {
        let start = self.text.len();
        for v in values {
            self.text.push_str(v);
            self.ends.push((self.text.len() - start) as u32);
        }
        self.close(line);
    }

    /// Appends a record of the csv crate whole (its text under 4 GiB).
    pub fn push_record(&mut self, line: u32, record: &csv::StringRecord) {
        let start = self.text.len();
        self.text.push_str(record.as_slice());
        let mut end = 0;
        for field in record {
            end += field.len() as u32;
            self.ends.push(end);
        }
        debug_assert_eq!(self.text.len() - start, end as usize);
        self.close(line);
    }

    fn close(&mut self, line: u32) {
        self.starts.push(self.text.len());
        self.firsts.push(self.ends.len());
        self.lines.push(line);
    }

    /// Keeps the rows `keep` says, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(RowRef<'_>) -> bool) {
        let mut kept = Rows::default();
        for row in self.iter() {
            if keep(row) {
                kept.push(row.line, row.cells.iter());
            }
        }
        *self = kept;
    }
}

/// The header row and records of a file, before classification.
#[derive(Debug, Default)]
pub struct RawTable {
    pub headers: Vec<String>,
    pub header_row: u32,
    pub rows: Rows,
    pub problems: Vec<RowProblem>,
    /// Blank rows seen (not records, not problems).
    pub blank_rows: u32,
    /// Canonical field → column index (empty until [`Splitter::plan`]).
    pub columns: BTreeMap<Field, usize>,
    /// Where each column is in a row's cells (see [`Table::stored`]).
    pub stored: Vec<Option<u32>>,
    /// The columns checked for a .NET type name, in field order, each with
    /// the first row (and value) that holds one.
    pub type_names: Vec<(usize, Option<(u32, String)>)>,
}

/// A loaded export: which source it is, how it was read, and its rows.
#[derive(Debug)]
pub struct Table {
    /// The file name as given.
    pub file: String,
    pub source: Source,
    /// `csv` for text, else the spreadsheet kind (`xlsx`, `xls`, `xlsb`, `ods`).
    pub format: &'static str,
    pub encoding: &'static str,
    /// The delimiter of a text file.
    pub delimiter: Option<u8>,
    /// The sheet a spreadsheet was read from.
    pub sheet: Option<String>,
    /// The `#TYPE` line of Windows PowerShell, if any.
    pub type_line: Option<String>,
    pub headers: Vec<String>,
    pub header_row: u32,
    /// Canonical field → column index.
    pub columns: BTreeMap<Field, usize>,
    /// The headers that decided the source (empty when forced by a flag).
    pub decided_by: Vec<String>,
    /// The records; emptied once the model has taken what it needs (see
    /// [`Table::row_count`]).
    pub rows: Rows,
    /// Records read (rows used), kept when `rows` is released.
    pub row_count: usize,
    /// Where each column is in a row's cells: `None` for a column not kept
    /// (see [`Keep`]).
    pub stored: Vec<Option<u32>>,
    pub problems: Vec<RowProblem>,
    pub blank_rows: u32,
    pub sha256: String,
    /// The headers of columns that would map a canonical field but are
    /// empty in every row: counted as absent (SPEC section 3).
    pub empty_columns: Vec<String>,
    /// Each distinct value of the status columns, with how it is read.
    pub statuses: Vec<status::StatusValue>,
    /// Columns set aside: they hold .NET type names (SPEC section 3).
    pub set_aside: Vec<crate::model::SetAside>,
    /// Records that are no user (an ADUC export list's groups...), counted.
    pub rows_set_aside: Vec<crate::model::RowsSetAside>,
}

impl Table {
    /// The value of a canonical field in a row (empty when the file lacks it).
    pub fn cell<'a>(&self, row: RowRef<'a>, field: Field) -> &'a str {
        self.columns
            .get(&field)
            .map_or("", |&col| self.value(row, col))
    }

    /// The value of column `col` in a row (empty when the column is not
    /// kept or the file lacks it).
    pub fn value<'a>(&self, row: RowRef<'a>, col: usize) -> &'a str {
        match self.stored.get(col) {
            Some(Some(at)) => row.cells.get(*at as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// The column whose header is `name` (compared as headers are: case,
    /// spaces, `_`, `-`, `.` and an Okta `profile.` prefix ignored).
    pub fn column(&self, name: &str) -> Option<usize> {
        let n = classify::norm_header(name);
        self.headers
            .iter()
            .position(|h| classify::norm_header(h) == n)
    }

    /// The file name without folders, as findings name it.
    pub fn file_name(&self) -> &str {
        crate::model::file_name(&self.file)
    }

    /// What the later stages know of this file.
    pub fn into_info(self) -> InputInfo {
        InputInfo {
            file: self.file,
            source: self.source,
            format: self.format,
            encoding: self.encoding,
            delimiter: self.delimiter,
            sheet: self.sheet,
            headers: self.headers,
            rows: self.row_count,
            problems: self.problems,
            sha256: self.sha256,
            statuses: self.statuses,
            set_aside: self.set_aside,
            rows_set_aside: self.rows_set_aside,
        }
    }
}

/// How to load one file.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The source, when given by flag; otherwise classified by header.
    pub source: Option<Source>,
    /// The sheet of a spreadsheet to read (`--sheet`).
    pub sheet: Option<String>,
    pub limits: Limits,
    /// The columns of a text file that are kept.
    pub keep: Keep,
}

/// Which columns of a text export a table keeps of each row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every column (`inspect`, the demo, tests).
    #[default]
    All,
    /// The columns mapped to fields, and those whose header is one of these
    /// attribute names as [`Table::column`] finds them: all an audit reads
    /// (the settings name the attributes). The text of the others, most of
    /// a large export, is never copied. A spreadsheet keeps every column
    /// (its cells are all in memory anyway).
    Used(Vec<String>),
}

impl Keep {
    /// The columns of `headers` kept, ascending, when `mapped` are the
    /// columns mapped to fields and the records read the fields `reads`.
    pub fn columns(
        &self,
        headers: &[String],
        mapped: &BTreeMap<Field, usize>,
        reads: &[Field],
    ) -> Vec<usize> {
        match self {
            Keep::All => (0..headers.len()).collect(),
            Keep::Used(names) => {
                let names: Vec<String> = names.iter().map(|n| classify::norm_header(n)).collect();
                (0..headers.len())
                    .filter(|i| {
                        mapped.iter().any(|(f, c)| c == i && reads.contains(f))
                            || names.contains(&classify::norm_header(&headers[*i]))
                    })
                    .collect()
            }
        }
    }
}

/// Limits that protect the machine from broken or hostile files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one cell (`--max-cell-bytes`): a longer cell makes its row unreadable.
    pub max_cell_bytes: usize,
    /// Columns of the header row (`--max-columns`).
    pub max_columns: usize,
    /// Decompressed bytes of a spreadsheet (`--max-sheet-bytes`).
    pub max_sheet_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cell_bytes: 1 << 20,
            max_columns: 16_384,
            max_sheet_bytes: 1 << 30,
        }
    }
}
