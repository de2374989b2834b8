//! Columns of category labels, dictionary-encoded.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A fast non-cryptographic hasher for labels (the multiply-rotate scheme of rustc's FxHash):
/// labels are the caller's data, not an attacker's keys, and SipHash would dominate the cost of
/// reading a column.
#[derive(Default)]
struct LabelHasher(u64);

impl Hasher for LabelHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.add(b as u64);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

impl LabelHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// A column of category labels, dictionary-encoded: row `i` holds `labels()[codes()[i]]`, or is
/// missing when its code is [`CategoricalColumn::MISSING`].
///
/// Each distinct label is stored once, so a column of a million rows with a dozen branch names
/// costs four bytes a row, and work per distinct label (matching it against the categories a
/// pipeline learned) is done once, not once per row.
///
/// ```
/// use nextbest::features::CategoricalColumn;
///
/// let col = CategoricalColumn::from_strs([Some("north"), None, Some("south"), Some("north")]);
/// assert_eq!(col.len(), 4);
/// assert_eq!(col.labels(), ["north", "south"]);
/// assert_eq!(col.get(2), Some("south"));
/// assert_eq!(col.get(1), None);
/// ```
#[derive(Clone, Debug, Default)]
pub struct CategoricalColumn {
    labels: Vec<String>,
    codes: Vec<u32>,
    index: HashMap<String, u32, BuildHasherDefault<LabelHasher>>,
}

/// The label of a number read as a category: an integer without a fraction (`3.0` is `"3"`,
/// `-0.0` is `"0"`), any other value as Rust prints it (`2.5` is `"2.5"`).
///
/// ```
/// use nextbest::features::number_label;
/// assert_eq!(number_label(101.0), "101");
/// assert_eq!(number_label(2.5), "2.5");
/// ```
pub fn number_label(v: f64) -> String {
    let v = if v == 0.0 { 0.0 } else { v };
    if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl CategoricalColumn {
    /// The code of a missing value.
    pub const MISSING: u32 = u32::MAX;

    /// An empty column.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty column with room for `rows` rows.
    pub fn with_capacity(rows: usize) -> Self {
        CategoricalColumn {
            codes: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// A column of the given values (`None` is missing).
    pub fn from_strs<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let values = values.into_iter();
        let mut col = Self::with_capacity(values.size_hint().0);
        for v in values {
            col.push(v);
        }
        col
    }

    /// A column from distinct `labels` and one code per row (negative: missing).
    ///
    /// Fails when a label repeats or a code is out of range, naming the row.
    pub fn from_codes(labels: Vec<String>, codes: &[i64]) -> Result<Self> {
        let mut col = Self::with_capacity(codes.len());
        for label in labels {
            if col.index.contains_key(&label) {
                return Err(Error::invalid(format!(
                    "category label {label:?} appears twice in the dictionary"
                )));
            }
            col.intern(&label);
        }
        let n = col.labels.len() as i64;
        for (row, &c) in codes.iter().enumerate() {
            if c >= n {
                return Err(Error::not_found(format!(
                    "row {row}: category code {c} is out of range for {n} labels"
                )));
            }
            col.codes.push(if c < 0 { Self::MISSING } else { c as u32 });
        }
        Ok(col)
    }

    /// The code of `label`, adding it to the dictionary if new.
    pub fn intern(&mut self, label: &str) -> u32 {
        if let Some(&code) = self.index.get(label) {
            return code;
        }
        let code = self.labels.len() as u32;
        assert!(code < Self::MISSING, "more than 2^32 - 1 distinct labels");
        self.labels.push(label.to_owned());
        self.index.insert(label.to_owned(), code);
        code
    }

    /// Appends a row holding `value` (`None`: missing).
    pub fn push(&mut self, value: Option<&str>) {
        let code = match value {
            Some(label) => self.intern(label),
            None => Self::MISSING,
        };
        self.codes.push(code);
    }

    /// Appends a row by code: one returned by [`CategoricalColumn::intern`], or
    /// [`CategoricalColumn::MISSING`].
    ///
    /// # Panics
    /// When `code` is neither.
    pub fn push_code(&mut self, code: u32) {
        assert!(
            code == Self::MISSING || (code as usize) < self.labels.len(),
            "category code {code} was not returned by intern"
        );
        self.codes.push(code);
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The distinct labels, in order of first appearance.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// One code per row: an index into [`CategoricalColumn::labels`], or
    /// [`CategoricalColumn::MISSING`].
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The label of row `row`, `None` when missing.
    ///
    /// # Panics
    /// When `row` is out of range.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.codes[row] {
            Self::MISSING => None,
            c => Some(&self.labels[c as usize]),
        }
    }
}
