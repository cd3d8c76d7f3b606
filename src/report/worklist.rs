//! [`Worklist`]: the rows of `remediation.csv`, read from the records
//! when written (each row is two record numbers, not its four texts).

use super::Rewrite;
use crate::rules::change::Remediation;
use crate::tenant::Tenant;
use std::borrow::Cow;

/// The inSync email changes to make first, in `remediation.csv`'s order.
pub struct Worklist<'t> {
    t: &'t Tenant,
    rows: Vec<Remediation>,
    /// `--redact`: each cell's rewrite (its column, its value).
    rewrite: Option<Rewrite<'t>>,
}

impl<'t> Worklist<'t> {
    pub fn new(t: &'t Tenant, rows: Vec<Remediation>) -> Worklist<'t> {
        Worklist {
            t,
            rows,
            rewrite: None,
        }
    }

    /// A worklist of other rows of the same tenant.
    pub fn with_rows(&self, rows: Vec<Remediation>) -> Worklist<'t> {
        Worklist::new(self.t, rows)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, as the rules made them.
    pub fn rows(&self) -> &[Remediation] {
        &self.rows
    }

    /// The cells of `row` as written: `insync_email_current`,
    /// `insync_email_new`, `okta_login`, `reason`; with `--redact`, each
    /// rewritten but a reason of fixed wording (it names a value only when
    /// the new email is the person's other account).
    pub fn cells(&self, row: &Remediation) -> [Cow<'t, str>; 4] {
        let mut cells = row.cells(self.t);
        if let Some(f) = &self.rewrite {
            let rewritten = if row.same_person_holder { 4 } else { 3 };
            for (i, c) in cells.iter_mut().enumerate().take(rewritten) {
                *c = Cow::Owned(f(i, c));
            }
        }
        cells
    }

    /// Every row's cells, in order.
    pub fn iter(&self) -> impl Iterator<Item = [Cow<'t, str>; 4]> + '_ {
        self.rows.iter().map(|r| self.cells(r))
    }

    /// From now on every cell is passed through `rewrite` as it is read.
    pub fn set_rewrite(&mut self, rewrite: Rewrite<'t>) {
        self.rewrite = Some(rewrite);
    }
}
