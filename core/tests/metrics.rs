//! Metrics: hand-computed cases, bad input, and invariants (monotone transforms, permutations,
//! integer weights as duplicated rows, lift against gains) checked by proptest.

use nextbest::metrics::{
    brier, calibration_curve, expected_calibration_error, gain_curve, group_report, lift_at,
    log_loss, pr_auc, psi, roc_auc, BinStrategy, PsiReference, PSI_EPSILON,
};
use nextbest::{ErrorKind, Persist};
use proptest::prelude::*;

const Y: [f64; 4] = [0.0, 1.0, 0.0, 1.0];
const S: [f64; 4] = [0.5, 0.5, 0.2, 0.8];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
}

/// Asserts that `r` fails with `kind` and a message containing every word.
#[track_caller]
fn fails<T: std::fmt::Debug>(r: nextbest::Result<T>, kind: ErrorKind, words: &[&str]) {
    let e = r.unwrap_err();
    assert_eq!(e.kind(), kind, "{e}");
    for w in words {
        assert!(e.message().contains(w), "{w:?} not in {:?}", e.message());
    }
}

/// The AUC by counting pairs: P(score of a positive > score of a negative), ties one half.
fn auc_by_pairs(y: &[f64], s: &[f64], w: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in (0..y.len()).filter(|&i| y[i] == 1.0) {
        for j in (0..y.len()).filter(|&j| y[j] == 0.0) {
            let ww = w[i] * w[j];
            den += ww;
            num += ww
                * if s[i] > s[j] {
                    1.0
                } else if s[i] == s[j] {
                    0.5
                } else {
                    0.0
                };
        }
    }
    num / den
}

#[test]
fn auc_counts_ties_as_half() {
    // Pairs (positive, negative): (0.8, 0.5) 1, (0.8, 0.2) 1, (0.5, 0.5) 1/2, (0.5, 0.2) 1.
    assert_eq!(roc_auc(&Y, &S, None).unwrap(), 0.875);
    let w = [1.0, 2.0, 3.0, 0.5];
    assert!(close(
        roc_auc(&Y, &S, Some(&w)).unwrap(),
        auc_by_pairs(&Y, &S, &w)
    ));
    // -0.0 and 0.0 are one score.
    assert_eq!(roc_auc(&[0.0, 1.0], &[0.0, -0.0], None).unwrap(), 0.5);
}

#[test]
fn average_precision_steps_over_distinct_scores() {
    // 0.8: recall 1/2 at precision 1; 0.5 (one of each): recall 1 at precision 2/3.
    assert!(close(pr_auc(&Y, &S, None).unwrap(), 0.5 + 0.5 * 2.0 / 3.0));
    assert_eq!(pr_auc(&[1.0, 1.0], &[0.1, 0.2], None).unwrap(), 1.0);
    // Rows of weight 0 count for nothing.
    let with_zero = pr_auc(
        &[0.0, 1.0, 0.0, 1.0, 0.0],
        &[0.5, 0.5, 0.2, 0.8, 0.9],
        Some(&[1.0, 1.0, 1.0, 1.0, 0.0]),
    );
    assert_eq!(with_zero.unwrap(), pr_auc(&Y, &S, None).unwrap());
}

#[test]
fn log_loss_and_brier_by_hand() {
    let (y, p) = ([1.0, 0.0, 1.0], [0.9, 0.2, 0.6]);
    let ll = -(0.9f64.ln() + 0.8f64.ln() + 0.6f64.ln()) / 3.0;
    assert!(close(log_loss(&y, &p, None).unwrap(), ll));
    let w = [2.0, 1.0, 1.0];
    let llw = -(2.0 * 0.9f64.ln() + 0.8f64.ln() + 0.6f64.ln()) / 4.0;
    assert!(close(log_loss(&y, &p, Some(&w)).unwrap(), llw));
    assert!(close(
        brier(&y, &p, None).unwrap(),
        (0.01 + 0.04 + 0.16) / 3.0
    ));
    assert!(close(
        brier(&y, &p, Some(&w)).unwrap(),
        (0.02 + 0.04 + 0.16) / 4.0
    ));
    // Certain and wrong: clipped at the machine epsilon, large but finite.
    let worst = log_loss(&[1.0], &[0.0], None).unwrap();
    assert!(close(worst, -f64::EPSILON.ln()));
    assert_eq!(
        log_loss(&[1.0, 0.0], &[1.0, 0.0], None).unwrap(),
        -(1.0 - f64::EPSILON).ln()
    );
    // A single class is fine.
    assert_eq!(brier(&[1.0, 1.0], &[1.0, 1.0], None).unwrap(), 0.0);
}

#[test]
fn lift_includes_a_straddling_tie_fractionally() {
    // The top 25% is half of the tied pair at 0.5, which holds one positive in two rows.
    let (y, s) = ([1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.1, 0.1]);
    assert!(close(lift_at(&y, &s, 0.25, None).unwrap(), 2.0));
    assert!(close(
        lift_at(&[0.0, 1.0, 0.0, 0.0], &s, 0.25, None).unwrap(),
        2.0
    ));
    assert!(close(lift_at(&y, &s, 1.0, None).unwrap(), 1.0));
    // Weights: the row of weight 3 is 3/6 of the population and holds all the positives.
    let w = [3.0, 1.0, 1.0, 1.0];
    let s2 = [0.9, 0.5, 0.1, 0.1];
    assert!(close(lift_at(&y, &s2, 0.5, Some(&w)).unwrap(), 2.0));
    assert!(close(lift_at(&y, &s2, 0.25, Some(&w)).unwrap(), 2.0));
}

#[test]
fn gain_curve_groups_ties() {
    let g = gain_curve(&Y, &S, None).unwrap();
    assert_eq!(g.targeted, [0.0, 0.25, 0.75, 1.0]);
    assert_eq!(g.captured, [0.0, 0.5, 1.0, 1.0]);
    assert_eq!(g.captured_at(0.5), 0.75);
    let w = [1.0, 1.0, 2.0, 0.0];
    let g = gain_curve(&Y, &S, Some(&w)).unwrap();
    // The row of weight 0 is no point of the curve.
    assert_eq!(g.targeted, [0.0, 0.5, 1.0]);
    assert_eq!(g.captured, [0.0, 1.0, 1.0]);
}

#[test]
fn calibration_curve_matches_scikit_learn_examples() {
    let y = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
    let p = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0];
    let c = calibration_curve(&y, &p, 3, BinStrategy::Uniform, None).unwrap();
    assert_eq!(c.prob_true, [0.0, 0.5, 1.0]);
    assert!(close(c.prob_pred[0], 0.2) && close(c.prob_pred[1], 0.525));
    assert!(close(c.prob_pred[2], 0.85));
    // Empty bins are dropped; a probability on an edge belongs to the lower bin (the edge
    // is np.linspace's 3 * 0.1 = 0.30000000000000004, above 0.3).
    let c = calibration_curve(
        &[0.0, 1.0, 1.0],
        &[0.3, 0.30000000000000004, 0.5],
        10,
        BinStrategy::Uniform,
        None,
    )
    .unwrap();
    assert_eq!(c.weight, [2.0, 1.0]);
    assert_eq!(c.prob_true, [0.5, 1.0]);
    // Quantile bins: edges at the quantiles of the probabilities.
    let c = calibration_curve(&y, &p, 3, BinStrategy::Quantile, None).unwrap();
    assert_eq!(c.weight, [3.0, 3.0, 3.0]);
    assert_eq!(c.prob_true, [0.0, 2.0 / 3.0, 1.0]);
    // ECE: the weighted mean gap.
    let ece = expected_calibration_error(&y, &p, 3, BinStrategy::Uniform, None).unwrap();
    assert!(close(ece, (3.0 * 0.2 + 2.0 * 0.025 + 4.0 * 0.15) / 9.0));
    assert_eq!(
        BinStrategy::from_name("quantile").unwrap(),
        BinStrategy::Quantile
    );
    fails(
        BinStrategy::from_name("equal"),
        ErrorKind::InvalidArgument,
        &["strategy", "\"equal\"", "uniform"],
    );
}

#[test]
fn psi_freezes_and_merges_bins() {
    // Quantiles 1, 1, 1 merge into one edge: (-inf, 1] holds 4/5, (1, inf) 1/5.
    let r = PsiReference::fit(&[1.0, 1.0, 1.0, 1.0, 2.0], 4).unwrap();
    assert_eq!(r.edges(), [1.0]);
    assert_eq!(r.expected_shares(), [0.8, 0.2]);
    let expected = (0.5 - 0.8) * (0.5f64 / 0.8).ln() + (0.5 - 0.2) * (0.5f64 / 0.2).ln();
    assert!(close(r.psi(&[0.0, 3.0]).unwrap(), expected));
    // An empty bin is floored, not infinite.
    let floored = (PSI_EPSILON - 0.8) * (PSI_EPSILON / 0.8).ln() + 0.8 * (1.0f64 / 0.2).ln();
    assert!(close(r.psi(&[5.0, 6.0]).unwrap(), floored));
    assert_eq!(r.psi(&[1.0, 1.0, 1.0, 1.0, 2.0]).unwrap(), 0.0);
    assert_eq!(
        psi(&[1.0, 1.0, 1.0, 1.0, 2.0], &[0.0, 3.0], 4).unwrap(),
        r.psi(&[0.0, 3.0]).unwrap()
    );
    // Persisted, and through serde.
    let copy = PsiReference::from_json(&r.to_json()).unwrap();
    assert_eq!(copy, r);
    let value = serde_json::to_value(&r).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"edges": [1.0], "expected": [0.8, 0.2]})
    );
    let back: PsiReference = serde_json::from_value(value).unwrap();
    assert_eq!(back, r);
    // Documents are checked.
    let bad = r.to_json().replace("[1.0]", "[]");
    fails(
        PsiReference::from_json(&bad),
        ErrorKind::BadDocument,
        &["2 shares", "0 edges"],
    );
    let bad = r.to_json().replace("0.2]", "0.3]");
    fails(
        PsiReference::from_json(&bad),
        ErrorKind::BadDocument,
        &["sum to"],
    );
    fails(
        PsiReference::from_parts(vec![2.0, 1.0], vec![0.5, 0.25, 0.25]),
        ErrorKind::InvalidArgument,
        &["strictly increasing"],
    );
    // One bin: nothing can move.
    assert_eq!(psi(&[1.0, 2.0], &[5.0], 1).unwrap(), 0.0);
}

#[test]
fn group_report_by_hand() {
    let y = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0];
    let s = [0.9, 0.2, 0.7, 0.6, 0.4, 0.8, 0.3];
    let g = [0, 0, 0, 1, 1, 2, 2];
    let r = group_report(&y, &s, &g, 4, 0.5, None).unwrap();
    assert_eq!(r.groups.len(), 4);
    let (a, b, c, d) = (&r.groups[0], &r.groups[1], &r.groups[2], &r.groups[3]);
    assert_eq!((a.n, a.weight), (3, 3.0));
    assert!(close(a.positive_rate, 2.0 / 3.0));
    assert_eq!(a.auc, 1.0);
    assert!(close(a.selection_rate, 2.0 / 3.0));
    assert_eq!(b.auc, 0.0);
    assert_eq!(b.selection_rate, 0.5);
    assert_eq!(c.selection_rate, 0.5);
    assert_eq!(c.auc, 1.0);
    assert_eq!(r.reference, Some(0));
    assert_eq!(a.disparate_impact, 1.0);
    assert!(close(b.disparate_impact, 0.75));
    // A group with no rows: NaN figures.
    assert_eq!(d.n, 0);
    assert!(d.positive_rate.is_nan() && d.auc.is_nan() && d.disparate_impact.is_nan());
    // A group of one class: NaN AUC, not an error.
    let r = group_report(
        &[1.0, 1.0, 0.0, 1.0],
        &[0.1, 0.2, 0.3, 0.4],
        &[0, 0, 1, 1],
        2,
        0.9,
        None,
    )
    .unwrap();
    assert!(r.groups[0].auc.is_nan());
    assert_eq!(r.groups[1].auc, 1.0);
    // Nobody selected: no disparate impact.
    assert!(r
        .groups
        .iter()
        .all(|g| g.selection_rate == 0.0 && g.disparate_impact.is_nan()));
    // Weights.
    let w = [1.0, 3.0, 1.0, 1.0];
    let r = group_report(
        &[1.0, 0.0, 0.0, 1.0],
        &[0.6, 0.4, 0.3, 0.4],
        &[0, 0, 1, 1],
        2,
        0.5,
        Some(&w),
    )
    .unwrap();
    assert_eq!(r.groups[0].weight, 4.0);
    assert_eq!(r.groups[0].selection_rate, 0.25);
    assert_eq!(r.groups[0].positive_rate, 0.25);
    assert_eq!(r.groups[1].disparate_impact, 0.0);
}

#[test]
fn bad_input_is_named() {
    use ErrorKind::*;
    // Empty.
    fails(roc_auc(&[], &[], None), Empty, &["y is empty"]);
    fails(psi(&[], &[1.0], 10), Empty, &["expected_scores is empty"]);
    fails(psi(&[1.0], &[], 10), Empty, &["actual_scores is empty"]);
    // Lengths.
    fails(
        roc_auc(&Y, &S[..3], None),
        ShapeMismatch,
        &["score has 3 values, expected 4"],
    );
    fails(
        brier(&Y, &S, Some(&[1.0])),
        ShapeMismatch,
        &["sample_weight has 1 values"],
    );
    fails(
        group_report(&Y, &S, &[0, 0], 1, 0.5, None),
        ShapeMismatch,
        &["groups has 2 values"],
    );
    // NaN and inf.
    fails(
        pr_auc(&Y, &[0.1, f64::NAN, 0.2, 0.3], None),
        NonFinite,
        &["score[1] is NaN"],
    );
    fails(
        log_loss(&[0.0, f64::INFINITY], &[0.1, 0.2], None),
        NonFinite,
        &["y[1] is inf"],
    );
    fails(
        roc_auc(&Y, &S, Some(&[1.0, 1.0, f64::NAN, 1.0])),
        NonFinite,
        &["sample_weight[2] is NaN"],
    );
    fails(
        psi(&[1.0, f64::NEG_INFINITY], &[1.0], 2),
        NonFinite,
        &["expected_scores[1] is -inf"],
    );
    fails(
        psi(&[1.0], &[f64::NAN], 2),
        NonFinite,
        &["actual_scores[0] is NaN"],
    );
    fails(
        group_report(&Y, &S, &[0; 4], 1, f64::NAN, None),
        NonFinite,
        &["threshold is NaN"],
    );
    // Labels, probabilities, weights.
    fails(
        roc_auc(&[0.0, 2.0], &[0.1, 0.2], None),
        InvalidArgument,
        &["y[1] is 2, but y must be 0 or 1"],
    );
    fails(
        brier(&[0.0, 1.0], &[0.1, 1.5], None),
        InvalidArgument,
        &["prob[1] is 1.5", "[0, 1]"],
    );
    fails(
        log_loss(&[0.0, 1.0], &[-0.1, 0.5], None),
        InvalidArgument,
        &["prob[0] is -0.1"],
    );
    fails(
        calibration_curve(&[0.0, 1.0], &[0.1, 1.01], 5, BinStrategy::Uniform, None),
        InvalidArgument,
        &["prob[1]"],
    );
    fails(
        roc_auc(&Y, &S, Some(&[1.0, -1.0, 1.0, 1.0])),
        InvalidArgument,
        &["sample_weight[1] is -1", ">= 0"],
    );
    fails(
        roc_auc(&Y, &S, Some(&[0.0; 4])),
        InvalidArgument,
        &["sample_weight is zero for every row"],
    );
    // One class.
    fails(
        roc_auc(&[1.0, 1.0], &[0.1, 0.2], None),
        InvalidArgument,
        &["no negative row", "ROC AUC"],
    );
    fails(
        roc_auc(&[0.0, 1.0], &[0.1, 0.2], Some(&[1.0, 0.0])),
        InvalidArgument,
        &["no positive row"],
    );
    fails(
        pr_auc(&[0.0, 0.0], &[0.1, 0.2], None),
        InvalidArgument,
        &["no positive row"],
    );
    fails(
        lift_at(&[0.0, 0.0], &[0.1, 0.2], 0.1, None),
        InvalidArgument,
        &["no positive row"],
    );
    fails(
        gain_curve(&[0.0], &[0.1], None),
        InvalidArgument,
        &["no positive row"],
    );
    // Parameters.
    for f in [0.0, -0.5, 1.5, f64::NAN] {
        fails(
            lift_at(&Y, &S, f, None),
            InvalidArgument,
            &["fraction", "(0, 1]"],
        );
    }
    fails(
        calibration_curve(&Y, &S, 0, BinStrategy::Uniform, None),
        InvalidArgument,
        &["n_bins must be between 1 and"],
    );
    fails(
        psi(&S, &S, 0),
        InvalidArgument,
        &["bins must be between 1 and"],
    );
    fails(
        group_report(&Y, &S, &[0, 1, 2, 0], 2, 0.5, None),
        NotFound,
        &["groups[2] is 2, but there are 2 groups"],
    );
}

/// Rows with tied scores (small integers), labels of both classes and integer weights.
fn data() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, Vec<f64>)> {
    (2usize..60)
        .prop_flat_map(|n| {
            (
                prop::collection::vec(0u8..2, n),
                prop::collection::vec(-6i32..6, n),
                prop::collection::vec(0u8..4, n),
            )
        })
        .prop_map(|(y, s, w)| {
            let mut y: Vec<f64> = y.into_iter().map(f64::from).collect();
            let mut w: Vec<f64> = w.into_iter().map(f64::from).collect();
            // Both classes, each with weight.
            y[0] = 0.0;
            y[1] = 1.0;
            w[0] = w[0].max(1.0);
            w[1] = w[1].max(1.0);
            (y, s.into_iter().map(f64::from).collect(), w)
        })
}

/// Probabilities on a grid of tenths (ties and bin edges) and thirds.
fn probabilities(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            (0u8..=10).prop_map(|k| k as f64 / 10.0),
            (0u8..=3).prop_map(|k| k as f64 / 3.0)
        ],
        n,
    )
}

/// Every row `i` repeated `w[i]` times (weights are integers).
fn repeat<T: Copy>(v: &[T], w: &[f64]) -> Vec<T> {
    v.iter()
        .zip(w)
        .flat_map(|(&x, &k)| std::iter::repeat_n(x, k as usize))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn auc_counts_pairs((y, s, w) in data()) {
        let ones = vec![1.0; y.len()];
        prop_assert!(close(roc_auc(&y, &s, None).unwrap(), auc_by_pairs(&y, &s, &ones)));
        prop_assert!(close(roc_auc(&y, &s, Some(&w)).unwrap(), auc_by_pairs(&y, &s, &w)));
    }

    #[test]
    fn auc_is_invariant_under_monotone_maps_and_permutations(
        ((y, s, w), order) in data().prop_flat_map(|d| {
            let n = d.0.len();
            (Just(d), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        }),
    ) {
        let auc = roc_auc(&y, &s, Some(&w)).unwrap();
        // Strictly increasing and exact on small integers.
        let t: Vec<f64> = s.iter().map(|v| v.powi(3) + 2.0 * v - 100.0).collect();
        prop_assert_eq!(roc_auc(&y, &t, Some(&w)).unwrap(), auc);
        let ap = pr_auc(&y, &s, Some(&w)).unwrap();
        prop_assert!(close(pr_auc(&y, &t, Some(&w)).unwrap(), ap));
        // The same rows in another order.
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let (py, ps, pw) = (pick(&y), pick(&s), pick(&w));
        prop_assert!(close(roc_auc(&py, &ps, Some(&pw)).unwrap(), auc));
        prop_assert!(close(pr_auc(&py, &ps, Some(&pw)).unwrap(), ap));
        let lift = lift_at(&y, &s, 0.3, Some(&w)).unwrap();
        prop_assert!(close(lift_at(&py, &ps, 0.3, Some(&pw)).unwrap(), lift));
        // Reversed scores: one minus the AUC (ties count one half either way).
        let neg: Vec<f64> = s.iter().map(|v| -v).collect();
        prop_assert!(close(roc_auc(&y, &neg, Some(&w)).unwrap(), 1.0 - auc));
    }

    #[test]
    fn reversed_distinct_scores_give_one_minus_auc(
        (y, s) in (2usize..80).prop_flat_map(|n| (
            prop::collection::vec(0u8..2, n),
            Just((0..n).map(|i| i as f64 / 7.0).collect::<Vec<f64>>()).prop_shuffle(),
        )),
    ) {
        prop_assume!(y.contains(&0) && y.contains(&1));
        let y: Vec<f64> = y.into_iter().map(f64::from).collect();
        let neg: Vec<f64> = s.iter().map(|v| -v).collect();
        let (a, b) = (roc_auc(&y, &s, None).unwrap(), roc_auc(&y, &neg, None).unwrap());
        prop_assert!(close(a + b, 1.0));
    }

    #[test]
    fn integer_weights_are_duplicated_rows((y, s, w) in data(), fraction in 0.01..=1.0f64, threshold in -6.0..6.0f64) {
        let p: Vec<f64> = s.iter().map(|v| (v + 6.0) / 12.0).collect();
        let (ry, rs, rp) = (repeat(&y, &w), repeat(&s, &w), repeat(&p, &w));
        prop_assert!(close(roc_auc(&y, &s, Some(&w)).unwrap(), roc_auc(&ry, &rs, None).unwrap()));
        prop_assert!(close(pr_auc(&y, &s, Some(&w)).unwrap(), pr_auc(&ry, &rs, None).unwrap()));
        prop_assert!(close(log_loss(&y, &p, Some(&w)).unwrap(), log_loss(&ry, &rp, None).unwrap()));
        prop_assert!(close(brier(&y, &p, Some(&w)).unwrap(), brier(&ry, &rp, None).unwrap()));
        prop_assert!(close(lift_at(&y, &s, fraction, Some(&w)).unwrap(), lift_at(&ry, &rs, fraction, None).unwrap()));
        let (g, rg) = (gain_curve(&y, &s, Some(&w)).unwrap(), gain_curve(&ry, &rs, None).unwrap());
        prop_assert_eq!(g.targeted.len(), rg.targeted.len());
        for k in 0..g.targeted.len() {
            prop_assert!(close(g.targeted[k], rg.targeted[k]) && close(g.captured[k], rg.captured[k]));
        }
        let c = calibration_curve(&y, &p, 7, BinStrategy::Uniform, Some(&w)).unwrap();
        let rc = calibration_curve(&ry, &rp, 7, BinStrategy::Uniform, None).unwrap();
        prop_assert_eq!(&c.weight, &rc.weight);
        for k in 0..c.weight.len() {
            prop_assert!(close(c.prob_true[k], rc.prob_true[k]) && close(c.prob_pred[k], rc.prob_pred[k]));
        }
        let groups: Vec<u32> = s.iter().map(|&v| (v.rem_euclid(3.0)) as u32).collect();
        let r = group_report(&y, &s, &groups, 3, threshold, Some(&w)).unwrap();
        let rr = group_report(&ry, &rs, &repeat(&groups, &w), 3, threshold, None).unwrap();
        for (a, b) in r.groups.iter().zip(&rr.groups) {
            prop_assert_eq!(a.weight, b.n as f64);
            for (u, v) in [(a.positive_rate, b.positive_rate), (a.auc, b.auc), (a.selection_rate, b.selection_rate), (a.disparate_impact, b.disparate_impact)] {
                prop_assert!((u.is_nan() && v.is_nan()) || close(u, v), "{} {}", u, v);
            }
        }
    }

    #[test]
    fn lift_is_gain_over_fraction((y, s, w) in data()) {
        // Unweighted, distinct scores: the top k rows exactly.
        let distinct: Vec<f64> = s.iter().enumerate().map(|(i, v)| v + i as f64 * 1e-6).collect();
        let n = y.len();
        let total: f64 = y.iter().sum();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| distinct[b].total_cmp(&distinct[a]));
        let mut top = 0.0;
        for (k, &i) in order.iter().enumerate() {
            top += y[i];
            let f = (k + 1) as f64 / n as f64;
            let expected = (top / (k + 1) as f64) / (total / n as f64);
            prop_assert!(close(lift_at(&y, &distinct, f, None).unwrap(), expected));
        }
        // Weighted, with ties: at every point of the gain curve, and between points.
        let g = gain_curve(&y, &s, Some(&w)).unwrap();
        prop_assert_eq!((g.targeted[0], g.captured[0]), (0.0, 0.0));
        prop_assert_eq!((*g.targeted.last().unwrap(), *g.captured.last().unwrap()), (1.0, 1.0));
        for k in 1..g.targeted.len() {
            prop_assert!(g.targeted[k] > g.targeted[k - 1] && g.captured[k] >= g.captured[k - 1]);
            let f = g.targeted[k];
            prop_assert!(close(lift_at(&y, &s, f, Some(&w)).unwrap() * f, g.captured[k]));
            let mid = 0.5 * (g.targeted[k - 1] + f);
            let between = 0.5 * (g.captured[k - 1] + g.captured[k]);
            prop_assert!(close(lift_at(&y, &s, mid, Some(&w)).unwrap() * mid, between));
        }
    }

    #[test]
    fn calibration_error_is_a_mean_gap(y in prop::collection::vec(0u8..2, 30), p in probabilities(30), bins in 1usize..12) {
        let y: Vec<f64> = y.into_iter().map(f64::from).collect();
        for strategy in [BinStrategy::Uniform, BinStrategy::Quantile] {
            let c = calibration_curve(&y, &p, bins, strategy, None).unwrap();
            prop_assert!(c.weight.len() <= bins);
            prop_assert_eq!(c.weight.iter().sum::<f64>(), 30.0);
            let ece = expected_calibration_error(&y, &p, bins, strategy, None).unwrap();
            prop_assert!((0.0..=1.0).contains(&ece));
            prop_assert!(close(ece, c.expected_calibration_error()));
        }
    }

    #[test]
    fn psi_is_zero_on_the_same_sample_and_positive_otherwise(
        e in prop::collection::vec(-5i32..5, 1..60),
        a in prop::collection::vec(-5i32..8, 1..60),
        bins in 1usize..12,
    ) {
        let e: Vec<f64> = e.into_iter().map(f64::from).collect();
        let a: Vec<f64> = a.into_iter().map(f64::from).collect();
        let r = PsiReference::fit(&e, bins).unwrap();
        prop_assert!(r.n_bins() <= bins && r.edges().windows(2).all(|w| w[0] < w[1]));
        prop_assert!(close(r.expected_shares().iter().sum::<f64>(), 1.0));
        prop_assert_eq!(r.psi(&e).unwrap(), 0.0);
        prop_assert!(r.psi(&a).unwrap() >= 0.0);
        prop_assert_eq!(psi(&e, &a, bins).unwrap(), r.psi(&a).unwrap());
        prop_assert_eq!(PsiReference::from_json(&r.to_json()).unwrap(), r);
    }
}
