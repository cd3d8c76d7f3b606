//! The shape of a source's exports ([`Schema`]: canonical fields with the
//! header aliases of the real exports) and how headers are compared
//! ([`norm_header`]). Each source module declares its schema with these
//! types; [`super::classify`] scores header rows against all of them.

use crate::model::{Field, Source};

/// A canonical field and the normalised headers that mean it, best first.
pub struct FieldSpec {
    pub field: Field,
    pub aliases: &'static [&'static str],
}

/// What a source's exports look like.
pub struct Schema {
    pub source: Source,
    pub fields: &'static [FieldSpec],
    /// The key fields, best first: a file of this source needs one of
    /// them, and the first it has is its records' key (a Microsoft 365
    /// mailbox export without a UPN column is keyed by primary address).
    pub required: &'static [Field],
    /// The fields its records are built from (the module's `record`): of
    /// the mapped columns, those an audit keeps (see [`super::Keep`]).
    pub reads: &'static [Field],
    /// Headers (normalised) only this source's exports carry, besides its fields.
    pub markers: &'static [&'static str],
    /// A line naming the export(s) a consultant can produce, for messages.
    pub exports: &'static str,
}

impl Schema {
    /// The key field of a file with these columns: the first of
    /// [`Schema::required`] it has.
    pub fn key(&self, columns: &std::collections::BTreeMap<Field, usize>) -> Option<Field> {
        self.required
            .iter()
            .copied()
            .find(|f| columns.contains_key(f))
    }

    /// The headers a person would write for a field (the first alias).
    pub fn expected_header(&self, field: Field) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map_or("?", |f| f.aliases[0])
    }

    pub(crate) fn headers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields
            .iter()
            .flat_map(|f| f.aliases.iter().copied())
            .chain(self.markers.iter().copied())
    }
}

/// Normalises a header for comparison: trimmed, lower-cased, an Okta
/// `profile.` prefix removed, and spaces, `_`, `-` and `.` ignored.
pub fn norm_header(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}').trim();
    let h = h.to_lowercase();
    let h = h.strip_prefix("profile.").unwrap_or(&h);
    h.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.') && !c.is_whitespace())
        .collect()
}
