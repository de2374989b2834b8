//! Logistic regression: closed forms, optimality conditions, invariances, persistence, errors.

use nextbest::data::Matrix;
use nextbest::model::{Classifier, Model};
use nextbest::propensity::{ClassWeight, LogisticParams, LogisticRegression};
use nextbest::rng::Rng;
use nextbest::{ErrorKind, Persist};
use proptest::prelude::*;

/// `n x p` standard normal rows (row-major) and labels from a known logistic model.
fn data(n: usize, p: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::from_seed(seed);
    let mut x = vec![0.0; n * p];
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut z = -0.5;
        for j in 0..p {
            let v = rng.normal() * (1.0 + j as f64 * 0.3);
            x[i * p + j] = v;
            z += v * ((j as f64 * 1.3).sin());
        }
        y[i] = f64::from(rng.uniform() < 1.0 / (1.0 + (-z).exp()));
    }
    (x, y)
}

fn col_major(x: &[f64], n: usize, p: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * p];
    for i in 0..n {
        for j in 0..p {
            out[j * n + i] = x[i * p + j];
        }
    }
    out
}

/// The gradient of the smooth objective and the L1 optimality violation at the solution.
fn kkt_violation(m: &LogisticRegression, x: &[f64], y: &[f64], w: &[f64], p: usize) -> f64 {
    let params = m.params();
    let n = y.len();
    let mut g = vec![0.0; p];
    let mut g0 = 0.0;
    for i in 0..n {
        let row = &x[i * p..(i + 1) * p];
        let z: f64 = m.intercept() + row.iter().zip(m.coef()).map(|(a, b)| a * b).sum::<f64>();
        let r = w[i] * (1.0 / (1.0 + (-z).exp()) - y[i]);
        g0 += r;
        for j in 0..p {
            g[j] += r * row[j];
        }
    }
    let total: f64 = w.iter().sum();
    let mut worst: f64 = if params.fit_intercept { g0.abs() } else { 0.0 };
    for (&b, &gj) in m.coef().iter().zip(&g) {
        let gj = gj + params.l2 * b;
        let v = if b > 0.0 {
            (gj + params.l1).abs()
        } else if b < 0.0 {
            (gj - params.l1).abs()
        } else {
            (gj.abs() - params.l1).max(0.0)
        };
        worst = worst.max(v);
    }
    worst / total
}

#[test]
fn one_binary_feature_has_the_closed_form_optimum() {
    // Group 0: 3 of 10 positive; group 1: 7 of 8 positive. Unpenalized MLE: the group logits.
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (group, n, positives) in [(0.0, 10, 3), (1.0, 8, 7)] {
        for i in 0..n {
            x.push(group);
            y.push(f64::from(i < positives));
        }
    }
    let params = LogisticParams {
        l2: 0.0,
        tol: 1e-12,
        ..Default::default()
    };
    let m = params
        .fit(Matrix::row_major(&x, 18, 1).unwrap(), &y, None)
        .unwrap();
    let logit = |p: f64| (p / (1.0 - p)).ln();
    assert!(m.report().converged, "{:?}", m.report());
    assert!((m.intercept() - logit(0.3)).abs() < 1e-9);
    assert!((m.coef()[0] - (logit(7.0 / 8.0) - logit(0.3))).abs() < 1e-9);
}

#[test]
fn solutions_meet_the_optimality_conditions() {
    for (n, p, l2, l1, seed) in [
        (500, 5, 1.0, 0.0, 1),
        (2000, 20, 0.1, 0.0, 2),
        (2000, 20, 1.0, 60.0, 3),
        (300, 300, 1.0, 0.0, 4),
        (300, 300, 1.0, 8.0, 5),
        (400, 600, 1.0, 0.0, 8),
        (3000, 1100, 1.0, 0.0, 9),
        (3000, 1100, 1.0, 8.0, 10),
        (100_000, 12, 1.0, 0.0, 6),
        (100_000, 12, 1.0, 2000.0, 7),
    ] {
        let (x, y) = data(n, p, seed);
        let params = LogisticParams {
            l2,
            l1,
            max_iter: 2000,
            ..Default::default()
        };
        let m = params
            .fit(Matrix::row_major(&x, n, p).unwrap(), &y, None)
            .unwrap();
        assert!(m.report().converged, "n={n} p={p}: {:?}", m.report());
        let expected_solver = if p + 1 > 1024 { "lbfgs" } else { "newton" };
        assert_eq!(m.report().solver, expected_solver);
        let v = kkt_violation(&m, &x, &y, &vec![1.0; n], p);
        assert!(v <= 1e-7, "n={n} p={p} l1={l1}: violation {v}");
        if l1 > 0.0 {
            assert!(
                m.coef().contains(&0.0),
                "n={n} p={p}: an L1 penalty this large zeroes some coefficients"
            );
        }
    }
}

#[test]
fn fortran_order_and_thread_count_give_identical_models() {
    let (n, p) = (20_000, 8);
    let (x, y) = data(n, p, 11);
    let xf = col_major(&x, n, p);
    let params = LogisticParams::default();
    let a = params
        .fit(Matrix::row_major(&x, n, p).unwrap(), &y, None)
        .unwrap();
    let b = params
        .fit(Matrix::col_major(&xf, n, p).unwrap(), &y, None)
        .unwrap();
    for (u, v) in a.coef().iter().zip(b.coef()) {
        assert!((u - v).abs() <= 1e-9 * u.abs().max(1.0));
    }
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let four = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let m1 = one.install(|| {
        params
            .fit(Matrix::row_major(&x, n, p).unwrap(), &y, None)
            .unwrap()
    });
    let m4 = four.install(|| {
        params
            .fit(Matrix::row_major(&x, n, p).unwrap(), &y, None)
            .unwrap()
    });
    assert_eq!(m1, m4, "results do not depend on the number of threads");
    assert_eq!(m1, a);
}

#[test]
fn probabilities_do_not_depend_on_layout_threads_or_pairing() {
    let (n, p) = (30_001, 7);
    let (x, y) = data(n, p, 5);
    let xf = col_major(&x, n, p);
    let (c, f) = (
        Matrix::row_major(&x, n, p).unwrap(),
        Matrix::col_major(&xf, n, p).unwrap(),
    );
    let m = LogisticParams::default().fit(c, &y, None).unwrap();
    let (mut z, mut prob) = (vec![0.0; n], vec![0.0; n]);
    m.decision_function(c, &mut z).unwrap();
    m.predict_proba(c, &mut prob).unwrap();
    for (&p, &z) in prob.iter().zip(&z) {
        assert_eq!(p.to_bits(), nextbest::data::sigmoid(z).to_bits());
        assert!((p - 1.0 / (1.0 + (-z).exp())).abs() <= 1e-15);
    }
    let mut pairs = vec![0.0; 2 * n];
    m.predict_proba_pairs(c, &mut pairs).unwrap();
    for (pair, &p) in pairs.chunks_exact(2).zip(&prob) {
        assert_eq!(pair, [1.0 - p, p]);
    }
    let mut pairs_f = vec![0.0; 2 * n];
    m.predict_proba_pairs(f, &mut pairs_f).unwrap();
    assert!(pairs
        .iter()
        .zip(&pairs_f)
        .all(|(a, b)| (a - b).abs() <= 1e-14));
    let one_by_one: Vec<f64> = (0..n)
        .map(|i| {
            let mut v = [0.0];
            let row = Matrix::row_major(&x[i * p..(i + 1) * p], 1, p).unwrap();
            m.predict_proba(row, &mut v).unwrap();
            v[0]
        })
        .collect();
    assert_eq!(
        one_by_one, prob,
        "one row at a time or in blocks: the same bits"
    );
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let again = pool.install(|| {
            let mut out = vec![0.0; 2 * n];
            m.predict_proba_pairs(f, &mut out).unwrap();
            out
        });
        assert!(again
            .iter()
            .zip(&pairs_f)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
    }
    let e = m.predict_proba_pairs(c, &mut pairs[1..]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ShapeMismatch);
}

#[test]
fn the_first_pass_checks_x_and_takes_the_reference() {
    // Large enough for the warm start on a subsample: X is checked in the first full pass.
    let (n, p) = (60_000, 3);
    let (x, y) = data(n, p, 8);
    let w: Vec<f64> = (0..n).map(|i| (i % 5) as f64 * 0.5).collect();
    let m = LogisticParams::default()
        .fit(Matrix::row_major(&x, n, p).unwrap(), &y, Some(&w))
        .unwrap();
    let total: f64 = w.iter().sum();
    for j in 0..p {
        let mean = (0..n).map(|i| w[i] * x[i * p + j]).sum::<f64>() / total;
        assert!((m.reference()[j] - mean).abs() <= 1e-12 * mean.abs().max(1.0));
    }
    // Bad values, in a row of the subsample and in one outside it, one of weight 0.
    for (i, j, v) in [
        (0, 1, f64::NAN),
        (45_678, 2, f64::INFINITY),
        (59_995, 0, f64::NAN),
    ] {
        let mut bad = x.clone();
        bad[i * p + j] = v;
        let want = format!("X[{i}, {j}] is {v}, not a finite number");
        let e = LogisticParams::default()
            .fit(Matrix::row_major(&bad, n, p).unwrap(), &y, Some(&w))
            .unwrap_err();
        assert_eq!(
            (e.kind(), e.message()),
            (ErrorKind::NonFinite, want.as_str())
        );
        let bad_f = col_major(&bad, n, p);
        let e = LogisticParams::default()
            .fit(Matrix::col_major(&bad_f, n, p).unwrap(), &y, None)
            .unwrap_err();
        assert_eq!(e.message(), want);
    }
}

#[test]
fn class_weights_are_sample_weights() {
    let (n, p) = (3000, 4);
    let (x, y) = data(n, p, 21);
    let mat = Matrix::row_major(&x, n, p).unwrap();
    let w: Vec<f64> = y
        .iter()
        .map(|&v| if v == 1.0 { 3.0 } else { 0.5 })
        .collect();
    let given = LogisticParams {
        class_weight: ClassWeight::Given {
            negative: 0.5,
            positive: 3.0,
        },
        ..Default::default()
    }
    .fit(mat, &y, None)
    .unwrap();
    let weighted = LogisticParams::default().fit(mat, &y, Some(&w)).unwrap();
    for (u, v) in given.coef().iter().zip(weighted.coef()) {
        assert!((u - v).abs() < 1e-8);
    }
    // Balanced: W / (2 W_c) per class.
    let pos = y.iter().sum::<f64>();
    let neg = n as f64 - pos;
    let wb: Vec<f64> = y
        .iter()
        .map(|&v| {
            if v == 1.0 {
                n as f64 / (2.0 * pos)
            } else {
                n as f64 / (2.0 * neg)
            }
        })
        .collect();
    let balanced = LogisticParams {
        class_weight: ClassWeight::Balanced,
        ..Default::default()
    }
    .fit(mat, &y, None)
    .unwrap();
    let by_weights = LogisticParams::default().fit(mat, &y, Some(&wb)).unwrap();
    for (u, v) in balanced.coef().iter().zip(by_weights.coef()) {
        assert!((u - v).abs() < 1e-8);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn integer_weights_equal_repeated_rows(seed in 0u64..1000, n in 20usize..120) {
        let p = 3;
        let (x, y) = data(n, p, seed);
        prop_assume!(y.contains(&1.0) && y.contains(&0.0));
        let w: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        prop_assume!(y.iter().zip(&w).any(|(&v, &wi)| v == 1.0 && wi > 0.0));
        prop_assume!(y.iter().zip(&w).any(|(&v, &wi)| v == 0.0 && wi > 0.0));
        let (mut xr, mut yr) = (Vec::new(), Vec::new());
        for i in 0..n {
            for _ in 0..(i % 3) {
                xr.extend_from_slice(&x[i * p..(i + 1) * p]);
                yr.push(y[i]);
            }
        }
        let params = LogisticParams { tol: 1e-10, ..Default::default() };
        let a = params.fit(Matrix::row_major(&x, n, p).unwrap(), &y, Some(&w)).unwrap();
        let b = params.fit(Matrix::row_major(&xr, yr.len(), p).unwrap(), &yr, None).unwrap();
        for (u, v) in a.coef().iter().zip(b.coef()) {
            prop_assert!((u - v).abs() < 1e-7, "{} vs {}", u, v);
        }
        prop_assert!((a.intercept() - b.intercept()).abs() < 1e-7);
    }

    #[test]
    fn explanations_sum_to_the_score_and_documents_round_trip(seed in 0u64..1000, l1 in 0.0f64..3.0) {
        let (n, p) = (200, 5);
        let (x, y) = data(n, p, seed);
        let m = LogisticParams { l1, ..Default::default() }
            .fit(Matrix::row_major(&x, n, p).unwrap(), &y, None)
            .unwrap()
            .with_feature_names((0..p).map(|j| format!("f{j}")).collect())
            .unwrap();
        let mat = Matrix::row_major(&x, n, p).unwrap();
        let mut z = vec![0.0; n];
        m.decision_function(mat, &mut z).unwrap();
        let mut e = vec![0.0; n * (p + 1)];
        m.explain(mat, &mut e).unwrap();
        for i in 0..n {
            let s: f64 = e[i * (p + 1)..(i + 1) * (p + 1)].iter().sum();
            prop_assert!((s - z[i]).abs() < 1e-9);
        }
        let mut prob = vec![0.0; n];
        m.predict_proba(mat, &mut prob).unwrap();
        for (pi, zi) in prob.iter().zip(&z) {
            prop_assert!((pi - 1.0 / (1.0 + (-zi).exp())).abs() < 1e-12);
        }
        let loaded = LogisticRegression::from_json(&m.to_json()).unwrap();
        prop_assert_eq!(&loaded, &m);
        let any = Model::from_json(&m.to_json()).unwrap();
        prop_assert_eq!(any, Model::Logistic(m));
    }
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let (x, y) = data(50, 2, 3);
    let mat = Matrix::row_major(&x, 50, 2).unwrap();
    let fit =
        |params: LogisticParams, y: &[f64], w: Option<&[f64]>| params.fit(mat, y, w).unwrap_err();
    let d = LogisticParams::default;
    let e = fit(LogisticParams { l2: -1.0, ..d() }, &y, None);
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("l2 must be"), "{e}");
    assert!(fit(
        LogisticParams {
            l1: f64::NAN,
            ..d()
        },
        &y,
        None
    )
    .message()
    .contains("l1"));
    let mut y2 = y.clone();
    y2[7] = 2.0;
    assert_eq!(
        fit(d(), &y2, None).message(),
        "y[7] is 2, but y must be 0 or 1"
    );
    let e = fit(d(), &vec![1.0; 50], None);
    assert!(e.message().contains("only one class"), "{e}");
    let mut w = vec![1.0; 50];
    w[3] = -1.0;
    assert!(fit(d(), &y, Some(&w))
        .message()
        .contains("sample_weight[3] is -1"));
    let e = fit(d(), &y, Some(&vec![0.0; 50]));
    assert!(e.message().contains("zero for every row"), "{e}");
    assert_eq!(fit(d(), &y[..10], None).kind(), ErrorKind::ShapeMismatch);
    let mut xn = x.clone();
    xn[2 * 2 + 1] = f64::INFINITY;
    let e = d()
        .fit(Matrix::row_major(&xn, 50, 2).unwrap(), &y, None)
        .unwrap_err();
    assert_eq!(e.message(), "X[2, 1] is inf, not a finite number");
    let e = d()
        .fit(Matrix::row_major(&[], 0, 2).unwrap(), &[], None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Empty);

    let m = d().fit(mat, &y, None).unwrap();
    let mut out = vec![0.0; 1];
    let e = m
        .predict_proba(Matrix::row_major(&[1.0, 2.0, 3.0], 1, 3).unwrap(), &mut out)
        .unwrap_err();
    assert_eq!(
        e.message(),
        "X has 3 features, but LogisticRegression is expecting 2 features as input"
    );
    let e = m
        .predict_proba(Matrix::row_major(&[1.0, f64::NAN], 1, 2).unwrap(), &mut out)
        .unwrap_err();
    assert_eq!(e.message(), "X[0, 1] is NaN, not a finite number");
    // A NaN behind a zero coefficient is still found.
    let sparse = LogisticParams { l1: 1e6, ..d() }
        .fit(mat, &y, None)
        .unwrap();
    assert!(sparse.coef().iter().all(|&b| b == 0.0));
    let colm = [f64::NAN, 1.0];
    assert!(sparse
        .predict_proba(Matrix::col_major(&colm, 1, 2).unwrap(), &mut out)
        .is_err());
    // Huge finite inputs give probabilities 0 or 1, not an error.
    m.predict_proba(Matrix::row_major(&[1e308, 1e308], 1, 2).unwrap(), &mut out)
        .unwrap();
    assert!(out[0] == 0.0 || out[0] == 1.0);
}

#[test]
fn hostile_documents_are_refused() {
    let (x, y) = data(50, 2, 3);
    let m = LogisticParams::default()
        .fit(Matrix::row_major(&x, 50, 2).unwrap(), &y, None)
        .unwrap();
    let doc = m.to_json();
    let e =
        LogisticRegression::from_json(&doc.replace("\"version\":1", "\"version\":2")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnsupportedVersion);
    let e = LogisticRegression::from_json(&doc.replace("logistic_regression", "thompson_bandit"))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongKind);
    let e = Model::from_json(&doc.replace("logistic_regression", "thompson_bandit")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongKind);
    let mut v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    v["payload"]["coef"] = serde_json::json!([1.0]);
    let e = LogisticRegression::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadDocument);
    let mut v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    v["payload"]["params"]["l2"] = serde_json::json!(-3.0);
    assert!(LogisticRegression::from_json(&v.to_string()).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    v["payload"]["feature_names"] = serde_json::json!(["a"]);
    assert!(LogisticRegression::from_json(&v.to_string()).is_err());
    assert_eq!(
        LogisticRegression::from_json("{\"format\":")
            .unwrap_err()
            .kind(),
        ErrorKind::BadDocument
    );
}
