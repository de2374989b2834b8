//! Per-column transforms of mixed tables, fitted once and applied to any data.
//!
//! A [`PipelineSpec`] names the columns and says how each is transformed; [`PipelineSpec::fit`]
//! learns the statistics from training data and returns a [`FeaturePipeline`], which is
//! immutable, row-independent (a row's output depends only on that row) and persisted as a
//! `feature_pipeline` document.
//!
//! **Numeric columns** (NaN is missing; an infinite value is an error), in this order:
//! 1. `log1p` (optional, for skewed amounts; values must exceed -1);
//! 2. clipping at quantiles learned at fit (optional, e.g. the 1% and 99% quantiles);
//! 3. imputation of missing values by the mean or median learned at fit, or a constant (given in
//!    raw units: it goes through steps 1 and 2 like any value), with an optional indicator
//!    column `name__missing` for columns that had missing values at fit (as scikit-learn's
//!    `SimpleImputer(add_indicator=True)`);
//! 4. scaling (standard: mean and population standard deviation; robust: median and
//!    interquartile range; min-max: to [0, 1] over the fit range; a zero spread scales by 1) or,
//!    when `bins` is set, the index of the quantile bin instead (as scikit-learn's
//!    `KBinsDiscretizer(strategy="quantile", quantile_method="linear", encode="ordinal")`).
//!
//! Statistics are those of the values after the steps before them; the scaling statistics are
//! computed after imputation, as a scikit-learn `Pipeline([imputer, scaler])` does. Quantiles
//! interpolate linearly between order statistics (NumPy's default).
//!
//! **Categorical columns**: missing is a category of its own (`__missing__`). Categories seen
//! fewer than `min_frequency` times at fit, and those beyond the `max_categories` most frequent
//! (ties by label), go to `__other__`; so do values never seen at fit, unless `handle_unknown`
//! is [`HandleUnknown::Error`]. The output categories are the kept labels in byte-wise order,
//! then `__missing__` and `__other__` when present; one-hot encoding writes one column per
//! category (`name=label`), ordinal encoding writes the category's index in that list (for tree
//! models). A column given as numbers is read as labels (`3.0` reads as `"3"`), so integer codes
//! such as branch numbers work as categories.
//!
//! ```
//! use nextbest::features::{CategoricalColumn, CategoricalSpec, Column, NumericSpec, PipelineSpec, Table};
//!
//! let region = CategoricalColumn::from_strs([Some("north"), Some("south"), None, Some("north")]);
//! let mut train = Table::new();
//! train.push("income", Column::Numeric(&[1000.0, f64::NAN, 3000.0, 2000.0]))?;
//! train.push("region", Column::Categorical(&region))?;
//!
//! let spec = PipelineSpec {
//!     numeric: vec![NumericSpec::new("income")],
//!     categorical: vec![CategoricalSpec::new("region")],
//! };
//! let pipeline = spec.fit(&train)?;
//! assert_eq!(
//!     pipeline.feature_names_out(),
//!     ["income", "region=north", "region=south", "region=__missing__", "region=__other__"]
//! );
//! let x = pipeline.transform_to_vec(&train)?;
//! assert_eq!(x.len(), 4 * pipeline.n_outputs());
//! // Row 2: income 3000 standardized, region missing.
//! assert_eq!(x[10..15], [x[10], 0.0, 0.0, 1.0, 0.0]);
//! assert!(x[10] > 0.0);
//! # Ok::<(), nextbest::Error>(())
//! ```

use super::{CategoricalColumn, Column, Table};
use crate::error::{Error, ErrorKind, Result};
use crate::persist::Persist;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The label of the category that collects rare and unseen values.
pub const OTHER: &str = "__other__";
/// The label of the missing-value category.
pub const MISSING: &str = "__missing__";
/// The most output columns a pipeline may have (also the limit on loaded documents).
pub const MAX_OUTPUTS: usize = 1 << 20;
/// The most quantile bins of one column.
pub const MAX_BINS: usize = 4096;

/// How missing numbers are filled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Impute {
    /// The mean of the column at fit.
    Mean,
    /// The median of the column at fit.
    Median,
    /// A constant, in the column's raw units.
    Constant(f64),
}

impl Impute {
    /// Parses `"mean"`, `"median"` or `"constant"` (which fills with `constant`).
    pub fn from_name(name: &str, constant: f64) -> Result<Self> {
        match name {
            "mean" => Ok(Impute::Mean),
            "median" => Ok(Impute::Median),
            "constant" => Ok(Impute::Constant(constant)),
            _ => Err(unknown_option(
                "impute",
                name,
                &["mean", "median", "constant"],
            )),
        }
    }
}

/// How numbers are scaled after imputation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Left as they are.
    None,
    /// `(x - mean) / std` (population standard deviation).
    Standard,
    /// `(x - median) / (q75 - q25)`.
    Robust,
    /// `(x - min) / (max - min)`.
    MinMax,
}

impl Scale {
    /// Parses `"none"`, `"standard"`, `"robust"` or `"minmax"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "none" => Ok(Scale::None),
            "standard" => Ok(Scale::Standard),
            "robust" => Ok(Scale::Robust),
            "minmax" => Ok(Scale::MinMax),
            _ => Err(unknown_option(
                "scale",
                name,
                &["none", "standard", "robust", "minmax"],
            )),
        }
    }
}

/// How a categorical column is written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// One 0/1 column per category.
    OneHot,
    /// One column holding the category's index (for tree models).
    Ordinal,
}

impl Encoding {
    /// Parses `"onehot"` or `"ordinal"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "onehot" => Ok(Encoding::OneHot),
            "ordinal" => Ok(Encoding::Ordinal),
            _ => Err(unknown_option("encoding", name, &["onehot", "ordinal"])),
        }
    }
}

/// What a categorical column does with a value not seen at fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HandleUnknown {
    /// Maps it to `__other__`.
    Other,
    /// Fails, naming the column, the row and the value.
    Error,
}

impl HandleUnknown {
    /// Parses `"other"` or `"error"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "other" => Ok(HandleUnknown::Other),
            "error" => Ok(HandleUnknown::Error),
            _ => Err(unknown_option("handle_unknown", name, &["other", "error"])),
        }
    }
}

/// The least frequency a category needs at fit to get a column of its own.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MinFrequency {
    /// A number of rows.
    Count(usize),
    /// A fraction of the rows, in [0, 1).
    Fraction(f64),
}

fn unknown_option(what: &str, name: &str, options: &[&str]) -> Error {
    Error::invalid(format!(
        "{what} {name:?} is not one of {}",
        options
            .iter()
            .map(|o| format!("{o:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// How one numeric column is transformed.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericSpec {
    /// The input column.
    pub name: String,
    /// Apply `ln(1 + x)` first.
    pub log1p: bool,
    /// Clip at these quantiles of the fit data (`lower < upper`, both in [0, 1]).
    pub clip: Option<(f64, f64)>,
    /// How missing values are filled.
    pub impute: Impute,
    /// Add a `name__missing` indicator column when the column had missing values at fit.
    pub add_indicator: bool,
    /// How values are scaled.
    pub scale: Scale,
    /// Output the index of the quantile bin (2 to [`MAX_BINS`] bins) instead of scaling.
    pub bins: Option<usize>,
}

impl NumericSpec {
    /// Median imputation and standard scaling, nothing else.
    pub fn new(name: impl Into<String>) -> Self {
        NumericSpec {
            name: name.into(),
            log1p: false,
            clip: None,
            impute: Impute::Median,
            add_indicator: false,
            scale: Scale::Standard,
            bins: None,
        }
    }
}

/// How one categorical column is encoded.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoricalSpec {
    /// The input column.
    pub name: String,
    /// One-hot or ordinal.
    pub encoding: Encoding,
    /// The most output categories, `__missing__` and `__other__` included (at least 2).
    pub max_categories: Option<usize>,
    /// Rarer categories go to `__other__`.
    pub min_frequency: MinFrequency,
    /// What happens to values not seen at fit.
    pub handle_unknown: HandleUnknown,
}

impl CategoricalSpec {
    /// One-hot, at most 32 categories, unseen values to `__other__`.
    pub fn new(name: impl Into<String>) -> Self {
        CategoricalSpec {
            name: name.into(),
            encoding: Encoding::OneHot,
            max_categories: Some(32),
            min_frequency: MinFrequency::Fraction(0.0),
            handle_unknown: HandleUnknown::Other,
        }
    }
}

/// The columns of a pipeline and how each is transformed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelineSpec {
    /// Numeric columns, in output order.
    pub numeric: Vec<NumericSpec>,
    /// Categorical columns, written after the numeric ones.
    pub categorical: Vec<CategoricalSpec>,
}

/// A fitted numeric column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct NumericFit {
    name: String,
    log1p: bool,
    /// Learned clipping bounds, in log space when `log1p`.
    clip: Option<(f64, f64)>,
    /// The fill value of missing entries (after log1p and clipping).
    fill: f64,
    indicator: bool,
    center: f64,
    scale: f64,
    /// Quantile bin edges (ascending, at least 2) when binning.
    bin_edges: Option<Vec<f64>>,
}

/// A fitted categorical column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CategoricalFit {
    name: String,
    encoding: Encoding,
    /// Kept labels, byte-wise ascending.
    labels: Vec<String>,
    /// Whether `__missing__` follows the labels.
    missing: bool,
    /// Whether `__other__` follows.
    other: bool,
    handle_unknown: HandleUnknown,
}

impl CategoricalFit {
    fn n_categories(&self) -> usize {
        self.labels.len() + self.missing as usize + self.other as usize
    }

    fn n_outputs(&self) -> usize {
        match self.encoding {
            Encoding::OneHot => self.n_categories(),
            Encoding::Ordinal => 1,
        }
    }

    fn missing_index(&self) -> Option<u32> {
        self.missing.then_some(self.labels.len() as u32)
    }

    fn other_index(&self) -> Option<u32> {
        self.other
            .then_some((self.labels.len() + self.missing as usize) as u32)
    }
}

/// A fitted feature pipeline: immutable, `Send + Sync`, persisted as `feature_pipeline`.
#[derive(Clone, Debug, PartialEq)]
pub struct FeaturePipeline {
    numeric: Vec<NumericFit>,
    categorical: Vec<CategoricalFit>,
    names_out: Vec<String>,
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<FeaturePipeline>();
};

/// A value of the code map of a categorical input column: not seen at fit, and no `__other__`.
const UNKNOWN: u32 = u32::MAX;
/// Rows per unit of work in [`FeaturePipeline::transform`].
const BLOCK_ROWS: usize = 256;

impl PipelineSpec {
    /// Checks the spec, then learns every column's statistics from `table`.
    ///
    /// Fails when the spec is invalid (no columns, a name twice, an option out of range), a
    /// column is absent or of the wrong type, the table is empty, or a value is infinite (or
    /// not above -1 under `log1p`), naming the column and the row.
    pub fn fit(&self, table: &Table<'_>) -> Result<FeaturePipeline> {
        self.check()?;
        for name in self
            .numeric
            .iter()
            .map(|s| &s.name)
            .chain(self.categorical.iter().map(|s| &s.name))
        {
            input(table, name)?;
        }
        if table.n_rows() == 0 {
            return Err(Error::empty("cannot fit a feature pipeline on 0 rows"));
        }
        let numeric = self
            .numeric
            .iter()
            .map(|spec| {
                let values = numeric_input(table, &spec.name)?;
                fit_numeric(spec, values)
            })
            .collect::<Result<Vec<_>>>()?;
        let categorical = self
            .categorical
            .iter()
            .map(|spec| {
                let owned;
                let col = match input(table, &spec.name)? {
                    Column::Categorical(c) => c,
                    Column::Numeric(v) => {
                        owned = labels_of_numbers(v, &spec.name)?;
                        &owned
                    }
                };
                Ok(fit_categorical(spec, col))
            })
            .collect::<Result<Vec<_>>>()?;
        FeaturePipeline::assemble(numeric, categorical)
    }

    fn check(&self) -> Result<()> {
        if self.numeric.is_empty() && self.categorical.is_empty() {
            return Err(Error::invalid(
                "a feature pipeline needs at least one numeric or categorical column",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let names = self.numeric.iter().map(|s| &s.name);
        for name in names.chain(self.categorical.iter().map(|s| &s.name)) {
            if name.is_empty() {
                return Err(Error::invalid("a column name is empty"));
            }
            if !seen.insert(name.as_str()) {
                return Err(Error::invalid(format!(
                    "column {name:?} is listed twice in the pipeline"
                )));
            }
        }
        for s in &self.numeric {
            let at = |what: &str| format!("column {:?}: {what}", s.name);
            if let Impute::Constant(v) = s.impute {
                crate::error::check_finite(v, || at("the imputation constant"))?;
                if s.log1p && v <= -1.0 {
                    return Err(Error::invalid(at(&format!(
                        "the imputation constant {v} is not above -1, as log1p needs"
                    ))));
                }
            }
            if let Some((lo, hi)) = s.clip {
                if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo >= hi {
                    return Err(Error::invalid(at(&format!(
                        "clip quantiles ({lo}, {hi}) must satisfy 0 <= lower < upper <= 1"
                    ))));
                }
            }
            if let Some(b) = s.bins {
                if !(2..=MAX_BINS).contains(&b) {
                    return Err(Error::invalid(at(&format!(
                        "bins is {b}, not in [2, {MAX_BINS}]"
                    ))));
                }
            }
        }
        for s in &self.categorical {
            let at = |what: String| Error::invalid(format!("column {:?}: {what}", s.name));
            if let Some(m) = s.max_categories {
                if m < 2 {
                    return Err(at(format!("max_categories is {m}, it must be at least 2")));
                }
            }
            if let MinFrequency::Fraction(f) = s.min_frequency {
                if !(0.0..1.0).contains(&f) {
                    return Err(at(format!(
                        "min_frequency {f} as a fraction must be in [0, 1)"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The column `name` of `table`, or a "not found" error listing the columns there are.
fn input<'a>(table: &Table<'a>, name: &str) -> Result<Column<'a>> {
    table.get(name).ok_or_else(|| {
        Error::not_found(format!(
            "column {name:?} is not in the input (its columns: {})",
            if table.names().is_empty() {
                "none".to_owned()
            } else {
                table
                    .names()
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ))
    })
}

/// The numbers of numeric column `name`; refuses a column of labels.
fn numeric_input<'a>(table: &Table<'a>, name: &str) -> Result<&'a [f64]> {
    match input(table, name)? {
        Column::Numeric(v) => Ok(v),
        Column::Categorical(c) => {
            let example = (0..c.len())
                .find_map(|r| c.get(r).map(|s| format!(" (row {r}: {s:?})")))
                .unwrap_or_default();
            Err(Error::invalid(format!(
                "column {name:?} is numeric in the pipeline but holds strings{example}"
            )))
        }
    }
}

/// Reads numbers as category labels: integers without a fraction (`3.0` is `"3"`), other
/// values as Rust prints them; NaN is missing.
fn labels_of_numbers(values: &[f64], name: &str) -> Result<CategoricalColumn> {
    let mut col = CategoricalColumn::with_capacity(values.len());
    let mut seen: HashMap<u64, u32> = HashMap::new();
    for (row, &v) in values.iter().enumerate() {
        if v.is_nan() {
            col.push_code(CategoricalColumn::MISSING);
            continue;
        }
        if v.is_infinite() {
            return Err(Error::non_finite(format!(
                "column {name:?}: row {row} is {v}, not a finite number or missing"
            )));
        }
        let v = if v == 0.0 { 0.0 } else { v }; // -0 reads as 0
        let code = match seen.get(&v.to_bits()) {
            Some(&c) => c,
            None => {
                let c = col.intern(&super::number_label(v));
                seen.insert(v.to_bits(), c);
                c
            }
        };
        col.push_code(code);
    }
    Ok(col)
}

/// Checks one numeric input value: NaN (missing) passes, infinities fail, and under `log1p`
/// values must exceed -1.
fn check_numeric(name: &str, values: &[f64], log1p: bool) -> Result<()> {
    let bad = values
        .iter()
        .position(|&x| x.is_infinite() || (log1p && x <= -1.0));
    match bad {
        None => Ok(()),
        Some(row) if values[row].is_infinite() => Err(Error::non_finite(format!(
            "column {name:?}: row {row} is {}, not a finite number or missing",
            values[row]
        ))),
        Some(row) => Err(Error::invalid(format!(
            "column {name:?}: row {row} is {}, not above -1 as log1p needs",
            values[row]
        ))),
    }
}

/// The `q` quantile of ascending `sorted` (non-empty), interpolating linearly.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    if frac == 0.0 {
        sorted[lo]
    } else {
        sorted[lo] + (sorted[hi] - sorted[lo]) * frac
    }
}

fn fit_numeric(spec: &NumericSpec, raw: &[f64]) -> Result<NumericFit> {
    let name = &spec.name;
    check_numeric(name, raw, spec.log1p)?;
    let pre = |x: f64| if spec.log1p { x.ln_1p() } else { x };
    let mut present: Vec<f64> = raw
        .iter()
        .filter(|x| !x.is_nan())
        .map(|&x| pre(x))
        .collect();
    let n_missing = raw.len() - present.len();
    present.sort_unstable_by(f64::total_cmp);
    let clip = match (spec.clip, present.is_empty()) {
        (Some((lo, hi)), false) => Some((quantile(&present, lo), quantile(&present, hi))),
        _ => None,
    };
    let clamp = |x: f64| match clip {
        Some((lo, hi)) => x.clamp(lo, hi),
        None => x,
    };
    if clip.is_some() {
        // Clamping is monotone: the sorted order survives.
        present.iter_mut().for_each(|x| *x = clamp(*x));
    }
    let fill = match spec.impute {
        Impute::Constant(c) => clamp(pre(c)),
        _ if present.is_empty() => {
            return Err(Error::invalid(format!(
                "column {name:?} has no value at fit, only missing ones: impute it with a constant"
            )))
        }
        Impute::Mean => mean(&present),
        Impute::Median => quantile(&present, 0.5),
    };
    // The statistics after imputation: the present values plus `n_missing` copies of `fill`.
    let imputed = if n_missing > 0 {
        let at = present.partition_point(|&x| x < fill);
        let mut all = Vec::with_capacity(raw.len());
        all.extend_from_slice(&present[..at]);
        all.extend(std::iter::repeat_n(fill, n_missing));
        all.extend_from_slice(&present[at..]);
        all
    } else {
        present
    };
    let spread = |s: f64| if s > 0.0 && s.is_finite() { s } else { 1.0 };
    let (center, scale, bin_edges) = match (spec.bins, spec.scale) {
        (Some(bins), _) => {
            let mut edges: Vec<f64> = (0..=bins)
                .map(|i| quantile(&imputed, i as f64 / bins as f64))
                .collect();
            // As scikit-learn: drop bins narrower than 1e-8.
            edges.dedup_by(|b, a| *b - *a <= 1e-8);
            if edges.len() < 2 {
                edges.push(edges[0] + 1.0);
            }
            (0.0, 1.0, Some(edges))
        }
        (None, Scale::None) => (0.0, 1.0, None),
        (None, Scale::Standard) => {
            let m = mean(&imputed);
            let var = imputed.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / imputed.len() as f64;
            (m, spread(var.sqrt()), None)
        }
        (None, Scale::Robust) => {
            let iqr = quantile(&imputed, 0.75) - quantile(&imputed, 0.25);
            (quantile(&imputed, 0.5), spread(iqr), None)
        }
        (None, Scale::MinMax) => {
            let (lo, hi) = (imputed[0], imputed[imputed.len() - 1]);
            (lo, spread(hi - lo), None)
        }
    };
    Ok(NumericFit {
        name: name.clone(),
        log1p: spec.log1p,
        clip,
        fill,
        indicator: spec.add_indicator && n_missing > 0,
        center,
        scale,
        bin_edges,
    })
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

fn fit_categorical(spec: &CategoricalSpec, col: &CategoricalColumn) -> CategoricalFit {
    let mut counts = vec![0usize; col.labels().len()];
    let mut n_missing = 0usize;
    for &c in col.codes() {
        match c {
            CategoricalColumn::MISSING => n_missing += 1,
            c => counts[c as usize] += 1,
        }
    }
    let n = col.len();
    let threshold = match spec.min_frequency {
        MinFrequency::Count(c) => c as f64,
        MinFrequency::Fraction(f) => f * n as f64,
    };
    // Candidates: (count, label); `None` is missing.
    let mut candidates: Vec<(usize, Option<&str>)> = counts
        .iter()
        .zip(col.labels())
        .filter(|(&c, _)| c > 0)
        .map(|(&c, l)| (c, Some(l.as_str())))
        .collect();
    if n_missing > 0 {
        candidates.push((n_missing, None));
    }
    let n_seen = candidates.len();
    candidates.retain(|&(c, _)| c as f64 >= threshold && c > 0);
    // Most frequent first; ties by label, missing last.
    candidates.sort_by(|a, b| {
        b.0.cmp(&a.0).then_with(|| match (a.1, b.1) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        })
    });
    let limit = spec.max_categories.unwrap_or(usize::MAX);
    let mut other = spec.handle_unknown == HandleUnknown::Other
        || candidates.len() < n_seen
        || candidates.len() > limit;
    if other {
        candidates.truncate(limit - 1);
    }
    other |= candidates.len() < n_seen;
    let missing = candidates.iter().any(|c| c.1.is_none());
    let mut labels: Vec<String> = candidates
        .iter()
        .filter_map(|c| c.1.map(str::to_owned))
        .collect();
    labels.sort_unstable();
    CategoricalFit {
        name: spec.name.clone(),
        encoding: spec.encoding,
        labels,
        missing,
        other,
        handle_unknown: spec.handle_unknown,
    }
}

impl FeaturePipeline {
    fn assemble(numeric: Vec<NumericFit>, categorical: Vec<CategoricalFit>) -> Result<Self> {
        let mut names_out = Vec::new();
        for f in &numeric {
            names_out.push(f.name.clone());
            if f.indicator {
                names_out.push(format!("{}__missing", f.name));
            }
        }
        for f in &categorical {
            match f.encoding {
                Encoding::Ordinal => names_out.push(f.name.clone()),
                Encoding::OneHot => {
                    names_out.extend(f.labels.iter().map(|l| format!("{}={l}", f.name)));
                    if f.missing {
                        names_out.push(format!("{}={MISSING}", f.name));
                    }
                    if f.other {
                        names_out.push(format!("{}={OTHER}", f.name));
                    }
                }
            }
            if names_out.len() > MAX_OUTPUTS {
                break;
            }
        }
        if names_out.len() > MAX_OUTPUTS {
            return Err(Error::invalid(format!(
                "the pipeline would write more than {MAX_OUTPUTS} columns"
            )));
        }
        Ok(FeaturePipeline {
            numeric,
            categorical,
            names_out,
        })
    }

    /// The number of output columns.
    pub fn n_outputs(&self) -> usize {
        self.names_out.len()
    }

    /// The names of the output columns: `name` for a numeric or ordinal column,
    /// `name__missing` for a missing indicator, `name=label` for a one-hot category.
    pub fn feature_names_out(&self) -> &[String] {
        &self.names_out
    }

    /// The numeric input columns, in output order.
    pub fn numeric_inputs(&self) -> impl ExactSizeIterator<Item = &str> {
        self.numeric.iter().map(|f| f.name.as_str())
    }

    /// The categorical input columns, in output order.
    pub fn categorical_inputs(&self) -> impl ExactSizeIterator<Item = &str> {
        self.categorical.iter().map(|f| f.name.as_str())
    }

    /// The output categories of categorical column `name` (kept labels, then `__missing__`
    /// and `__other__` when present), or `None` for a column not in the pipeline.
    pub fn categories(&self, name: &str) -> Option<Vec<&str>> {
        let f = self.categorical.iter().find(|f| f.name == name)?;
        let mut out: Vec<&str> = f.labels.iter().map(String::as_str).collect();
        if f.missing {
            out.push(MISSING);
        }
        if f.other {
            out.push(OTHER);
        }
        Some(out)
    }

    /// Transforms `table` into `out`, row-major (`n_rows * n_outputs` values).
    ///
    /// Every input is checked before anything is written: on error `out` is untouched. Columns
    /// of `table` that the pipeline does not use are ignored.
    pub fn transform(&self, table: &Table<'_>, out: &mut [f64]) -> Result<()> {
        let n = table.n_rows();
        let width = self.n_outputs();
        // Check and prepare every column before writing anything.
        let numeric = self
            .numeric
            .iter()
            .map(|f| {
                let values = numeric_input(table, &f.name)?;
                check_numeric(&f.name, values, f.log1p)?;
                Ok(values)
            })
            .collect::<Result<Vec<_>>>()?;
        let owned: Vec<Option<CategoricalColumn>> = self
            .categorical
            .iter()
            .map(|f| match input(table, &f.name)? {
                Column::Numeric(v) => labels_of_numbers(v, &f.name).map(Some),
                Column::Categorical(_) => Ok(None),
            })
            .collect::<Result<_>>()?;
        let categorical = self
            .categorical
            .iter()
            .zip(&owned)
            .map(|(f, owned)| {
                let col = match owned {
                    Some(c) => c,
                    None => match input(table, &f.name)? {
                        Column::Categorical(c) => c,
                        Column::Numeric(_) => unreachable!("converted above"),
                    },
                };
                let map = f.code_map(col)?;
                Ok((col.codes(), map))
            })
            .collect::<Result<Vec<_>>>()?;
        if out.len() != n * width {
            return Err(Error::shape(format!(
                "output buffer holds {} values, {n} rows of {width} columns need {}",
                out.len(),
                n * width
            )));
        }
        if width == 0 || n == 0 {
            return Ok(());
        }
        let write_block = |(block, rows): (usize, &mut [f64])| {
            let start = block * BLOCK_ROWS;
            let len = rows.len() / width;
            let mut j = 0;
            for (f, values) in self.numeric.iter().zip(&numeric) {
                f.write(&values[start..start + len], rows, width, j);
                j += 1 + f.indicator as usize;
            }
            for (f, (codes, map)) in self.categorical.iter().zip(&categorical) {
                f.write(&codes[start..start + len], map, rows, width, j);
                j += f.n_outputs();
            }
        };
        let chunk = BLOCK_ROWS * width;
        if n > 4 * BLOCK_ROWS {
            out.par_chunks_mut(chunk).enumerate().for_each(write_block);
        } else {
            out.chunks_mut(chunk).enumerate().for_each(write_block);
        }
        Ok(())
    }

    /// [`FeaturePipeline::transform`] into a new row-major vector.
    pub fn transform_to_vec(&self, table: &Table<'_>) -> Result<Vec<f64>> {
        let mut out = vec![0.0; table.n_rows() * self.n_outputs()];
        self.transform(table, &mut out)?;
        Ok(out)
    }
}

impl NumericFit {
    /// Writes the outputs of `values` (checked) at column `j` of the rows of `out`.
    #[inline]
    fn write(&self, values: &[f64], out: &mut [f64], width: usize, j: usize) {
        let inv = 1.0 / self.scale;
        for (i, &x) in values.iter().enumerate() {
            let missing = x.is_nan();
            let mut v = if missing {
                self.fill
            } else {
                let mut v = if self.log1p { x.ln_1p() } else { x };
                if let Some((lo, hi)) = self.clip {
                    v = v.clamp(lo, hi);
                }
                v
            };
            v = match &self.bin_edges {
                Some(edges) => {
                    let inner = &edges[1..edges.len() - 1];
                    inner.partition_point(|&e| e <= v) as f64
                }
                None => (v - self.center) * inv,
            };
            out[i * width + j] = v;
            if self.indicator {
                out[i * width + j + 1] = missing as u8 as f64;
            }
        }
    }
}

impl CategoricalFit {
    /// The output category of each label of `col` ([`UNKNOWN`] when it has none), after
    /// checking, under [`HandleUnknown::Error`], that no row holds an unknown value.
    fn code_map(&self, col: &CategoricalColumn) -> Result<Vec<u32>> {
        let fallback = self.other_index().unwrap_or(UNKNOWN);
        let mut map: Vec<u32> = col
            .labels()
            .iter()
            .map(|l| match self.labels.binary_search(l) {
                Ok(i) => i as u32,
                Err(_) => fallback,
            })
            .collect();
        // The missing code maps through the last entry.
        map.push(self.missing_index().unwrap_or(fallback));
        if map.contains(&UNKNOWN) {
            let last = map.len() - 1;
            if let Some(row) = col.codes().iter().position(|&c| {
                map[if c == CategoricalColumn::MISSING {
                    last
                } else {
                    c as usize
                }] == UNKNOWN
            }) {
                let value = match col.get(row) {
                    Some(v) => format!("{v:?}, a value not seen at fit"),
                    None => "missing, and no value was missing at fit".to_owned(),
                };
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!(
                        "column {:?}: row {row} is {value} (handle_unknown is \"error\")",
                        self.name
                    ),
                ));
            }
        }
        Ok(map)
    }

    /// Writes the outputs of `codes` at column `j` of the rows of `out`.
    #[inline]
    fn write(&self, codes: &[u32], map: &[u32], out: &mut [f64], width: usize, j: usize) {
        let last = map.len() - 1;
        let k = self.n_outputs();
        for (i, &c) in codes.iter().enumerate() {
            let cat = map[if c == CategoricalColumn::MISSING {
                last
            } else {
                c as usize
            }];
            let row = &mut out[i * width + j..i * width + j + k];
            match self.encoding {
                Encoding::Ordinal => row[0] = cat as f64,
                Encoding::OneHot => {
                    row.fill(0.0);
                    if cat != UNKNOWN {
                        row[cat as usize] = 1.0;
                    }
                }
            }
        }
    }
}

/// The persisted form of a [`FeaturePipeline`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelinePayload {
    numeric: Vec<NumericFit>,
    categorical: Vec<CategoricalFit>,
}

impl Persist for FeaturePipeline {
    const KIND: &'static str = "feature_pipeline";
    const VERSION: u32 = 1;
    type Payload = PipelinePayload;

    fn to_payload(&self) -> PipelinePayload {
        PipelinePayload {
            numeric: self.numeric.clone(),
            categorical: self.categorical.clone(),
        }
    }

    fn from_payload(p: PipelinePayload, _version: u32) -> Result<Self> {
        let bad = |name: &str, what: String| {
            Err(Error::document(format!(
                "feature_pipeline document: column {name:?}: {what}"
            )))
        };
        if p.numeric.is_empty() && p.categorical.is_empty() {
            return Err(Error::document("feature_pipeline document has no column"));
        }
        let mut seen = std::collections::HashSet::new();
        let names = p.numeric.iter().map(|f| &f.name);
        for name in names.chain(p.categorical.iter().map(|f| &f.name)) {
            if name.is_empty() || !seen.insert(name.as_str()) {
                return bad(name, "the name is empty or repeated".into());
            }
        }
        for f in &p.numeric {
            let finite = [f.fill, f.center, f.scale].iter().all(|v| v.is_finite());
            if !finite || f.scale <= 0.0 {
                return bad(
                    &f.name,
                    "fill, center and scale must be finite, scale positive".into(),
                );
            }
            if let Some((lo, hi)) = f.clip {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
                    return bad(
                        &f.name,
                        format!("clip bounds ({lo}, {hi}) are not ordered finite numbers"),
                    );
                }
            }
            if let Some(edges) = &f.bin_edges {
                let ordered = edges.windows(2).all(|w| w[0] < w[1]);
                if !(2..=MAX_BINS + 1).contains(&edges.len())
                    || !ordered
                    || !edges.iter().all(|e| e.is_finite())
                {
                    return bad(
                        &f.name,
                        format!(
                            "bin edges must be 2 to {} strictly increasing finite numbers",
                            MAX_BINS + 1
                        ),
                    );
                }
            }
        }
        for f in &p.categorical {
            if f.labels.len() > MAX_OUTPUTS {
                return bad(&f.name, format!("more than {MAX_OUTPUTS} categories"));
            }
            if !f.labels.windows(2).all(|w| w[0] < w[1]) {
                return bad(
                    &f.name,
                    "categories must be distinct and in ascending order".into(),
                );
            }
            if f.n_categories() == 0 {
                return bad(&f.name, "no category".into());
            }
        }
        FeaturePipeline::assemble(p.numeric, p.categorical)
            .map_err(|e| Error::document(format!("feature_pipeline document: {}", e.message())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table<'a>(cols: &[(&'a str, Column<'a>)]) -> Table<'a> {
        let mut t = Table::new();
        for (n, c) in cols {
            t.push(n, *c).unwrap();
        }
        t
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let s = [1.0, 2.0, 4.0, 8.0];
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 8.0);
        assert_eq!(quantile(&s, 0.5), 3.0);
        assert!((quantile(&s, 0.25) - 1.75).abs() < 1e-15);
    }

    #[test]
    fn numeric_steps_by_hand() {
        // Values 1, 2, NaN, 3, 10: median of present 2.5; imputed 1, 2, 2.5, 3, 10 ->
        // mean 3.7, population std sqrt(((2.7)^2+(1.7)^2+(1.2)^2+(0.7)^2+(6.3)^2)/5).
        let x = [1.0, 2.0, f64::NAN, 3.0, 10.0];
        let t = table(&[("x", Column::Numeric(&x))]);
        let mut spec = NumericSpec::new("x");
        spec.add_indicator = true;
        let p = PipelineSpec {
            numeric: vec![spec],
            categorical: vec![],
        }
        .fit(&t)
        .unwrap();
        assert_eq!(p.feature_names_out(), ["x", "x__missing"]);
        let out = p.transform_to_vec(&t).unwrap();
        let std =
            ((2.7f64.powi(2) + 1.7f64.powi(2) + 1.2f64.powi(2) + 0.7f64.powi(2) + 6.3f64.powi(2))
                / 5.0)
                .sqrt();
        let want = [1.0, 2.0, 2.5, 3.0, 10.0].map(|v| (v - 3.7) / std);
        for r in 0..5 {
            assert!((out[2 * r] - want[r]).abs() < 1e-12, "row {r}");
            assert_eq!(out[2 * r + 1], if r == 2 { 1.0 } else { 0.0 });
        }
    }

    #[test]
    fn categorical_rare_unseen_and_missing() {
        let train = CategoricalColumn::from_strs([
            Some("a"),
            Some("a"),
            Some("b"),
            Some("b"),
            Some("c"),
            None,
            None,
        ]);
        let mut spec = CategoricalSpec::new("k");
        spec.min_frequency = MinFrequency::Count(2);
        let p = PipelineSpec {
            numeric: vec![],
            categorical: vec![spec.clone()],
        }
        .fit(&table(&[("k", Column::Categorical(&train))]))
        .unwrap();
        assert_eq!(
            p.feature_names_out(),
            ["k=a", "k=b", "k=__missing__", "k=__other__"]
        );
        let test = CategoricalColumn::from_strs([Some("c"), Some("zz"), None, Some("b")]);
        let out = p
            .transform_to_vec(&table(&[("k", Column::Categorical(&test))]))
            .unwrap();
        assert_eq!(
            out,
            [0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 1., 0., 0., 1., 0., 0.]
        );
        // max_categories keeps the most frequent (ties by label), `__other__` included.
        spec.min_frequency = MinFrequency::Count(0);
        spec.max_categories = Some(3);
        spec.encoding = Encoding::Ordinal;
        let p = PipelineSpec {
            numeric: vec![],
            categorical: vec![spec],
        }
        .fit(&table(&[("k", Column::Categorical(&train))]))
        .unwrap();
        assert_eq!(p.categories("k").unwrap(), ["a", "b", "__other__"]);
        let out = p
            .transform_to_vec(&table(&[("k", Column::Categorical(&test))]))
            .unwrap();
        assert_eq!(out, [2.0, 2.0, 2.0, 1.0]);
    }

    #[test]
    fn unknown_value_raises_when_asked() {
        let train = CategoricalColumn::from_strs([Some("a"), Some("b")]);
        let mut spec = CategoricalSpec::new("k");
        spec.handle_unknown = HandleUnknown::Error;
        let p = PipelineSpec {
            numeric: vec![],
            categorical: vec![spec],
        }
        .fit(&table(&[("k", Column::Categorical(&train))]))
        .unwrap();
        assert_eq!(p.feature_names_out(), ["k=a", "k=b"]);
        let test = CategoricalColumn::from_strs([Some("a"), Some("q")]);
        let mut out = vec![7.0; 4];
        let err = p
            .transform(&table(&[("k", Column::Categorical(&test))]), &mut out)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert!(err.message().contains("row 1 is \"q\""), "{err}");
        assert_eq!(out, [7.0; 4], "nothing written on error");
    }

    #[test]
    fn numbers_read_as_labels() {
        let codes = [101.0, 202.0, 101.0, f64::NAN];
        let p = PipelineSpec {
            numeric: vec![],
            categorical: vec![CategoricalSpec::new("branch")],
        }
        .fit(&table(&[("branch", Column::Numeric(&codes))]))
        .unwrap();
        assert_eq!(
            p.categories("branch").unwrap(),
            ["101", "202", "__missing__", "__other__"]
        );
        let strings = CategoricalColumn::from_strs([Some("202")]);
        let out = p
            .transform_to_vec(&table(&[("branch", Column::Categorical(&strings))]))
            .unwrap();
        assert_eq!(out, [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn round_trips_through_json() {
        let x = [1.0, 5.0, f64::NAN, 100.0];
        let k = CategoricalColumn::from_strs([Some("a"), None, Some("b"), Some("a")]);
        let t = table(&[("x", Column::Numeric(&x)), ("k", Column::Categorical(&k))]);
        let mut n = NumericSpec::new("x");
        n.log1p = true;
        n.clip = Some((0.1, 0.9));
        n.bins = Some(3);
        n.add_indicator = true;
        let p = PipelineSpec {
            numeric: vec![n],
            categorical: vec![CategoricalSpec::new("k")],
        }
        .fit(&t)
        .unwrap();
        let back = FeaturePipeline::from_json(&p.to_json()).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            back.transform_to_vec(&t).unwrap(),
            p.transform_to_vec(&t).unwrap()
        );
    }
}
