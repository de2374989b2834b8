//! Calibration: hand-checked cases, invariants, bad inputs and hostile documents.

use nextbest::propensity::{CalibrationMethod, Calibrator};
use nextbest::{ErrorKind, Persist};
use proptest::prelude::*;

const PLATT: CalibrationMethod = CalibrationMethod::Platt;
const ISOTONIC: CalibrationMethod = CalibrationMethod::Isotonic;

fn predict(cal: &Calibrator, scores: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; scores.len()];
    cal.predict(scores, &mut out).unwrap();
    out
}

/// scikit-learn's Platt objective and its gradient in (A, B), computed independently.
fn platt_objective(s: &[f64], y: &[f64], w: &[f64], a: f64, b: f64) -> (f64, [f64; 2]) {
    let n1: f64 = y.iter().zip(w).map(|(y, w)| y * w).sum();
    let n0: f64 = w.iter().sum::<f64>() - n1;
    let (t1, t0) = ((n1 + 1.0) / (n1 + 2.0), 1.0 / (n0 + 2.0));
    let (mut f, mut g) = (0.0, [0.0; 2]);
    for i in 0..s.len() {
        let t = if y[i] == 1.0 { t1 } else { t0 };
        let u = a * s[i] + b;
        let p = 1.0 / (1.0 + u.exp());
        // -ln p = softplus(u), -ln(1 - p) = softplus(-u), computed without cancellation.
        let softplus = |v: f64| v.max(0.0) + (-v.abs()).exp().ln_1p();
        f += w[i] * (t * softplus(u) + (1.0 - t) * softplus(-u));
        g[0] += w[i] * (t - p) * s[i];
        g[1] += w[i] * (t - p);
    }
    (f, g)
}

fn assert_platt_optimal(s: &[f64], y: &[f64], w: &[f64], cal: &Calibrator) {
    let (a, b) = cal.platt_parameters().unwrap();
    let (f, g) = platt_objective(s, y, w, a, b);
    let total: f64 = w.iter().sum();
    let scale = s.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    assert!(g[0].abs() <= 1e-9 * total * scale, "gradient {g:?}");
    assert!(g[1].abs() <= 1e-9 * total, "gradient {g:?}");
    for (da, db) in [(1e-6, 0.0), (-1e-6, 0.0), (0.0, 1e-6), (0.0, -1e-6)] {
        let (fp, _) = platt_objective(s, y, w, a + da / scale, b + db);
        assert!(
            f <= fp + 1e-12 * f.abs(),
            "({a}, {b}) is not the optimum: f = {f}, f({da}, {db}) = {fp}, g = {g:?}"
        );
    }
}

#[test]
fn method_names() {
    assert_eq!(CalibrationMethod::from_name("platt").unwrap(), PLATT);
    assert_eq!(CalibrationMethod::from_name("isotonic").unwrap(), ISOTONIC);
    assert_eq!(ISOTONIC.name(), "isotonic");
    let e = CalibrationMethod::from_name("sigmoid").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        e.message(),
        "calibration method \"sigmoid\" is not one of \"platt\", \"isotonic\""
    );
}

#[test]
fn pava_on_a_known_example() {
    let s = [0.1, 0.3, 0.35, 0.6, 0.8, 0.9];
    let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
    let cal = Calibrator::fit(ISOTONIC, &s, &y, None).unwrap();
    assert_eq!(cal.method(), ISOTONIC);
    assert_eq!(cal.platt_parameters(), None);
    let (x, p) = cal.isotonic_thresholds().unwrap();
    assert_eq!(x, [0.1, 0.3, 0.35, 0.6, 0.8, 0.9]);
    assert_eq!(p, [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]);
    let p = predict(&cal, &[-1.0, 0.2, 0.475, 0.7, 0.9, 2.0]);
    for (p, q) in p.iter().zip([0.0, 0.0, 0.5, 0.75, 1.0, 1.0]) {
        assert!((p - q).abs() < 1e-15, "{p} vs {q}");
    }

    // Weights: 1 then 3 times 0 pool to 0.25; interior points of a block are dropped.
    let s = [1.0, 2.0, 2.5, 3.0, 4.0];
    let y = [1.0, 0.0, 0.0, 1.0, 1.0];
    let w = [1.0, 2.0, 1.0, 1.0, 0.0];
    let cal = Calibrator::fit(ISOTONIC, &s, &y, Some(&w)).unwrap();
    let (x, p) = cal.isotonic_thresholds().unwrap();
    assert_eq!(x, [1.0, 2.5, 3.0]);
    assert_eq!(p, [0.25, 0.25, 1.0]);
    assert_eq!(cal.predict_one(2.75).unwrap(), 0.625);
    assert_eq!(cal.predict_one(4.0).unwrap(), 1.0);
}

#[test]
fn tied_scores_are_pooled_first() {
    let s = [1.0, 0.5, 0.5, 0.5];
    let y = [1.0, 1.0, 0.0, 0.0];
    let cal = Calibrator::fit(ISOTONIC, &s, &y, None).unwrap();
    let (x, p) = cal.isotonic_thresholds().unwrap();
    assert_eq!(x, [0.5, 1.0]);
    assert_eq!(p, [1.0 / 3.0, 1.0]);
    assert!((cal.predict_one(0.75).unwrap() - 2.0 / 3.0).abs() < 1e-15);
    // One distinct score: a constant.
    let cal =
        Calibrator::fit(ISOTONIC, &[2.0, 2.0, 2.0, 2.0], &[1.0, 0.0, 0.0, 0.0], None).unwrap();
    assert_eq!(predict(&cal, &[-5.0, 2.0, 9.0]), [0.25; 3]);
}

#[test]
fn platt_on_symmetric_data() {
    // Every (s, y) has its mirror (-s, 1 - y): B = 0 and P(-s) = 1 - P(s).
    let s = [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, -1.5, 1.5];
    let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let cal = Calibrator::fit(PLATT, &s, &y, None).unwrap();
    let (a, b) = cal.platt_parameters().unwrap();
    assert!(a < 0.0, "a = {a}");
    assert!(b.abs() < 1e-12, "b = {b}");
    assert!((cal.predict_one(0.0).unwrap() - 0.5).abs() < 1e-12);
    let p = predict(&cal, &[1.0, -1.0]);
    assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
    assert_platt_optimal(&s, &y, &[1.0; 8], &cal);
}

#[test]
fn platt_reaches_the_optimum_on_hard_data() {
    // Separable data (the smoothed targets keep the optimum finite), large and offset scores.
    let s: Vec<f64> = (0..200).map(|i| 1e6 + 1000.0 * i as f64).collect();
    let y: Vec<f64> = (0..200).map(|i| if i < 100 { 0.0 } else { 1.0 }).collect();
    let w: Vec<f64> = (0..200).map(|i| 0.5 + (i % 7) as f64).collect();
    let cal = Calibrator::fit(PLATT, &s, &y, Some(&w)).unwrap();
    let (a, b) = cal.platt_parameters().unwrap();
    assert!(a.is_finite() && b.is_finite() && a < 0.0);
    let centered: Vec<f64> = s.iter().map(|v| v - 1.1e6).collect();
    let shifted = Calibrator::fit(PLATT, &centered, &y, Some(&w)).unwrap();
    let p = predict(&cal, &s);
    let q = predict(&shifted, &centered);
    for (p, q) in p.iter().zip(&q) {
        assert!((p - q).abs() < 1e-8);
    }
    assert_platt_optimal(&centered, &y, &w, &shifted);
}

#[test]
fn platt_with_constant_scores_predicts_the_smoothed_rate() {
    let y = [1.0, 0.0, 0.0, 0.0];
    let cal = Calibrator::fit(PLATT, &[3.0; 4], &y, None).unwrap();
    let (a, _) = cal.platt_parameters().unwrap();
    assert_eq!(a, 0.0);
    // Targets 2/3 for the positive and 1/5 for the three negatives.
    let rate = (2.0 / 3.0 + 3.0 / 5.0) / 4.0;
    assert!((cal.predict_one(-7.0).unwrap() - rate).abs() < 1e-14);
}

#[test]
fn bad_inputs_are_named() {
    let s = [0.1, 0.2, 0.3, 0.4];
    let y = [0.0, 1.0, 0.0, 1.0];
    let err = |method, s: &[f64], y: &[f64], w: Option<&[f64]>| {
        Calibrator::fit(method, s, y, w).unwrap_err()
    };
    for method in [PLATT, ISOTONIC] {
        let e = err(method, &[0.1, f64::NAN, 0.3, 0.4], &y, None);
        assert_eq!(e.kind(), ErrorKind::NonFinite);
        assert_eq!(e.message(), "scores[1] is NaN, not a finite number");
        let e = err(method, &s, &[0.0, 1.0, 1.0], None);
        assert_eq!(e.kind(), ErrorKind::ShapeMismatch);
        let e = err(method, &s, &[0.0, 1.0, 0.5, 1.0], None);
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert_eq!(e.message(), "y[2] is 0.5, but y must be 0 or 1");
        let e = err(method, &s, &[0.0, 1.0, 2.0, 1.0], None);
        assert!(e.message().contains("y must be 0 or 1"));
        let e = err(method, &s, &[1.0; 4], None);
        assert_eq!(
            e.message(),
            "y has only one class: calibration needs both, but no row of class 0 is in y"
        );
        let e = err(method, &s, &y, Some(&[1.0, 0.0, 1.0, 0.0]));
        assert!(e
            .message()
            .contains("no row of class 1 with a positive weight"));
        let e = err(method, &s, &y, Some(&[1.0, -1.0, 1.0, 1.0]));
        assert_eq!(
            e.message(),
            "sample_weight[1] is -1, but sample weights must be >= 0"
        );
        let e = err(method, &s, &y, Some(&[0.0; 4]));
        assert!(e.message().contains("zero for every row"));
        let e = err(method, &s, &y, Some(&[1.0, f64::INFINITY, 1.0, 1.0]));
        assert_eq!(e.kind(), ErrorKind::NonFinite);
        let e = err(method, &s, &y, Some(&[f64::MAX; 4]));
        assert!(e.message().contains("infinity"));
        let e = err(method, &s, &y, Some(&[1.0; 3]));
        assert_eq!(e.kind(), ErrorKind::ShapeMismatch);
        let e = err(method, &[], &[], None);
        assert_eq!(e.kind(), ErrorKind::Empty);

        let cal = Calibrator::fit(method, &s, &y, None).unwrap();
        let mut out = [7.0; 3];
        let e = cal
            .predict(&[0.1, f64::INFINITY, 0.2], &mut out)
            .unwrap_err();
        assert_eq!(e.message(), "scores[1] is inf, not a finite number");
        assert_eq!(out, [7.0; 3], "nothing is written on error");
        let e = cal.predict(&[0.1, 0.2], &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ShapeMismatch);
        assert_eq!(
            cal.predict_one(f64::NAN).unwrap_err().kind(),
            ErrorKind::NonFinite
        );
    }
}

#[test]
fn calibrators_are_shareable() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Calibrator>();
}

fn doc_with(payload: &str) -> String {
    format!(r#"{{"format":"nextbest","kind":"calibrator","version":1,"payload":{payload}}}"#)
}

#[test]
fn documents_round_trip_and_hostile_ones_are_refused() {
    let cal = Calibrator::fit(PLATT, &[0.1, 0.2, 0.3], &[0.0, 1.0, 1.0], None).unwrap();
    let (a, b) = cal.platt_parameters().unwrap();
    let doc = cal.to_json();
    assert_eq!(
        doc,
        doc_with(&format!(r#"{{"method":"platt","a":{a:?},"b":{b:?}}}"#))
    );
    assert_eq!(Calibrator::from_json(&doc).unwrap(), cal);

    let wrong_kind = doc.replace("\"calibrator\"", "\"thompson_bandit\"");
    let e = Calibrator::from_json(&wrong_kind).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongKind);
    let future = doc.replace("\"version\":1", "\"version\":2");
    let e = Calibrator::from_json(&future).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnsupportedVersion);

    let good = doc_with(r#"{"method":"isotonic","scores":[0,1,2],"probabilities":[0,0.5,1]}"#);
    let loaded = Calibrator::from_json(&good).unwrap();
    assert_eq!(loaded.predict_one(1.5).unwrap(), 0.75);
    let hostile = [
        (
            r#"{"method":"isotonic","scores":[0,2,1],"probabilities":[0,0.5,1]}"#,
            "strictly increasing",
        ),
        (
            r#"{"method":"isotonic","scores":[0,1,1],"probabilities":[0,0.5,1]}"#,
            "strictly increasing",
        ),
        (
            r#"{"method":"isotonic","scores":[0,1,2],"probabilities":[0,0.6,0.5]}"#,
            "non-decreasing",
        ),
        (
            r#"{"method":"isotonic","scores":[0,1,2],"probabilities":[0,0.5,1.5]}"#,
            "outside [0, 1]",
        ),
        (
            r#"{"method":"isotonic","scores":[0,1,2],"probabilities":[0,0.5]}"#,
            "equally many",
        ),
        (
            r#"{"method":"isotonic","scores":[],"probabilities":[]}"#,
            "at least 1",
        ),
        (
            r#"{"method":"isotonic","scores":[0,null],"probabilities":[0,1]}"#,
            "invalid payload",
        ),
        (
            r#"{"method":"isotonic","scores":[0,NaN],"probabilities":[0,1]}"#,
            "not a nextbest document",
        ),
        (
            r#"{"method":"isotonic","scores":[0,1e999],"probabilities":[0,1]}"#,
            "not a nextbest document",
        ),
        (r#"{"method":"platt","a":null,"b":0}"#, "invalid payload"),
        (r#"{"method":"platt","a":1}"#, "invalid payload"),
        (r#"{"method":"platt","a":1,"b":0,"c":2}"#, "invalid payload"),
        (r#"{"method":"sigmoid","a":1,"b":0}"#, "invalid payload"),
        (r#"{"a":1,"b":0}"#, "invalid payload"),
        (r#"[1,2]"#, "invalid payload"),
    ];
    for (payload, expected) in hostile {
        let e = Calibrator::from_json(&doc_with(payload)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadDocument, "{payload}");
        assert!(
            e.message().contains(expected),
            "{payload}: {} lacks {expected:?}",
            e.message()
        );
    }
}

/// Scores on a coarse grid (so that ties are common), outcomes and weights.
fn data() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>)> {
    (2usize..60).prop_flat_map(|n| {
        (
            prop::collection::vec((-20i32..20).prop_map(|v| v as f64 / 4.0), n),
            prop::collection::vec(prop::bool::ANY.prop_map(|b| b as u8 as f64), n),
            prop::collection::vec((0u32..5).prop_map(|v| v as f64 * 0.75), n),
        )
            .prop_filter("both classes", |(_, y, w)| {
                let w1: f64 = y.iter().zip(w).map(|(y, w)| y * w).sum();
                let w0: f64 = y.iter().zip(w).map(|(y, w)| (1.0 - y) * w).sum();
                w0 > 0.0 && w1 > 0.0
            })
    })
}

proptest! {
    #[test]
    fn isotonic_is_monotone_and_a_probability((s, y, w) in data()) {
        let cal = Calibrator::fit(ISOTONIC, &s, &y, Some(&w)).unwrap();
        let grid: Vec<f64> = (-250..=250).map(|v| v as f64 / 40.0).collect();
        let p = predict(&cal, &grid);
        for k in 0..p.len() {
            prop_assert!((0.0..=1.0).contains(&p[k]));
            if k > 0 {
                prop_assert!(p[k - 1] <= p[k]);
            }
        }
        let (x, q) = cal.isotonic_thresholds().unwrap();
        prop_assert!(x.windows(2).all(|v| v[0] < v[1]));
        prop_assert!(q.windows(2).all(|v| v[0] <= v[1]));
    }

    #[test]
    fn platt_is_a_monotone_probability((s, y, w) in data()) {
        let cal = Calibrator::fit(PLATT, &s, &y, Some(&w)).unwrap();
        assert_platt_optimal(&s, &y, &w, &cal);
        let (a, _) = cal.platt_parameters().unwrap();
        let grid: Vec<f64> = (-100..=100).map(|v| v as f64 / 10.0).collect();
        let p = predict(&cal, &grid);
        for k in 0..p.len() {
            prop_assert!((0.0..=1.0).contains(&p[k]));
            if k > 0 && a <= 0.0 {
                prop_assert!(p[k - 1] <= p[k]);
            }
        }
    }

    #[test]
    fn weight_two_is_a_duplicated_row((s, y, _) in data(), pick in any::<prop::sample::Index>()) {
        let w = vec![1.0; s.len()];
        let k = pick.index(s.len());
        let (mut s2, mut y2) = (s.clone(), y.clone());
        s2.push(s[k]);
        y2.push(y[k]);
        let mut weighted = w.clone();
        weighted[k] = 2.0;
        let grid: Vec<f64> = (-60..=60).map(|v| v as f64 / 10.0).collect();
        for method in [PLATT, ISOTONIC] {
            let dup = Calibrator::fit(method, &s2, &y2, None).unwrap();
            let wtd = Calibrator::fit(method, &s, &y, Some(&weighted)).unwrap();
            for (p, q) in predict(&dup, &grid).iter().zip(predict(&wtd, &grid)) {
                prop_assert!((p - q).abs() < 1e-9, "{method:?}: {p} vs {q}");
            }
        }
    }

    #[test]
    fn documents_round_trip_exactly((s, y, w) in data(), method in prop_oneof![Just(PLATT), Just(ISOTONIC)]) {
        let s: Vec<f64> = s.iter().map(|v| v * std::f64::consts::PI).collect();
        let cal = Calibrator::fit(method, &s, &y, Some(&w)).unwrap();
        let back = Calibrator::from_json(&cal.to_json()).unwrap();
        prop_assert_eq!(&back, &cal);
        let probe: Vec<f64> = s.iter().map(|v| v + 0.1).collect();
        let (p, q) = (predict(&cal, &probe), predict(&back, &probe));
        prop_assert!(p.iter().zip(&q).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

/// A zero-weight row outside the weighted scores' range must not change the fit (found by
/// the property test: it used to make the Newton system singular).
#[test]
fn zero_weight_rows_take_no_part_in_platt() {
    let (s, y, w) = ([0.0, -4.75, -4.75], [0.0, 1.0, 0.0], [0.0, 0.75, 1.5]);
    let cal = Calibrator::fit(PLATT, &s, &y, Some(&w)).unwrap();
    assert_platt_optimal(&s, &y, &w, &cal);
    let kept = Calibrator::fit(PLATT, &s[1..], &y[1..], Some(&w[1..])).unwrap();
    assert_eq!(cal.platt_parameters(), kept.platt_parameters());
}
