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

// ---- model fixtures ------------------------------------------------------------------------
//
// `tests/fixtures/logistic_small.json`: a logistic regression with feature names, fitted here on
// 200 synthetic customers; `tests/fixtures/scoring_small.json`: a scoring pipeline (a feature
// pipeline of 3 numeric and 1 categorical raw columns, a logistic regression on its outputs and
// a Platt calibrator of its raw score) fitted on the same customers. Each `*_expected.txt` holds
// input rows and what core gives for them: the raw score, the probability, the explanation and
// the reason codes (k = REASONS).

use nextbest::data::Matrix;
use nextbest::model::{Classifier, Model};
use nextbest::propensity::{
    CalibrationInput, CalibrationMethod, Calibrator, LogisticParams, LogisticRegression,
    ReasonCodes, ScoringPipeline,
};
use nextbest::rng::Rng;

/// Reason codes per direction in the expected files: more than raise or lower some rows, so that
/// the padding (-1 and 0.0) is exercised.
const REASONS: usize = 3;
/// Customers of the synthetic training data.
const CUSTOMERS: usize = 200;
/// The raw numeric columns of the synthetic customers, then the categorical one.
const RAW_NUMERIC: [&str; 3] = ["income", "age", "balance"];
const RAW_CATEGORICAL: &str = "segment";
const SEGMENTS: [&str; 4] = ["mass", "affluent", "private", "young"];
/// The features of the logistic fixture, made from the raw columns by [`model_features`].
const MODEL_FEATURES: [&str; 4] = ["income_k", "age", "balance_k", "affluent"];

/// One raw customer: income, age, balance (NaN: missing) and segment (`None`: missing).
type Customer = ([f64; 3], Option<&'static str>);

/// The synthetic customers and whether each took the offer (0 or 1), from a fixed seed. Raw
/// values are rounded (whole incomes and ages, balances to the cent), so that they read back
/// exactly from the expected files. `with_missing`: every 19th balance and every 25th segment
/// missing (for the pipeline; the logistic fixture's features need complete rows).
fn customers(with_missing: bool) -> (Vec<Customer>, Vec<f64>) {
    let mut rng = Rng::from_seed(20_250_601);
    let mut rows = Vec::with_capacity(CUSTOMERS);
    let mut y = Vec::with_capacity(CUSTOMERS);
    for i in 0..CUSTOMERS {
        let income = (8.0 + 0.45 * rng.normal()).exp().round();
        let age = 18.0 + rng.below(60) as f64;
        let balance = (2500.0 * rng.normal() * 100.0).round() / 100.0;
        let segment = SEGMENTS[[0, 0, 0, 1, 2, 3][rng.below(6) as usize]];
        let lift = match segment {
            "affluent" => 0.6,
            "private" => 0.9,
            "young" => -0.5,
            _ => 0.0,
        };
        let logit =
            -0.8 + 1.2 * (income.ln() - 8.0) - 0.02 * (age - 45.0) + 0.25 * balance / 1000.0 + lift;
        y.push(if rng.uniform() < 1.0 / (1.0 + (-logit).exp()) {
            1.0
        } else {
            0.0
        });
        let missing_balance = with_missing && i % 19 == 7;
        let missing_segment = with_missing && i % 25 == 11;
        rows.push((
            [
                income,
                age,
                if missing_balance { f64::NAN } else { balance },
            ],
            (!missing_segment).then_some(segment),
        ));
    }
    (rows, y)
}

/// The logistic fixture's features of a raw customer (complete).
fn model_features(c: &Customer) -> [f64; 4] {
    let affluent = matches!(c.1, Some("affluent" | "private"));
    [
        c.0[0] / 1000.0,
        c.0[1],
        c.0[2] / 1000.0,
        affluent as u8 as f64,
    ]
}

/// Rows of the logistic fixture's expected file: typical, all zero, far out (a probability
/// within 1e-10 of 1), and rows with few positive or negative contributions.
const MODEL_ROWS: [[f64; 4]; 6] = [
    [3.2, 41.0, 1.5, 0.0],
    [0.0, 0.0, 0.0, 0.0],
    [12.5, 70.0, -8.25, 1.0],
    [1.1, 23.0, 0.25, 1.0],
    [250.0, 99.0, 500.0, 1.0],
    [2.95, 45.0, 0.0, 0.0],
];

/// Raw rows of the scoring fixture's expected file: seen values, a missing balance and segment,
/// an unseen segment ("student" goes to `segment=__other__`), and far-out values.
const SCORING_ROWS: [Customer; 6] = [
    ([3100.0, 45.0, 1200.5], Some("mass")),
    ([2500.0, 30.0, f64::NAN], None),
    ([1800.0, 22.0, 50.0], Some("student")),
    ([12000.0, 55.0, 25000.0], Some("affluent")),
    ([7000.0, 62.0, -3000.0], Some("private")),
    ([900.0, 19.0, 10.0], Some("young")),
];

fn fit_logistic() -> LogisticRegression {
    let (rows, y) = customers(false);
    let x: Vec<f64> = rows.iter().flat_map(model_features).collect();
    LogisticParams::default()
        .fit(Matrix::row_major(&x, CUSTOMERS, 4).unwrap(), &y, None)
        .unwrap()
        .with_feature_names(MODEL_FEATURES.iter().map(|s| s.to_string()).collect())
        .unwrap()
}

/// Calls `f` with a table of raw customers.
fn with_customers<R>(rows: &[Customer], f: impl FnOnce(&Table<'_>) -> R) -> R {
    let numeric: Vec<Vec<f64>> = (0..RAW_NUMERIC.len())
        .map(|j| rows.iter().map(|r| r.0[j]).collect())
        .collect();
    let segment = CategoricalColumn::from_strs(rows.iter().map(|r| r.1));
    let mut table = Table::new();
    for (name, values) in RAW_NUMERIC.iter().zip(&numeric) {
        table.push(name, Column::Numeric(values)).unwrap();
    }
    table
        .push(RAW_CATEGORICAL, Column::Categorical(&segment))
        .unwrap();
    f(&table)
}

fn fit_scoring() -> ScoringPipeline {
    let (rows, y) = customers(true);
    let mut income = NumericSpec::new("income");
    income.log1p = true;
    let age = NumericSpec::new("age");
    let mut balance = NumericSpec::new("balance");
    balance.add_indicator = true;
    let spec = PipelineSpec {
        numeric: vec![income, age, balance],
        categorical: vec![CategoricalSpec::new(RAW_CATEGORICAL)],
    };
    let features = with_customers(&rows, |t| spec.fit(t).unwrap());
    let x = with_customers(&rows, |t| features.transform_to_vec(t).unwrap());
    let width = features.n_outputs();
    let x = Matrix::row_major(&x, CUSTOMERS, width).unwrap();
    let model = LogisticParams::default()
        .fit(x, &y, None)
        .unwrap()
        .with_feature_names(features.feature_names_out().to_vec())
        .unwrap();
    let mut scores = vec![0.0; CUSTOMERS];
    model.decision_function(x, &mut scores).unwrap();
    let calibrator = Calibrator::fit(CalibrationMethod::Platt, &scores, &y, None).unwrap();
    ScoringPipeline::new(
        features,
        model.into(),
        Some((calibrator, CalibrationInput::DecisionFunction)),
    )
    .unwrap()
}

/// What one row's lines of an expected file say.
struct Scored {
    decision: f64,
    proba: f64,
    explain: Vec<f64>,
}

/// Writes `name` and the values of `values`, `{:?}` each (the shortest text that reads back as
/// the same double).
fn line(s: &mut String, name: &str, values: impl IntoIterator<Item = f64>) {
    s.push_str(name);
    for v in values {
        write!(s, " {v:?}").unwrap();
    }
    s.push('\n');
}

/// The `raising` and `lowering` lines of row `i`: feature index and contribution pairs.
fn reason_lines(s: &mut String, codes: &ReasonCodes, i: usize) {
    for (name, reasons) in [
        ("raising", codes.raising(i)),
        ("lowering", codes.lowering(i)),
    ] {
        s.push_str(name);
        for r in reasons {
            match r {
                Some(r) => write!(s, " {} {:?}", r.feature, r.contribution).unwrap(),
                None => s.push_str(" -1 0.0"),
            }
        }
        s.push('\n');
    }
}

const MODEL_HEADER: &str = "\
# Lines, of tokens separated by one space (no name or label holds a space):
#   features N NAME...   the model's N input features, in order
#   k K                  reasons per direction in the raising/lowering lines
#   rows R               the number of rows that follow, each a block of lines:
";

const ROW_LINES: &str = "\
#   decision Z           the raw score (log-odds of class 1)
#   proba P              the probability of class 1
#   explain C... B       the N contributions to the raw score, then the base value (N + 1
#                        values, summing to Z)
#   raising J C...       K pairs: a feature index (0-based) and its contribution, largest
#                        positive first; -1 0.0 where fewer than K features raise the score
#   lowering J C...      the same for the most negative contributions
# Numbers are the shortest text that reads back as the same double; compare to 1e-12, and
# feature indices exactly.
";

fn generated_by(what: &str) -> String {
    format!(
        "# Inputs and expected outputs of tests/fixtures/{what}, shared by the Rust,\n\
         # C and Python tests. Generated by bindings-c/tests/fixtures.rs; do not edit. Regenerate with\n\
         #   NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures\n"
    )
}

/// What `model` gives for `x` (row-major `rows x n_features`).
fn score_model(model: &Model, x: &[f64], rows: usize) -> (Vec<Scored>, ReasonCodes) {
    let p = model.n_features();
    let x = Matrix::row_major(x, rows, p).unwrap();
    let (mut z, mut proba, mut e) = (vec![0.0; rows], vec![0.0; rows], vec![0.0; rows * (p + 1)]);
    model.decision_function(x, &mut z).unwrap();
    model.predict_proba(x, &mut proba).unwrap();
    model.explain(x, &mut e).unwrap();
    let scored = (0..rows)
        .map(|i| Scored {
            decision: z[i],
            proba: proba[i],
            explain: e[i * (p + 1)..(i + 1) * (p + 1)].to_vec(),
        })
        .collect();
    (scored, model.reason_codes(x, REASONS).unwrap())
}

/// What `pipeline` gives for the raw `rows`.
fn score_pipeline(pipeline: &ScoringPipeline, rows: &[Customer]) -> (Vec<Scored>, ReasonCodes) {
    let n = rows.len();
    let p = pipeline.feature_names().len();
    with_customers(rows, |t| {
        let x = pipeline.features().transform_to_vec(t).unwrap();
        let (mut z, mut proba, mut e) = (vec![0.0; n], vec![0.0; n], vec![0.0; n * (p + 1)]);
        let x = Matrix::row_major(&x, n, p).unwrap();
        pipeline.model().decision_function(x, &mut z).unwrap();
        pipeline.predict_proba(t, &mut proba).unwrap();
        pipeline.explain(t, &mut e).unwrap();
        let scored = (0..n)
            .map(|i| Scored {
                decision: z[i],
                proba: proba[i],
                explain: e[i * (p + 1)..(i + 1) * (p + 1)].to_vec(),
            })
            .collect();
        (scored, pipeline.reason_codes(t, REASONS).unwrap())
    })
}

fn scored_lines(s: &mut String, scored: &Scored, codes: &ReasonCodes, i: usize) {
    line(s, "decision", [scored.decision]);
    line(s, "proba", [scored.proba]);
    line(s, "explain", scored.explain.iter().copied());
    reason_lines(s, codes, i);
}

/// The expected-outputs file of a model fixture: `file` is the document's name, `x_line` the
/// comment line describing the `x` lines, `rows` the input rows.
fn model_expected_text<const P: usize>(
    model: &Model,
    file: &str,
    x_line: &str,
    rows: &[[f64; P]],
) -> String {
    let mut s = generated_by(file);
    s.push_str(MODEL_HEADER);
    s.push_str(x_line);
    s.push_str(ROW_LINES);
    let names = model.feature_names().unwrap();
    writeln!(s, "features {} {}", names.len(), names.join(" ")).unwrap();
    writeln!(s, "k {REASONS}").unwrap();
    writeln!(s, "rows {}", rows.len()).unwrap();
    let x: Vec<f64> = rows.iter().flatten().copied().collect();
    let (scored, codes) = score_model(model, &x, rows.len());
    for (i, row) in rows.iter().enumerate() {
        line(&mut s, "x", row.iter().copied());
        scored_lines(&mut s, &scored[i], &codes, i);
    }
    s
}

/// The expected-outputs file of the logistic fixture.
fn logistic_expected_text(model: &Model) -> String {
    model_expected_text(
        model,
        "logistic_small.json",
        "#   x X...               the N input values of the row\n",
        &MODEL_ROWS,
    )
}

/// The expected-outputs file of the scoring fixture.
fn scoring_expected_text(pipeline: &ScoringPipeline) -> String {
    let mut s = generated_by("scoring_small.json");
    s.push_str(
        "# Lines, of tokens separated by one space (no name or label holds a space):\n\
         #   numeric NAME...      the raw numeric input columns (given as numbers; NaN is missing)\n\
         #   categorical NAME...  the raw categorical input columns (given as UTF-8 strings)\n",
    );
    s.push_str(&MODEL_HEADER[MODEL_HEADER.find("#   features").unwrap()..]);
    s.push_str(
        "#   row X...             the raw inputs: the numeric values, then the categorical labels\n\
         #                        (~ is missing)\n",
    );
    s.push_str(
        &ROW_LINES
            .replace(
                "#   decision Z           the raw score (log-odds of class 1)\n",
                "#   decision Z           the model's raw score (log-odds of class 1, before calibration)\n",
            )
            .replace(
                "#   proba P              the probability of class 1\n",
                "#   proba P              the calibrated probability of class 1\n",
            ),
    );
    writeln!(s, "numeric {}", RAW_NUMERIC.join(" ")).unwrap();
    writeln!(s, "categorical {RAW_CATEGORICAL}").unwrap();
    let names = pipeline.feature_names();
    writeln!(s, "features {} {}", names.len(), names.join(" ")).unwrap();
    writeln!(s, "k {REASONS}").unwrap();
    writeln!(s, "rows {}", SCORING_ROWS.len()).unwrap();
    let (scored, codes) = score_pipeline(pipeline, &SCORING_ROWS);
    for (i, (nums, cat)) in SCORING_ROWS.iter().enumerate() {
        s.push_str("row");
        for v in nums {
            write!(s, " {v:?}").unwrap();
        }
        writeln!(s, " {}", cat.unwrap_or("~")).unwrap();
        scored_lines(&mut s, &scored[i], &codes, i);
    }
    s
}

/// Asserts that `got` is `want` to a relative 1e-9: a refit on another platform may differ in
/// the last bits (the checked-in document, not the refit, defines the expected outputs).
fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (j, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1.0),
            "{what}[{j}]: core now fits {g:?}, the fixture holds {w:?}: regenerate the fixtures \
             (NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures) if that is intended"
        );
    }
}

fn assert_same_logistic(got: &LogisticRegression, want: &LogisticRegression, what: &str) {
    assert_close(got.coef(), want.coef(), &format!("{what} coef"));
    assert_close(
        &[got.intercept()],
        &[want.intercept()],
        &format!("{what} intercept"),
    );
    assert_close(
        got.reference(),
        want.reference(),
        &format!("{what} reference"),
    );
    assert_eq!(
        got.feature_names(),
        want.feature_names(),
        "{what} feature names"
    );
}

/// Compares the checked-in expected file with `got`, line by line first.
fn assert_text(path: &std::path::Path, got: &str) {
    let expected = std::fs::read_to_string(path).unwrap();
    for (i, (e, g)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(e, g, "{} line {}", path.display(), i + 1);
    }
    assert_eq!(expected, got, "{}", path.display());
}

#[test]
fn model_fixtures_are_what_core_gives() {
    let dir = fixtures_dir();
    let logistic = fit_logistic();
    let scoring = fit_scoring();
    let paths = [
        "logistic_small.json",
        "logistic_small_expected.txt",
        "scoring_small.json",
        "scoring_small_expected.txt",
    ]
    .map(|f| dir.join(f));
    if std::env::var_os("NEXTBEST_REGENERATE").is_some() {
        let model = Model::from(logistic.clone());
        std::fs::write(&paths[0], logistic.to_json() + "\n").unwrap();
        std::fs::write(&paths[1], logistic_expected_text(&model)).unwrap();
        std::fs::write(&paths[2], scoring.to_json() + "\n").unwrap();
        std::fs::write(&paths[3], scoring_expected_text(&scoring)).unwrap();
        return;
    }
    // The checked-in documents are (to rounding) what core fits today...
    let json = std::fs::read_to_string(&paths[0]).unwrap();
    let loaded = LogisticRegression::from_json(json.trim_end()).unwrap();
    assert_same_logistic(&logistic, &loaded, "logistic_small.json");
    let json = std::fs::read_to_string(&paths[2]).unwrap();
    let loaded_scoring = ScoringPipeline::from_json(json.trim_end()).unwrap();
    assert!(
        loaded_scoring.features() == scoring.features(),
        "core no longer fits the feature pipeline of scoring_small.json: regenerate the fixtures \
         (NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures) if that is intended"
    );
    let (Model::Logistic(got), Model::Logistic(want)) = (scoring.model(), loaded_scoring.model())
    else {
        panic!("scoring_small.json holds a logistic regression");
    };
    assert_same_logistic(got, want, "scoring_small.json model");
    let (got, _) = scoring.calibrator().unwrap();
    let (want, on) = loaded_scoring.calibrator().unwrap();
    assert_eq!(on, CalibrationInput::DecisionFunction);
    let (ga, gb) = got.platt_parameters().unwrap();
    let (wa, wb) = want.platt_parameters().unwrap();
    assert_close(&[ga, gb], &[wa, wb], "scoring_small.json Platt (A, B)");
    // ... and the expected files are exactly what the checked-in documents give.
    assert_text(&paths[1], &logistic_expected_text(&Model::Logistic(loaded)));
    assert_text(&paths[3], &scoring_expected_text(&loaded_scoring));
}

/// The properties the C and Python replays rely on, checked on the fixtures themselves.
#[test]
fn model_fixtures_cover_what_the_c_test_checks() {
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let model = Model::from(fit_logistic());
    let x: Vec<f64> = MODEL_ROWS.iter().flatten().copied().collect();
    let (scored, codes) = score_model(&model, &x, MODEL_ROWS.len());
    let mut padded = false;
    for (i, s) in scored.iter().enumerate() {
        let sum: f64 = s.explain.iter().sum();
        assert!(
            (sum - s.decision).abs() <= 1e-9 * s.decision.abs().max(1.0),
            "row {i}"
        );
        assert!((s.proba - sigmoid(s.decision)).abs() <= 1e-12, "row {i}");
        padded |= codes
            .raising(i)
            .iter()
            .chain(codes.lowering(i))
            .any(Option::is_none);
    }
    assert!(padded, "some row has fewer than k reasons in a direction");
    assert!(
        scored[4].proba > 1.0 - 1e-10,
        "the far-out row is almost certain"
    );
    // One row at a time gives the batch's values, bit for bit.
    for (i, row) in MODEL_ROWS.iter().enumerate() {
        let (one, _) = score_model(&model, row, 1);
        assert_eq!(one[0].proba.to_bits(), scored[i].proba.to_bits());
        assert_eq!(one[0].explain, scored[i].explain);
    }

    let pipeline = fit_scoring();
    let names = pipeline.feature_names();
    assert!(names.iter().any(|n| n == "segment=__other__"));
    assert!(names.iter().any(|n| n == "balance__missing"));
    let (scored, _) = score_pipeline(&pipeline, &SCORING_ROWS);
    let (calibrator, _) = pipeline.calibrator().unwrap();
    for (i, s) in scored.iter().enumerate() {
        let sum: f64 = s.explain.iter().sum();
        assert!(
            (sum - s.decision).abs() <= 1e-9 * s.decision.abs().max(1.0),
            "row {i}"
        );
        assert_eq!(
            s.proba,
            calibrator.predict_one(s.decision).unwrap(),
            "row {i}"
        );
    }
    let col = |n: &str| names.iter().position(|x| x == n).unwrap();
    let x = with_customers(&SCORING_ROWS, |t| {
        pipeline.features().transform_to_vec(t).unwrap()
    });
    let w = names.len();
    assert_eq!(x[w + col("balance__missing")], 1.0);
    assert_eq!(x[w + col("segment=__missing__")], 1.0);
    assert_eq!(x[2 * w + col("segment=__other__")], 1.0);
    // A document of another kind is not a model.
    let e = Model::from_json(&pipeline.to_json()).unwrap_err();
    assert_eq!(e.kind(), nextbest::ErrorKind::WrongKind);
}

// ---- the boosting fixture ------------------------------------------------------------------
//
// `tests/fixtures/boosting_small.json`: a small gradient-boosting model fitted here on the same
// 200 synthetic customers as the logistic fixture, with missing values, a categorical feature
// and a monotone constraint; `boosting_small_expected.txt` in the logistic fixture's format.

use nextbest::gbdt::{BoostingParams, GradientBoosting};

/// The features of the boosting fixture: the logistic fixture's, then the segment's code.
const BOOSTING_FEATURES: [&str; 5] = ["income_k", "age", "balance_k", "affluent", "segment"];
/// The column holding the segment's code (its index in [`SEGMENTS`]: 0 mass, 1 affluent,
/// 2 private, 3 young), declared categorical.
const SEGMENT_CODE: usize = 4;
/// The column with a monotone constraint: the score never decreases as income grows.
const MONOTONE_INCREASING: usize = 0;

/// The boosting fixture's features of training customer `i`: every 7th balance and every 13th
/// segment code missing (NaN).
fn boosting_features(i: usize, c: &Customer) -> [f64; 5] {
    let [income_k, age, balance_k, affluent] = model_features(c);
    let code = SEGMENTS.iter().position(|s| Some(*s) == c.1).unwrap() as f64;
    [
        income_k,
        age,
        if i % 7 == 3 { NAN } else { balance_k },
        affluent,
        if i % 13 == 5 { NAN } else { code },
    ]
}

fn boosting_params() -> BoostingParams {
    let mut monotone = vec![0; BOOSTING_FEATURES.len()];
    monotone[MONOTONE_INCREASING] = 1;
    BoostingParams {
        n_estimators: 20,
        learning_rate: 0.3,
        num_leaves: 6,
        min_samples_leaf: 5,
        max_bins: 32,
        monotone_constraints: monotone,
        categorical_features: vec![SEGMENT_CODE],
        ..Default::default()
    }
}

/// The boosting fixture's training matrix (row-major) and labels.
fn boosting_training() -> (Vec<f64>, Vec<f64>) {
    let (rows, y) = customers(false);
    let x = rows
        .iter()
        .enumerate()
        .flat_map(|(i, c)| boosting_features(i, c))
        .collect();
    (x, y)
}

fn fit_boosting() -> GradientBoosting {
    let (x, y) = boosting_training();
    let p = BOOSTING_FEATURES.len();
    boosting_params()
        .fit(Matrix::row_major(&x, CUSTOMERS, p).unwrap(), &y, None, None)
        .unwrap()
        .with_feature_names(BOOSTING_FEATURES.iter().map(|s| s.to_string()).collect())
        .unwrap()
}

/// Rows of the boosting fixture's expected file: typical, missing values (one, all), an unseen
/// segment code, a code that is no integer, far-out values both ways.
const BOOSTING_ROWS: [[f64; 5]; 8] = [
    [3.2, 41.0, 1.5, 0.0, 0.0],
    [2.5, 30.0, NAN, 0.0, 3.0],
    [NAN, NAN, NAN, NAN, NAN],
    [1.8, 22.0, 0.05, 0.0, 7.0],
    [250.0, 99.0, 500.0, 1.0, 2.0],
    [0.0, 0.0, -1.0e6, 0.0, 1.0],
    [12.5, 70.0, -8.25, 1.0, 2.5],
    [2.95, 45.0, 0.0, 1.0, NAN],
];

/// The expected-outputs file of the boosting fixture.
fn boosting_expected_text(model: &Model) -> String {
    model_expected_text(
        model,
        "boosting_small.json",
        "#   x X...               the N input values of the row (NaN is missing)\n",
        &BOOSTING_ROWS,
    )
}

/// Asserts that core fits (to rounding) the trees of the checked-in document: the same
/// structure exactly, numbers to a relative 1e-9, and the same scores.
fn assert_same_boosting(got: &GradientBoosting, want: &GradientBoosting, what: &str) {
    assert_eq!(got.params(), want.params(), "{what} params");
    assert_eq!(got.report(), want.report(), "{what} report");
    assert_eq!(
        got.feature_names(),
        want.feature_names(),
        "{what} feature names"
    );
    assert_eq!(got.n_features(), want.n_features(), "{what} n_features");
    assert_close(
        &[got.init_score()],
        &[want.init_score()],
        &format!("{what} init_score"),
    );
    assert_eq!(
        got.trees().len(),
        want.trees().len(),
        "{what} number of trees"
    );
    for (t, (g, w)) in got.trees().iter().zip(want.trees()).enumerate() {
        assert_eq!(
            g.nodes().len(),
            w.nodes().len(),
            "{what} tree {t}: core now grows another tree: regenerate the fixtures \
             (NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures) if that is intended"
        );
        for (i, (a, b)) in g.nodes().iter().zip(w.nodes()).enumerate() {
            assert_eq!(
                (a.children, a.feature, &a.categories, a.default_left, a.count),
                (b.children, b.feature, &b.categories, b.default_left, b.count),
                "{what} tree {t} node {i}: core now grows another tree: regenerate the fixtures \
                 (NEXTBEST_REGENERATE=1 cargo test -p nextbest-c --test fixtures) if that is intended"
            );
            assert_close(
                &[a.threshold, a.value, a.gain],
                &[b.threshold, b.value, b.gain],
                &format!("{what} tree {t} node {i} (threshold, value, gain)"),
            );
        }
    }
    // The scores of the training rows and of the fixture's rows.
    let (mut x, _) = boosting_training();
    x.extend(BOOSTING_ROWS.iter().flatten());
    let n = CUSTOMERS + BOOSTING_ROWS.len();
    let x = Matrix::row_major(&x, n, BOOSTING_FEATURES.len()).unwrap();
    let (mut zg, mut zw) = (vec![0.0; n], vec![0.0; n]);
    got.decision_function(x, &mut zg).unwrap();
    want.decision_function(x, &mut zw).unwrap();
    assert_close(&zg, &zw, &format!("{what} scores"));
}

#[test]
fn boosting_fixture_is_what_core_gives() {
    let dir = fixtures_dir();
    let fitted = fit_boosting();
    let paths = ["boosting_small.json", "boosting_small_expected.txt"].map(|f| dir.join(f));
    if std::env::var_os("NEXTBEST_REGENERATE").is_some() {
        std::fs::write(&paths[0], fitted.to_json() + "\n").unwrap();
        std::fs::write(&paths[1], boosting_expected_text(&Model::from(fitted))).unwrap();
        return;
    }
    let json = std::fs::read_to_string(&paths[0]).unwrap();
    let loaded = GradientBoosting::from_json(json.trim_end()).unwrap();
    assert_same_boosting(&fitted, &loaded, "boosting_small.json");
    // The generic loader gives the same model, and the document reads back to its own text.
    let model = Model::from_json(json.trim_end()).unwrap();
    assert_eq!(model.kind(), "gradient_boosting");
    assert_eq!(model.to_json(), json.trim_end());
    assert_text(&paths[1], &boosting_expected_text(&model));
}

/// The properties the C and Python replays of the boosting fixture rely on.
#[test]
fn boosting_fixture_covers_what_the_c_test_checks() {
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let fitted = fit_boosting();
    let p = BOOSTING_FEATURES.len();
    // The model uses what the fixture is about: a categorical split on the segment code, a
    // learned direction for missing balances, splits on the constrained income.
    let nodes = || {
        fitted
            .trees()
            .iter()
            .flat_map(|t| t.nodes())
            .filter(|n| !n.is_leaf())
    };
    assert_eq!(fitted.trees().len(), 20);
    assert!(nodes().any(|n| n.feature as usize == SEGMENT_CODE && n.categories.is_some()));
    assert!(nodes().all(|n| (n.feature as usize == SEGMENT_CODE) == n.categories.is_some()));
    assert!(nodes().any(|n| n.feature == 2 && n.default_left));
    assert!(nodes().any(|n| n.feature == 2 && !n.default_left));
    assert!(nodes().any(|n| n.feature as usize == MONOTONE_INCREASING));

    let model = Model::from(fitted.clone());
    let x: Vec<f64> = BOOSTING_ROWS.iter().flatten().copied().collect();
    let (scored, codes) = score_model(&model, &x, BOOSTING_ROWS.len());
    let mut padded = false;
    for (i, s) in scored.iter().enumerate() {
        let sum: f64 = s.explain.iter().sum();
        assert!(
            (sum - s.decision).abs() <= 1e-12 * s.decision.abs().max(1.0),
            "row {i}: the explanation sums to {sum:?}, the score is {:?}",
            s.decision
        );
        assert!((s.proba - sigmoid(s.decision)).abs() <= 1e-12, "row {i}");
        assert!(s.proba > 0.0 && s.proba < 1.0, "row {i}");
        // The flattened forest scores as the trees do, one by one.
        let row = &BOOSTING_ROWS[i];
        let by_trees = fitted.init_score()
            + fitted
                .trees()
                .iter()
                .map(|t| t.predict_row(row))
                .sum::<f64>();
        assert!((by_trees - s.decision).abs() <= 1e-12, "row {i}");
        padded |= codes
            .raising(i)
            .iter()
            .chain(codes.lowering(i))
            .any(Option::is_none);
    }
    assert!(padded, "some row has fewer than k reasons in a direction");
    // The unseen code 7 and a code that is no integer (2.5) go where every other code that
    // was not seen at fit goes.
    assert!(BOOSTING_ROWS[2].iter().all(|v| v.is_nan()));
    assert_eq!(BOOSTING_ROWS[3][SEGMENT_CODE], 7.0);
    assert_eq!(BOOSTING_ROWS[6][SEGMENT_CODE], 2.5);
    let with_code = |code: f64| {
        let mut row = BOOSTING_ROWS[0];
        row[SEGMENT_CODE] = code;
        score_model(&model, &row, 1).0[0].decision
    };
    for code in [2.5, 4.0, 1e9, -1.0, -0.0] {
        let want = if code == 0.0 {
            with_code(0.0)
        } else {
            with_code(7.0)
        };
        assert_eq!(with_code(code), want, "segment code {code}");
    }
    // One row at a time gives the batch's values, bit for bit.
    for (i, row) in BOOSTING_ROWS.iter().enumerate() {
        let (one, _) = score_model(&model, row, 1);
        assert_eq!(one[0].decision.to_bits(), scored[i].decision.to_bits());
        assert_eq!(one[0].proba.to_bits(), scored[i].proba.to_bits());
        assert_eq!(one[0].explain, scored[i].explain);
    }
    // The monotone constraint holds: no row's score falls as its income grows.
    for row in BOOSTING_ROWS {
        let grid: Vec<f64> = (0..=400)
            .flat_map(|s| {
                let mut r = row;
                r[MONOTONE_INCREASING] = s as f64 * 0.05;
                r
            })
            .collect();
        let (scored, _) = score_model(&model, &grid, 401);
        assert!(
            scored.windows(2).all(|w| w[1].decision >= w[0].decision),
            "{row:?}"
        );
    }
    // An infinite value is an error naming it; NaN is not.
    let mut bad = x.clone();
    bad[p + 2] = f64::INFINITY;
    let mut out = vec![0.0; BOOSTING_ROWS.len()];
    let e = model
        .predict_proba(
            Matrix::row_major(&bad, BOOSTING_ROWS.len(), p).unwrap(),
            &mut out,
        )
        .unwrap_err();
    assert_eq!(e.kind(), nextbest::ErrorKind::NonFinite);
    assert!(e.message().contains("X[1, 2] is inf"), "{}", e.message());
}
