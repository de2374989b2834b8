//! Named columns of equal length: the input of a feature pipeline.

use super::CategoricalColumn;
use crate::error::{Error, Result};

/// One input column: numbers (NaN is missing) or category labels.
#[derive(Clone, Copy, Debug)]
pub enum Column<'a> {
    /// Numbers; NaN marks a missing value.
    Numeric(&'a [f64]),
    /// Category labels.
    Categorical(&'a CategoricalColumn),
}

impl Column<'_> {
    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Categorical(c) => c.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Named columns of equal length, borrowed from the caller.
///
/// ```
/// use nextbest::features::{CategoricalColumn, Column, Table};
///
/// let region = CategoricalColumn::from_strs([Some("north"), Some("south")]);
/// let mut table = Table::new();
/// table.push("age", Column::Numeric(&[41.0, f64::NAN]))?;
/// table.push("region", Column::Categorical(&region))?;
/// assert_eq!(table.n_rows(), 2);
/// # Ok::<(), nextbest::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Table<'a> {
    names: Vec<&'a str>,
    columns: Vec<Column<'a>>,
}

impl<'a> Table<'a> {
    /// A table with no columns.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a column; fails when the name is taken or the length differs from the others.
    pub fn push(&mut self, name: &'a str, column: Column<'a>) -> Result<()> {
        if self.names.contains(&name) {
            return Err(Error::invalid(format!("column {name:?} is given twice")));
        }
        if let Some(first) = self.columns.first() {
            if first.len() != column.len() {
                return Err(Error::shape(format!(
                    "column {name:?} has {} rows, column {:?} has {}",
                    column.len(),
                    self.names[0],
                    first.len()
                )));
            }
        }
        self.names.push(name);
        self.columns.push(column);
        Ok(())
    }

    /// The number of rows (0 for a table without columns).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// The column names, in the order they were added.
    pub fn names(&self) -> &[&'a str] {
        &self.names
    }

    /// The column called `name`.
    pub fn get(&self, name: &str) -> Option<Column<'a>> {
        self.names
            .iter()
            .position(|n| *n == name)
            .map(|i| self.columns[i])
    }
}
