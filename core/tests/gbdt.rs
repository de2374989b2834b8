//! Gradient boosting: accuracy on known structure, exact TreeSHAP against brute force,
//! monotone constraints, missing values, categories, determinism, persistence and bad input.

use nextbest::data::Matrix;
use nextbest::gbdt::{BoostingParams, EvalSet, GradientBoosting, Importance, Node, Tree};
use nextbest::model::{Classifier, Model};
use nextbest::rng::Rng;
use nextbest::{ErrorKind, Persist};
use proptest::prelude::*;

/// `n x p` standard normal rows and labels from `y = 1` when `x0 + x1 x2 > 0` (plus noise).
fn data(n: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::from_seed(seed);
    let mut x = Vec::with_capacity(n * p);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = (0..p).map(|_| rng.normal()).collect();
        let z = 2.0 * row[0] + 1.5 * row[1 % p] * row[2 % p];
        y.push(if rng.uniform() < 1.0 / (1.0 + (-z).exp()) {
            1.0
        } else {
            0.0
        });
        x.extend(row);
    }
    (x, y)
}

fn rm(x: &[f64], p: usize) -> Matrix<'_> {
    Matrix::row_major(x, x.len() / p, p).unwrap()
}

fn raw(m: &impl Classifier, x: &[f64], p: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.len() / p];
    m.decision_function(rm(x, p), &mut out).unwrap();
    out
}

fn small() -> BoostingParams {
    BoostingParams {
        n_estimators: 30,
        num_leaves: 8,
        min_samples_leaf: 5,
        ..Default::default()
    }
}

#[test]
fn learns_an_interaction_and_scores_like_its_trees() {
    let (x, y) = data(4000, 4, 1);
    let params = BoostingParams {
        n_estimators: 150,
        ..small()
    };
    let m = params.fit(rm(&x, 4), &y, None, None).unwrap();
    assert_eq!(m.trees().len(), 150);
    let (xt, yt) = data(2000, 4, 2);
    let z = raw(&m, &xt, 4);
    let auc = nextbest::metrics::roc_auc(&yt, &z, None).unwrap();
    // Against the AUC of the true log-odds (the best any model can do).
    let truth: Vec<f64> = xt
        .chunks(4)
        .map(|r| 2.0 * r[0] + 1.5 * r[1] * r[2])
        .collect();
    let best = nextbest::metrics::roc_auc(&yt, &truth, None).unwrap();
    assert!(auc > best - 0.02, "auc {auc} vs the truth's {best}");
    // The fast scorer agrees with walking each tree.
    for (i, row) in xt.chunks(4).enumerate().take(200) {
        let walked = m
            .trees()
            .iter()
            .fold(m.init_score(), |z, t| z + t.predict_row(row));
        assert_eq!(z[i], walked);
    }
    let gain = m.feature_importance(Importance::Gain);
    assert!(gain[0] > gain[3] && gain[1] > gain[3], "{gain:?}");
    assert!(m.feature_importance(Importance::Split).iter().sum::<f64>() > 30.0);
}

#[test]
fn column_major_and_row_major_agree() {
    let (x, y) = data(1000, 3, 3);
    let m = small().fit(rm(&x, 3), &y, None, None).unwrap();
    let mut cm = vec![0.0; x.len()];
    for i in 0..1000 {
        for j in 0..3 {
            cm[j * 1000 + i] = x[i * 3 + j];
        }
    }
    let m2 = small()
        .fit(Matrix::col_major(&cm, 1000, 3).unwrap(), &y, None, None)
        .unwrap();
    assert_eq!(m, m2);
    let mut a = vec![0.0; 1000];
    m.predict_proba(Matrix::col_major(&cm, 1000, 3).unwrap(), &mut a)
        .unwrap();
    let mut b = vec![0.0; 1000];
    m.predict_proba(rm(&x, 3), &mut b).unwrap();
    assert_eq!(a, b);
}

#[test]
fn the_same_trees_for_any_number_of_threads() {
    let (x, y) = data(60_000, 5, 4);
    let mut params = BoostingParams {
        n_estimators: 5,
        subsample: 0.8,
        colsample: 0.6,
        ..Default::default()
    };
    params.n_threads = Some(1);
    let one = params.fit(rm(&x, 5), &y, None, None).unwrap();
    params.n_threads = Some(3);
    let three = params.fit(rm(&x, 5), &y, None, None).unwrap();
    assert_eq!(one.trees(), three.trees());
    params.seed = 1;
    let other = params.fit(rm(&x, 5), &y, None, None).unwrap();
    assert_ne!(one.trees(), other.trees());
}

#[test]
fn sample_weight_of_two_is_a_duplicated_row() {
    // Fewer distinct values than bins, so that duplicating rows cannot move a bin edge.
    let (x, y) = data(200, 2, 5);
    let w: Vec<f64> = (0..200)
        .map(|i| if i % 3 == 0 { 2.0 } else { 1.0 })
        .collect();
    let params = BoostingParams {
        n_estimators: 5,
        min_samples_leaf: 1,
        max_bins: 255,
        ..small()
    };
    let weighted = params.fit(rm(&x, 2), &y, Some(&w), None).unwrap();
    let (mut x2, mut y2) = (x.clone(), y.clone());
    for i in (0..200).step_by(3) {
        x2.extend_from_slice(&x[i * 2..i * 2 + 2]);
        y2.push(y[i]);
    }
    let duplicated = params.fit(rm(&x2, 2), &y2, None, None).unwrap();
    let (a, b) = (raw(&weighted, &x, 2), raw(&duplicated, &x, 2));
    for (a, b) in a.iter().zip(&b) {
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }
}

#[test]
fn missing_values_learn_their_direction() {
    // x0 missing means y = 1; otherwise y follows the sign of x0.
    let mut rng = Rng::from_seed(6);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..3000 {
        let v = rng.normal();
        if rng.uniform() < 0.2 {
            x.push(f64::NAN);
            y.push(1.0);
        } else {
            x.push(v);
            y.push(if v > 0.0 { 1.0 } else { 0.0 });
        }
    }
    let m = small().fit(rm(&x, 1), &y, None, None).unwrap();
    let mut p = [0.0; 3];
    m.predict_proba(rm(&[f64::NAN, -1.0, 1.0], 1), &mut p)
        .unwrap();
    assert!(p[0] > 0.9 && p[1] < 0.1 && p[2] > 0.9, "{p:?}");
}

#[test]
fn categories_are_split_as_sets() {
    // Categories 1, 4 and 6 of 8 are positive; no threshold separates them.
    let mut rng = Rng::from_seed(7);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..4000 {
        let c = rng.below(8) as f64;
        x.push(c);
        let pos = [1.0, 4.0, 6.0].contains(&c);
        y.push(if rng.uniform() < if pos { 0.9 } else { 0.1 } {
            1.0
        } else {
            0.0
        });
    }
    let params = BoostingParams {
        n_estimators: 20,
        num_leaves: 2,
        learning_rate: 0.5,
        categorical_features: vec![0],
        ..small()
    };
    let m = params.fit(rm(&x, 1), &y, None, None).unwrap();
    let root = &m.trees()[0].nodes()[0];
    let cats = root.categories.as_ref().expect("a categorical split");
    let mut sides: Vec<u32> = cats.clone();
    if !sides.contains(&1) {
        sides = (0..8).filter(|c| !cats.contains(c)).collect();
    }
    assert_eq!(sides, [1, 4, 6]);
    // An unseen category follows the "other" side deterministically and scores finitely.
    let mut p = [0.0; 2];
    m.predict_proba(rm(&[4.0, 250.0], 1), &mut p).unwrap();
    assert!(p[0] > 0.8 && p[1].is_finite());
    // Codes that are not integers in range are refused at fit.
    let e = params
        .fit(rm(&[0.5, 1.0], 1), &[0.0, 1.0], None, None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("X[0, 0] is 0.5"), "{}", e.message());
}

#[test]
fn early_stopping_keeps_the_best_iteration() {
    let (x, y) = data(2000, 4, 8);
    let (xe, ye) = data(1000, 4, 9);
    let params = BoostingParams {
        n_estimators: 400,
        learning_rate: 0.5,
        num_leaves: 31,
        min_samples_leaf: 2,
        early_stopping_rounds: Some(10),
        ..Default::default()
    };
    let eval = EvalSet {
        x: rm(&xe, 4),
        y: &ye,
        sample_weight: None,
    };
    let m = params.fit(rm(&x, 4), &y, None, Some(eval)).unwrap();
    let r = m.report();
    assert!(r.n_iter < 400, "{}", r.n_iter);
    assert_eq!(r.eval_loss.len(), r.n_iter);
    let best = r
        .eval_loss
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(r.n_trees, best + 1);
    assert_eq!(m.trees().len(), best + 1);
    assert_eq!(r.n_iter, best + 1 + 10);
}

/// The path-dependent value of feature set `s` (a bit mask) for row `x`.
fn conditional_value(tree: &Tree, node: usize, x: &[f64], s: u32) -> f64 {
    let n = &tree.nodes()[node];
    match n.children {
        None => n.value,
        Some([l, r]) => {
            let f = n.feature as usize;
            if s & (1 << f) != 0 {
                let next = if n.goes_left(x[f]) { l } else { r };
                conditional_value(tree, next as usize, x, s)
            } else {
                let (cl, cr) = (
                    tree.nodes()[l as usize].count,
                    tree.nodes()[r as usize].count,
                );
                (cl as f64 * conditional_value(tree, l as usize, x, s)
                    + cr as f64 * conditional_value(tree, r as usize, x, s))
                    / n.count as f64
            }
        }
    }
}

/// Shapley values by enumerating every subset of features.
fn brute_force_shap(trees: &[Tree], x: &[f64], p: usize) -> Vec<f64> {
    let fact = |k: usize| (1..=k).map(|v| v as f64).product::<f64>();
    let mut phi = vec![0.0; p];
    for (j, phi_j) in phi.iter_mut().enumerate() {
        for s in 0u32..(1 << p) {
            if s & (1 << j) != 0 {
                continue;
            }
            let k = s.count_ones() as usize;
            let weight = fact(k) * fact(p - k - 1) / fact(p);
            let v = |s| {
                trees
                    .iter()
                    .map(|t| conditional_value(t, 0, x, s))
                    .sum::<f64>()
            };
            *phi_j += weight * (v(s | (1 << j)) - v(s));
        }
    }
    phi
}

#[test]
fn tree_shap_equals_brute_force_shapley_values() {
    let p = 5;
    let (mut x, y) = data(3000, p, 10);
    // Some missing values, so that default directions are exercised.
    for i in (0..x.len()).step_by(17) {
        x[i] = f64::NAN;
    }
    let params = BoostingParams {
        n_estimators: 8,
        num_leaves: 12,
        min_samples_leaf: 10,
        learning_rate: 0.3,
        categorical_features: vec![],
        ..Default::default()
    };
    let m = params.fit(rm(&x, p), &y, None, None).unwrap();
    // Repeated features on a path occur in these trees.
    assert!(m.trees().iter().any(|t| t.depth() >= 3));
    let rows = &x[..40 * p];
    let mut contributions = vec![0.0; 40 * (p + 1)];
    m.explain(rm(rows, p), &mut contributions).unwrap();
    let z = raw(&m, rows, p);
    for (i, row) in rows.chunks(p).enumerate() {
        let got = &contributions[i * (p + 1)..(i + 1) * (p + 1)];
        let want = brute_force_shap(m.trees(), row, p);
        for j in 0..p {
            assert!(
                (got[j] - want[j]).abs() <= 1e-9,
                "row {i} feature {j}: {} vs {}",
                got[j],
                want[j]
            );
        }
        let total: f64 = got.iter().sum();
        assert!((total - z[i]).abs() <= 1e-9, "row {i}: {total} vs {}", z[i]);
        assert_eq!(got[p], m.base_value());
    }
}

#[test]
fn reason_codes_come_from_the_shap_values() {
    let (x, y) = data(2000, 4, 11);
    let m = small()
        .fit(rm(&x, 4), &y, None, None)
        .unwrap()
        .with_feature_names(vec!["a".into(), "b".into(), "c".into(), "d".into()])
        .unwrap();
    let codes = m.reason_codes(rm(&x[..40], 4), 2).unwrap();
    assert_eq!(codes.n_rows(), 10);
    let mut phi = vec![0.0; 10 * 5];
    m.explain(rm(&x[..40], 4), &mut phi).unwrap();
    let top = codes.raising(0)[0].unwrap();
    let best = (0..4).max_by(|&a, &b| phi[a].total_cmp(&phi[b])).unwrap();
    if phi[best] > 0.0 {
        assert_eq!(top.feature, best);
        assert_eq!(top.contribution, phi[best]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// With a monotone constraint, moving one feature never moves the score the other way,
    /// whatever the data (even data that goes the other way).
    #[test]
    fn monotone_constraints_hold_everywhere(seed in 0u64..1000, sign in prop::sample::select(vec![-1i8, 1])) {
        let p = 3;
        let mut rng = Rng::from_seed(seed);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for _ in 0..600 {
            let row: Vec<f64> = (0..p).map(|_| rng.normal()).collect();
            let z = 3.0 * (row[0] * 2.0).sin() + row[1] - row[2] * row[0];
            y.push(if rng.uniform() < 1.0 / (1.0 + (-z).exp()) { 1.0 } else { 0.0 });
            x.extend(row);
        }
        if y.iter().all(|&v| v == y[0]) {
            return Ok(());
        }
        let params = BoostingParams {
            n_estimators: 20,
            num_leaves: 16,
            min_samples_leaf: 3,
            learning_rate: 0.3,
            monotone_constraints: vec![sign, 0, -sign],
            ..Default::default()
        };
        let m = params.fit(rm(&x, p), &y, None, None).unwrap();
        let grid: Vec<f64> = (-40..=40).map(|v| v as f64 / 10.0).collect();
        for base in x.chunks(p).take(30) {
            for (j, s) in [(0usize, sign), (2, -sign)] {
                let mut rows = Vec::new();
                for &g in &grid {
                    let mut r = base.to_vec();
                    r[j] = g;
                    rows.extend(r);
                }
                let z = raw(&m, &rows, p);
                for w in z.windows(2) {
                    prop_assert!(s as f64 * (w[1] - w[0]) >= 0.0, "feature {j} sign {s}: {} then {}", w[0], w[1]);
                }
            }
        }
    }
}

#[test]
fn saves_and_loads_exactly_and_through_the_model_enum() {
    let (mut x, y) = data(1500, 3, 12);
    x[5] = f64::NAN;
    let cats: Vec<f64> = (0..1500).map(|i| (i % 5) as f64).collect();
    let mut x4 = Vec::new();
    for (i, row) in x.chunks(3).enumerate() {
        x4.extend(row);
        x4.push(cats[i]);
    }
    let params = BoostingParams {
        categorical_features: vec![3],
        ..small()
    };
    let m = params.fit(rm(&x4, 4), &y, None, None).unwrap();
    let json = m.to_json();
    let back = GradientBoosting::from_json(&json).unwrap();
    assert_eq!(back, m);
    assert_eq!(raw(&back, &x4, 4), raw(&m, &x4, 4));
    let any = Model::from_json(&json).unwrap();
    assert_eq!(any.kind(), "gradient_boosting");
    assert_eq!(raw(&any, &x4, 4), raw(&m, &x4, 4));
    assert_eq!(any.to_json(), json);
}

fn tree_doc(nodes: &str) -> String {
    format!(
        r#"{{"format":"nextbest","kind":"gradient_boosting","version":1,"payload":{{"n_features":2,"init_score":0.0,"feature_names":null,"params":{},"report":{{"n_iter":1,"n_trees":1,"eval_loss":[]}},"trees":[{nodes}]}}}}"#,
        serde_json::to_string(&BoostingParams::default()).unwrap()
    )
}

#[test]
fn hostile_tree_documents_are_refused_on_load() {
    let leaf = |c: u64| format!(r#"{{"value":0.5,"count":{c}}}"#);
    let split = |l: u32, r: u32, f: u32, c: u64| {
        format!(r#"{{"children":[{l},{r}],"feature":{f},"threshold":0.0,"value":0.0,"count":{c}}}"#)
    };
    let ok = format!("[{},{},{}]", split(1, 2, 0, 3), leaf(1), leaf(2));
    assert!(GradientBoosting::from_json(&tree_doc(&ok)).is_ok());
    let cases = [
        (
            format!("[{},{},{}]", split(1, 5, 0, 3), leaf(1), leaf(2)),
            "children 1 and 5",
        ),
        (
            format!("[{},{},{}]", split(0, 2, 0, 3), leaf(1), leaf(2)),
            "children 0 and 2",
        ),
        (
            format!("[{},{},{}]", split(1, 1, 0, 3), leaf(1), leaf(2)),
            "children 1 and 1",
        ),
        // Node 3 has two parents: a graph, not a tree.
        (
            format!(
                "[{},{},{},{}]",
                split(1, 3, 0, 4),
                split(2, 3, 1, 3),
                leaf(2),
                leaf(1)
            ),
            "not of exactly one",
        ),
        (
            format!("[{},{},{}]", split(1, 2, 7, 3), leaf(1), leaf(2)),
            "feature 7",
        ),
        (
            format!("[{},{},{}]", split(1, 2, 0, 4), leaf(1), leaf(2)),
            "count 4",
        ),
        (format!("[{},{}]", split(1, 2, 0, 3), leaf(1)), "below 2"),
        (
            format!("[{},{},{}]", split(1, 2, 0, 3), leaf(3), leaf(0)),
            "count 0",
        ),
        ("[]".to_owned(), "no nodes"),
        (
            format!(
                "[{},{},{}]",
                split(1, 2, 0, 3).replace("\"threshold\":0.0", "\"categories\":[1]"),
                leaf(1),
                leaf(2)
            ),
            "does not match whether feature 0 is categorical",
        ),
    ];
    for (nodes, expected) in cases {
        let e = GradientBoosting::from_json(&tree_doc(&nodes)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadDocument, "{nodes}");
        assert!(e.message().contains(expected), "{nodes}: {}", e.message());
    }
    // A chain deeper than MAX_DEPTH is refused (explanations recurse once per level).
    let mut chain = Vec::new();
    let depth = nextbest::gbdt::MAX_DEPTH + 1;
    for d in 0..depth {
        let below = (depth - d) as u64;
        chain.push(split(2 * d as u32 + 1, 2 * d as u32 + 2, 0, below + 1));
        chain.push(leaf(1));
    }
    chain.push(leaf(1));
    let e = GradientBoosting::from_json(&tree_doc(&format!("[{}]", chain.join(",")))).unwrap_err();
    assert!(e.message().contains("deeper than"), "{}", e.message());
    // Other kinds and future versions.
    let logistic = tree_doc(&ok).replace("gradient_boosting", "logistic_regression");
    assert_eq!(
        GradientBoosting::from_json(&logistic).unwrap_err().kind(),
        ErrorKind::WrongKind
    );
    let future = tree_doc(&ok).replace("\"version\":1", "\"version\":2");
    assert_eq!(
        GradientBoosting::from_json(&future).unwrap_err().kind(),
        ErrorKind::UnsupportedVersion
    );
}

#[test]
fn bad_input_is_refused_clearly() {
    let (x, y) = data(100, 2, 13);
    let fit = |params: BoostingParams| params.fit(rm(&x, 2), &y, None, None).unwrap_err();
    let cases: Vec<(BoostingParams, &str)> = vec![
        (
            BoostingParams {
                learning_rate: 0.0,
                ..small()
            },
            "learning_rate must be in (0, 1]",
        ),
        (
            BoostingParams {
                num_leaves: 1,
                ..small()
            },
            "num_leaves must be at least 2",
        ),
        (
            BoostingParams {
                max_bins: 256,
                ..small()
            },
            "max_bins must be from 2 to 255",
        ),
        (
            BoostingParams {
                subsample: 1.5,
                ..small()
            },
            "subsample must be in (0, 1]",
        ),
        (
            BoostingParams {
                l2: -1.0,
                ..small()
            },
            "l2 must be a finite number >= 0",
        ),
        (
            BoostingParams {
                monotone_constraints: vec![1],
                ..small()
            },
            "monotone_constraints has 1 values",
        ),
        (
            BoostingParams {
                monotone_constraints: vec![1, 2],
                ..small()
            },
            "monotone_constraints[1] is 2",
        ),
        (
            BoostingParams {
                categorical_features: vec![2],
                ..small()
            },
            "categorical feature 2 is out of range",
        ),
        (
            BoostingParams {
                early_stopping_rounds: Some(5),
                ..small()
            },
            "needs an evaluation set",
        ),
    ];
    for (params, expected) in cases {
        let e = fit(params);
        assert!(
            e.message().contains(expected),
            "{expected}: {}",
            e.message()
        );
    }
    let p = small();
    let mut bad = x.clone();
    bad[7] = f64::INFINITY;
    let e = p.fit(rm(&bad, 2), &y, None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NonFinite);
    assert!(e.message().contains("X[3, 1] is inf"), "{}", e.message());
    let e = p.fit(rm(&x, 2), &vec![1.0; 100], None, None).unwrap_err();
    assert!(e.message().contains("only one class"), "{}", e.message());
    let e = p.fit(rm(&x, 2), &y[..99], None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ShapeMismatch);
    let eval = EvalSet {
        x: rm(&x[..99], 3),
        y: &y[..33],
        sample_weight: None,
    };
    let e = p.fit(rm(&x, 2), &y, None, Some(eval)).unwrap_err();
    assert!(
        e.message().contains("evaluation set has 3 features"),
        "{}",
        e.message()
    );

    let m = p.fit(rm(&x, 2), &y, None, None).unwrap();
    let mut out = [0.0; 2];
    let e = m
        .predict_proba(rm(&[1.0, 2.0, f64::NEG_INFINITY, 0.0], 2), &mut out)
        .unwrap_err();
    assert!(e.message().contains("X[1, 0] is -inf"), "{}", e.message());
    let e = m
        .predict_proba(rm(&[1.0, 2.0, 3.0], 3), &mut out[..1])
        .unwrap_err();
    assert!(e.message().contains("X has 3 features"), "{}", e.message());
    // NaN is a missing value, not an error.
    m.predict_proba(rm(&[f64::NAN, f64::NAN], 2), &mut out[..1])
        .unwrap();
    assert!(out[0] > 0.0 && out[0] < 1.0);
}

#[test]
fn node_documents_round_trip() {
    let node = Node::leaf(0.25, 3);
    let json = serde_json::to_string(&node).unwrap();
    assert_eq!(
        json,
        r#"{"feature":0,"threshold":0.0,"default_left":false,"value":0.25,"count":3,"gain":0.0}"#
    );
    assert_eq!(serde_json::from_str::<Node>(&json).unwrap(), node);
}
