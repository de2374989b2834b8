//! Properties of the feature pipeline on random tables: row independence, persistence, the
//! shape of one-hot and ordinal outputs, and that a failed transform writes nothing.

use nextbest::features::{
    CategoricalColumn, CategoricalSpec, Column, Encoding, FeaturePipeline, HandleUnknown, Impute,
    MinFrequency, NumericSpec, PipelineSpec, Scale, Table,
};
use nextbest::{ErrorKind, Persist};
use proptest::prelude::*;

/// A random numeric column: mostly finite, some missing.
fn numeric_column(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            8 => -100.0f64..1e4,
            1 => Just(f64::NAN),
            1 => Just(0.0),
        ],
        n,
    )
}

/// A random categorical column over a small alphabet, some missing.
fn label_column(n: usize) -> impl Strategy<Value = Vec<Option<String>>> {
    prop::collection::vec(
        prop_oneof![
            6 => "[a-f]".prop_map(Some),
            1 => "[g-z]{1,3}".prop_map(Some),
            1 => Just(None),
        ],
        n,
    )
}

fn numeric_spec() -> impl Strategy<Value = NumericSpec> {
    (
        any::<bool>(),
        prop::option::of((0.0f64..0.3, 0.7f64..1.0)),
        prop_oneof![
            Just(Impute::Mean),
            Just(Impute::Median),
            (0.0f64..10.0).prop_map(Impute::Constant)
        ],
        any::<bool>(),
        prop_oneof![
            Just(Scale::None),
            Just(Scale::Standard),
            Just(Scale::Robust),
            Just(Scale::MinMax)
        ],
        prop::option::of(2usize..12),
    )
        .prop_map(
            |(log1p, clip, impute, add_indicator, scale, bins)| NumericSpec {
                name: "x".into(),
                log1p,
                clip,
                impute,
                add_indicator,
                scale,
                bins,
            },
        )
}

fn categorical_spec() -> impl Strategy<Value = CategoricalSpec> {
    (
        prop_oneof![Just(Encoding::OneHot), Just(Encoding::Ordinal)],
        prop::option::of(2usize..8),
        prop_oneof![
            (0usize..4).prop_map(MinFrequency::Count),
            (0.0f64..0.3).prop_map(MinFrequency::Fraction)
        ],
        prop_oneof![Just(HandleUnknown::Other), Just(HandleUnknown::Error)],
    )
        .prop_map(
            |(encoding, max_categories, min_frequency, handle_unknown)| CategoricalSpec {
                name: "k".into(),
                encoding,
                max_categories,
                min_frequency,
                handle_unknown,
            },
        )
}

fn case() -> impl Strategy<Value = (Vec<f64>, Vec<Option<String>>, NumericSpec, CategoricalSpec)> {
    (1usize..60).prop_flat_map(|n| {
        (
            numeric_column(n),
            label_column(n),
            numeric_spec(),
            categorical_spec(),
        )
    })
}

fn fit(
    x: &[f64],
    k: &CategoricalColumn,
    n: &NumericSpec,
    c: &CategoricalSpec,
) -> nextbest::Result<FeaturePipeline> {
    let mut t = Table::new();
    t.push("x", Column::Numeric(x))?;
    t.push("k", Column::Categorical(k))?;
    PipelineSpec {
        numeric: vec![n.clone()],
        categorical: vec![c.clone()],
    }
    .fit(&t)
}

fn transform(p: &FeaturePipeline, x: &[f64], k: &CategoricalColumn) -> nextbest::Result<Vec<f64>> {
    let mut t = Table::new();
    t.push("k", Column::Categorical(k))?;
    t.push("x", Column::Numeric(x))?;
    p.transform_to_vec(&t)
}

fn labels(v: &[Option<String>]) -> CategoricalColumn {
    CategoricalColumn::from_strs(v.iter().map(|s| s.as_deref()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Each row's output depends on that row alone; the document round-trips exactly.
    #[test]
    fn rows_are_independent_and_persist((x, k, n, c) in case()) {
        let kc = labels(&k);
        // Log1p needs values above -1: shift the column when it is asked for.
        let x: Vec<f64> = if n.log1p { x.iter().map(|v| v.abs()).collect() } else { x };
        let p = match fit(&x, &kc, &n, &c) {
            Ok(p) => p,
            Err(e) => {
                // The only refusal possible here: a column with nothing but missing values.
                prop_assert!(x.iter().all(|v| v.is_nan()), "{e}");
                return Ok(());
            }
        };
        let width = p.n_outputs();
        prop_assert_eq!(p.feature_names_out().len(), width);
        let all = transform(&p, &x, &kc).unwrap();
        prop_assert!(all.iter().all(|v| v.is_finite()));
        for row in 0..x.len() {
            let one = transform(&p, &x[row..row + 1], &labels(&k[row..row + 1])).unwrap();
            prop_assert_eq!(&one[..], &all[row * width..(row + 1) * width], "row {}", row);
        }
        let back = FeaturePipeline::from_json(&p.to_json()).unwrap();
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(transform(&back, &x, &kc).unwrap(), all);
    }

    /// One-hot rows hold a single 1 (or none, for an unknown value without `__other__`);
    /// ordinal codes index the categories; bins are in range.
    #[test]
    fn encodings_are_well_formed((x, k, n, c) in case(), test in label_column(20)) {
        let x: Vec<f64> = x.iter().map(|v| v.abs()).collect();
        let Ok(p) = fit(&x, &labels(&k), &n, &c) else { return Ok(()) };
        let cats = p.categories("k").unwrap();
        let xs = vec![1.0; test.len()];
        let out = match transform(&p, &xs, &labels(&test)) {
            Ok(out) => out,
            Err(e) => {
                prop_assert_eq!(c.handle_unknown, HandleUnknown::Error);
                prop_assert_eq!(e.kind(), ErrorKind::NotFound);
                return Ok(());
            }
        };
        let width = p.n_outputs();
        let first_cat = 1 + p.feature_names_out().iter().filter(|n| n.as_str() == "x__missing").count();
        for (r, value) in test.iter().enumerate() {
            let row = &out[r * width..(r + 1) * width];
            let expected = match value {
                Some(v) => cats.iter().position(|c| c == v && !c.starts_with("__")),
                None => cats.iter().position(|c| *c == "__missing__"),
            }
            .or_else(|| cats.iter().position(|c| *c == "__other__"));
            match c.encoding {
                Encoding::OneHot => {
                    let hot: Vec<usize> = (first_cat..width).filter(|&j| row[j] == 1.0).collect();
                    prop_assert!(row[first_cat..].iter().all(|&v| v == 0.0 || v == 1.0));
                    prop_assert_eq!(hot, expected.map(|e| first_cat + e).into_iter().collect::<Vec<_>>());
                }
                Encoding::Ordinal => prop_assert_eq!(Some(row[first_cat] as usize), expected),
            }
            if let Some(b) = n.bins {
                prop_assert!(row[0] >= 0.0 && row[0] < b as f64 && row[0].fract() == 0.0);
            }
        }
        if let Some(m) = c.max_categories {
            prop_assert!(cats.len() <= m);
        }
    }
}

#[test]
fn failed_transform_writes_nothing() {
    let x = [1.0, 2.0, 3.0];
    let k = CategoricalColumn::from_strs([Some("a"), Some("b"), Some("a")]);
    let p = fit(&x, &k, &NumericSpec::new("x"), &CategoricalSpec::new("k")).unwrap();
    let mut out = vec![-7.0; 3 * p.n_outputs()];
    for (bad, kind, needle) in [
        (
            vec![1.0, f64::INFINITY, 2.0],
            ErrorKind::NonFinite,
            "column \"x\": row 1 is inf",
        ),
        (
            vec![1.0, 2.0],
            ErrorKind::ShapeMismatch,
            "column \"x\" has 2 rows",
        ),
    ] {
        let mut t = Table::new();
        t.push("k", Column::Categorical(&k)).unwrap();
        let err = t
            .push("x", Column::Numeric(&bad))
            .and_then(|_| p.transform(&t, &mut out))
            .unwrap_err();
        assert_eq!(err.kind(), kind);
        assert!(err.message().contains(needle), "{err}");
    }
    // A missing column, and strings where numbers were fitted.
    let mut t = Table::new();
    t.push("k", Column::Categorical(&k)).unwrap();
    let err = p.transform(&t, &mut out).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        err.message().contains("column \"x\" is not in the input"),
        "{err}"
    );
    let mut t = Table::new();
    t.push("k", Column::Categorical(&k)).unwrap();
    t.push("x", Column::Categorical(&k)).unwrap();
    let err = p.transform(&t, &mut out).unwrap_err();
    assert!(
        err.message()
            .contains("column \"x\" is numeric in the pipeline but holds strings (row 0: \"a\")"),
        "{err}"
    );
    assert!(out.iter().all(|&v| v == -7.0));
}

#[test]
fn bad_specs_and_documents_are_refused() {
    let x = [1.0, 2.0];
    let k = CategoricalColumn::from_strs([Some("a"), Some("b")]);
    let mut n = NumericSpec::new("x");
    n.clip = Some((0.9, 0.1));
    let err = fit(&x, &k, &n, &CategoricalSpec::new("k")).unwrap_err();
    assert!(err.message().contains("clip quantiles (0.9, 0.1)"), "{err}");
    let mut c = CategoricalSpec::new("x");
    c.max_categories = Some(1);
    let err = fit(&x, &k, &NumericSpec::new("x"), &c).unwrap_err();
    assert!(err.message().contains("listed twice"), "{err}");
    let err = fit(
        &[f64::NAN, f64::NAN],
        &k,
        &NumericSpec::new("x"),
        &CategoricalSpec::new("k"),
    )
    .unwrap_err();
    assert!(err.message().contains("no value at fit"), "{err}");
    let empty = CategoricalColumn::new();
    let err = fit(
        &[],
        &empty,
        &NumericSpec::new("x"),
        &CategoricalSpec::new("k"),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Empty);

    let p = fit(&x, &k, &NumericSpec::new("x"), &CategoricalSpec::new("k")).unwrap();
    let doc = p.to_json();
    let future = doc.replace("\"version\":1", "\"version\":2");
    assert_eq!(
        FeaturePipeline::from_json(&future).unwrap_err().kind(),
        ErrorKind::UnsupportedVersion
    );
    let other = doc.replace("feature_pipeline", "thompson_bandit");
    assert_eq!(
        FeaturePipeline::from_json(&other).unwrap_err().kind(),
        ErrorKind::WrongKind
    );
    for (from, to) in [
        ("\"scale\":", "\"scale\":-"),
        ("\"labels\":[\"a\",\"b\"]", "\"labels\":[\"b\",\"a\"]"),
        ("\"name\":\"k\"", "\"name\":\"x\""),
    ] {
        let hostile = doc.replacen(from, to, 1);
        assert_ne!(hostile, doc, "{from}");
        let err = FeaturePipeline::from_json(&hostile).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BadDocument, "{from}: {err}");
    }
}
