//! The feature-pipeline fixture shared by the Rust, C and Python tests:
//! `tests/fixtures/pipeline_small.json` (a pipeline fitted here) and
//! `tests/fixtures/pipeline_small_expected.txt` (input rows and the outputs core gives for them).
//!
//! `NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures` rewrites both files;
//! otherwise this test checks that core still fits the same pipeline and that the checked-in
//! document still transforms the checked-in rows into exactly the checked-in outputs.

use nextbest::features::{
    CategoricalColumn, CategoricalSpec, Column, Encoding, FeaturePipeline, Impute, MinFrequency,
    NumericSpec, PipelineSpec, Scale, Table,
};
use nextbest::Persist;
use std::fmt::Write as _;
use std::path::PathBuf;

const NAN: f64 = f64::NAN;

/// The numeric inputs (NaN: missing). `branch` feeds a categorical column of the pipeline:
/// numbers read as labels.
const NUMERIC: [&str; 5] = ["income", "age", "balance", "tenure", "branch"];
/// The categorical inputs.
const CATEGORICAL: [&str; 2] = ["region", "segment"];

/// One input row: the numeric values, then the categorical ones (`None`: missing).
type Row = ([f64; 5], [Option<&'static str>; 2]);

const TRAIN: [Row; 16] = [
    (
        [2500.0, 34.0, 1200.5, 1.0, 101.0],
        [Some("north"), Some("mass")],
    ),
    (
        [3100.0, 45.0, -300.0, 3.0, 102.0],
        [Some("south"), Some("mass")],
    ),
    (
        [NAN, 29.0, 15000.0, 5.0, 101.0],
        [Some("north"), Some("affluent")],
    ),
    (
        [4200.0, NAN, 800.0, 2.0, 103.0],
        [Some("east"), Some("mass")],
    ),
    (
        [1800.0, 52.0, NAN, 8.0, 101.0],
        [Some("west"), Some("private")],
    ),
    (
        [9800.0, 61.0, 2300.0, 12.0, 102.0],
        [Some("north"), Some("affluent")],
    ),
    ([2750.0, 38.0, 0.0, 0.5, NAN], [Some("south"), Some("mass")]),
    ([3300.0, 27.0, 450.25, 7.0, 101.0], [None, Some("mass")]),
    (
        [NAN, 44.0, 9800.0, 4.0, 104.0],
        [Some("north"), Some("affluent")],
    ),
    (
        [5100.0, 33.0, NAN, 6.0, 102.0],
        [Some("east"), Some("mass")],
    ),
    (
        [2200.0, 70.0, 120.0, 15.0, 101.0],
        [Some("south"), Some("young")],
    ),
    (
        [60000.0, 48.0, 56000.0, 20.0, 103.0],
        [Some("north"), Some("private")],
    ),
    ([3900.0, 39.0, 3100.0, 3.0, 102.0], [None, Some("mass")]),
    (
        [2950.0, NAN, 700.0, 9.0, 101.0],
        [Some("west"), Some("affluent")],
    ),
    (
        [4700.0, 55.0, 2600.0, 2.0, 105.0],
        [Some("south"), Some("mass")],
    ),
    (
        [3600.0, 31.0, 40.0, 11.0, 102.0],
        [Some("north"), Some("mass")],
    ),
];

/// Rows to transform: seen and unseen categories, missing values, values beyond the fit range.
const TEST: [Row; 8] = [
    (
        [3100.0, 45.0, -300.0, 3.0, 102.0],
        [Some("south"), Some("mass")],
    ),
    ([NAN, NAN, NAN, NAN, NAN], [None, None]),
    (
        [1.0e6, 18.0, 1.0e6, 100.0, 999.0],
        [Some("central"), Some("student")],
    ),
    (
        [0.0, 90.0, -5000.0, -1.0, 103.0],
        [Some("east"), Some("private")],
    ),
    (
        [2800.0, 41.5, 1500.0, 6.0, 101.0],
        [Some("west"), Some("affluent")],
    ),
    (
        [4400.0, 36.0, 0.0, 10.0, 104.0],
        [Some("north"), Some("young")],
    ),
    (
        [2600.0, 29.0, 300.0, 0.5, 105.0],
        [Some("norte-\u{e9}\u{e8}"), Some("mass")],
    ),
    (
        [7000.0, 58.0, 25000.0, 12.0, 102.0],
        [Some("south"), Some("private")],
    ),
];

fn spec() -> PipelineSpec {
    let mut income = NumericSpec::new("income");
    income.log1p = true;
    income.clip = Some((0.05, 0.95));
    income.add_indicator = true; // median imputation, standard scaling
    let mut age = NumericSpec::new("age");
    age.impute = Impute::Mean;
    age.scale = Scale::Robust;
    let mut balance = NumericSpec::new("balance");
    balance.impute = Impute::Constant(0.0);
    balance.add_indicator = true;
    balance.scale = Scale::MinMax;
    let mut tenure = NumericSpec::new("tenure");
    tenure.bins = Some(4);
    let mut branch = CategoricalSpec::new("branch");
    branch.min_frequency = MinFrequency::Count(2);
    let mut region = CategoricalSpec::new("region");
    region.min_frequency = MinFrequency::Fraction(0.1);
    let mut segment = CategoricalSpec::new("segment");
    segment.encoding = Encoding::Ordinal;
    segment.max_categories = Some(3);
    PipelineSpec {
        numeric: vec![income, age, balance, tenure],
        categorical: vec![branch, region, segment],
    }
}

/// Calls `f` with a table of `rows`.
fn with_table<R>(rows: &[Row], f: impl FnOnce(&Table<'_>) -> R) -> R {
    let numeric: Vec<Vec<f64>> = (0..NUMERIC.len())
        .map(|j| rows.iter().map(|r| r.0[j]).collect())
        .collect();
    let categorical: Vec<CategoricalColumn> = (0..CATEGORICAL.len())
        .map(|j| CategoricalColumn::from_strs(rows.iter().map(|r| r.1[j])))
        .collect();
    let mut table = Table::new();
    for (name, values) in NUMERIC.iter().zip(&numeric) {
        table.push(name, Column::Numeric(values)).unwrap();
    }
    for (name, col) in CATEGORICAL.iter().zip(&categorical) {
        table.push(name, Column::Categorical(col)).unwrap();
    }
    f(&table)
}

fn fit() -> FeaturePipeline {
    with_table(&TRAIN, |t| spec().fit(t).unwrap())
}

/// Transforms `rows` with `p`: the row-major outputs.
fn transform(p: &FeaturePipeline, rows: &[Row]) -> Vec<f64> {
    with_table(rows, |t| p.transform_to_vec(t).unwrap())
}

/// The expected-outputs file for pipeline `p`. Numbers are written as Rust's `{:?}` writes
/// them: the shortest text that reads back as the same double (`NaN` for NaN).
fn expected_text(p: &FeaturePipeline) -> String {
    let mut s = String::from(
        "# Inputs and expected outputs of tests/fixtures/pipeline_small.json, shared by the Rust,\n\
         # C and Python tests. Generated by bindings-c/tests/fixtures.rs; do not edit. Regenerate with\n\
         #   NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures\n\
         # Lines, of tokens separated by one space (no name or label holds a space):\n\
         #   numeric NAME...      the numeric input columns (given as numbers; NaN is missing)\n\
         #   categorical NAME...  the categorical input columns (given as UTF-8 strings)\n\
         #   outputs N NAME...    the N output columns of the pipeline\n\
         #   rows N               the number of row/out pairs that follow\n\
         #   row X...             one input row: the numeric values, then the categorical labels\n\
         #                        (~ is missing)\n\
         #   out Y...             the N outputs of that row (compare to 1e-12)\n",
    );
    writeln!(s, "numeric {}", NUMERIC.join(" ")).unwrap();
    writeln!(s, "categorical {}", CATEGORICAL.join(" ")).unwrap();
    let names = p.feature_names_out();
    writeln!(s, "outputs {} {}", names.len(), names.join(" ")).unwrap();
    writeln!(s, "rows {}", TEST.len()).unwrap();
    let out = transform(p, &TEST);
    for (i, (nums, cats)) in TEST.iter().enumerate() {
        s.push_str("row");
        for v in nums {
            write!(s, " {v:?}").unwrap();
        }
        for c in cats {
            write!(s, " {}", c.unwrap_or("~")).unwrap();
        }
        s.push_str("\nout");
        for v in &out[i * names.len()..(i + 1) * names.len()] {
            write!(s, " {v:?}").unwrap();
        }
        s.push('\n');
    }
    s
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

#[test]
fn pipeline_fixture_is_what_core_gives() {
    let dir = fixtures_dir();
    let (json_path, expected_path) = (
        dir.join("pipeline_small.json"),
        dir.join("pipeline_small_expected.txt"),
    );
    let fitted = fit();
    if std::env::var_os("NEXTBEST_REGENERATE").is_some() {
        std::fs::write(&json_path, fitted.to_json() + "\n").unwrap();
        std::fs::write(&expected_path, expected_text(&fitted)).unwrap();
        return;
    }
    let json = std::fs::read_to_string(&json_path).unwrap();
    let loaded = FeaturePipeline::from_json(json.trim_end()).unwrap();
    assert!(
        loaded == fitted,
        "core no longer fits the pipeline of {}: regenerate the fixtures \
         (NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures) if that is intended",
        json_path.display()
    );
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    let got = expected_text(&loaded);
    for (i, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(e, g, "{} line {}", expected_path.display(), i + 1);
    }
    assert_eq!(expected, got, "{}", expected_path.display());
}

#[test]
fn the_fixture_covers_what_the_c_test_checks() {
    let p = fit();
    let names = p.feature_names_out();
    let col = |n: &str| names.iter().position(|x| x == n).unwrap();
    let out = transform(&p, &TEST);
    let w = names.len();
    // Row 1: everything missing: indicators set, imputed values, missing/other categories.
    assert_eq!(out[w + col("income__missing")], 1.0);
    assert_eq!(out[w + col("balance__missing")], 1.0);
    assert_eq!(out[w + col("region=__missing__")], 1.0);
    assert_eq!(
        out[w + col("branch=__other__")],
        1.0,
        "missing was rare at fit"
    );
    // Row 2: unseen values go to __other__ (the last ordinal index for segment).
    assert_eq!(out[2 * w + col("region=__other__")], 1.0);
    assert_eq!(out[2 * w + col("branch=__other__")], 1.0);
    assert_eq!(
        out[2 * w + col("segment")],
        (p.categories("segment").unwrap().len() - 1) as f64
    );
}
