//! Behaviour of the Thompson-sampling bandits: decisions, learning, probabilities, persistence,
//! bad input and sharing between threads.

use nextbest::bandit::{BetaPrior, GaussianPrior, GaussianThompsonBandit, Shared, ThompsonBandit};
use nextbest::rng::Rng;
use nextbest::{ErrorKind, Persist};
use proptest::prelude::*;

fn beta(n: usize, seed: u64) -> ThompsonBandit {
    ThompsonBandit::unnamed(n, BetaPrior::default(), 1.0, seed).unwrap()
}

/// Plays `rounds` decisions against Bernoulli `rates`; returns how often each arm was played.
fn play(b: &mut ThompsonBandit, rates: &[f64], rounds: usize, seed: u64) -> Vec<usize> {
    let mut rng = Rng::from_seed(seed);
    let mut counts = vec![0; rates.len()];
    for _ in 0..rounds {
        let a = b.select(None).unwrap();
        counts[a] += 1;
        b.update(a, (rng.uniform() < rates[a]) as u8 as f64)
            .unwrap();
    }
    counts
}

#[test]
fn learns_the_best_offer() {
    let rates = [0.02, 0.05, 0.03, 0.08, 0.04];
    let mut b = beta(5, 1);
    let counts = play(&mut b, &rates, 20_000, 2);
    assert!(counts[3] > 14_000, "{counts:?}");
    let post = b.posterior();
    let mean = |arm: usize| post.values[arm * post.fields.len() + 2];
    assert!((mean(3) - 0.08).abs() < 0.01, "{}", mean(3));
}

#[test]
fn same_seed_same_decisions() {
    let rates = [0.1, 0.2, 0.3];
    let (mut a, mut b) = (beta(3, 9), beta(3, 9));
    assert_eq!(play(&mut a, &rates, 500, 1), play(&mut b, &rates, 500, 1));
    assert_eq!(a, b);
    let mut c = beta(3, 10);
    assert_ne!(
        play(&mut c, &rates, 500, 1),
        play(&mut beta(3, 9), &rates, 500, 1)
    );
}

#[test]
fn probabilities_match_empirical_frequencies() {
    let mut b = beta(4, 3);
    b.update_many(
        &[0, 0, 1, 1, 1, 2, 3, 3],
        &[1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
    )
    .unwrap();
    let mask = [true, true, false, true];
    let p = b.arm_probabilities(Some(&mask)).unwrap();
    assert_eq!(p[2], 0.0);
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    let n = 400_000;
    let mut out = vec![0; n];
    b.select_many(Some(&mask), &mut out).unwrap();
    for (arm, &pa) in p.iter().enumerate() {
        let freq = out.iter().filter(|&&a| a == arm).count() as f64 / n as f64;
        let se = (pa * (1.0 - pa) / n as f64).sqrt().max(1e-9);
        assert!((freq - pa).abs() < 5.0 * se, "arm {arm}: {freq} vs {pa}");
    }
}

#[test]
fn gaussian_probabilities_match_empirical_frequencies() {
    let mut b = GaussianThompsonBandit::unnamed(3, GaussianPrior::Uninformative, 1.0, 4).unwrap();
    b.update_many(
        &[0, 0, 0, 1, 1, 2, 2, 2],
        &[10.0, 12.0, 9.0, 11.0, 14.0, 8.0, 9.5, 9.0],
    )
    .unwrap();
    let p = b.arm_probabilities(None).unwrap();
    let n = 400_000;
    let mut out = vec![0; n];
    b.select_many(None, &mut out).unwrap();
    for (arm, &pa) in p.iter().enumerate() {
        let freq = out.iter().filter(|&&a| a == arm).count() as f64 / n as f64;
        let se = (pa * (1.0 - pa) / n as f64).sqrt();
        assert!((freq - pa).abs() < 5.0 * se, "arm {arm}: {freq} vs {pa}");
    }
}

#[test]
fn gaussian_plays_every_arm_twice_then_finds_the_best_at_any_scale() {
    for scale in [1.0, 1000.0] {
        let means = [10.0 * scale, 1000.0 * scale, 1005.0 * scale];
        let mut b =
            GaussianThompsonBandit::new(["a", "b", "c"], GaussianPrior::Uninformative, 1.0, 5)
                .unwrap();
        let mut rng = Rng::from_seed(6);
        let mut first = vec![0; 3];
        let mut counts = vec![0; 3];
        for t in 0..5_000 {
            let a = b.select(None).unwrap();
            if t < 6 {
                first[a] += 1;
            }
            counts[a] += 1;
            b.update(a, means[a] + 2.0 * scale * rng.normal()).unwrap();
        }
        assert_eq!(first, vec![2, 2, 2], "scale {scale}");
        assert!(counts[2] > 4_000, "scale {scale}: {counts:?}");
        assert!(counts[0] <= 3, "scale {scale}: {counts:?}");
    }
}

#[test]
fn informative_gaussian_prior_needs_no_forced_exploration() {
    let prior = GaussianPrior::informative(50.0, 2.0, 10.0).unwrap();
    let mut b = GaussianThompsonBandit::unnamed(2, prior, 1.0, 1).unwrap();
    let p = b.arm_probabilities(None).unwrap();
    assert!((p[0] - 0.5).abs() < 1e-9);
    b.update(1, 80.0).unwrap();
    let post = b.posterior();
    let row = &post.values[post.fields.len()..];
    // Posterior mean of mu: (2 * 50 + 1 * 80) / 3.
    assert!((row[3] - 60.0).abs() < 1e-12, "{row:?}");
    let p = b.arm_probabilities(None).unwrap();
    assert!(p[1] > 0.6 && p[1] < 0.95, "{p:?}");
}

#[test]
fn discount_forgets_and_recovers_after_a_swap() {
    let run = |discount: f64| {
        let mut b = ThompsonBandit::unnamed(3, BetaPrior::default(), discount, 11).unwrap();
        play(&mut b, &[0.6, 0.3, 0.1], 20_000, 1);
        play(&mut b, &[0.1, 0.3, 0.6], 3_000, 2)[2]
    };
    let (plain, discounted) = (run(1.0), run(0.99));
    assert!(
        discounted > 2_400 && discounted > plain + 500,
        "{plain} vs {discounted}"
    );
}

#[test]
fn top_k_is_a_ranked_slate_of_distinct_eligible_arms() {
    let mut b = beta(6, 2);
    for _ in 0..200 {
        b.update(5, 1.0).unwrap();
        b.update(0, 0.0).unwrap();
    }
    let mask = [true, false, true, true, false, true];
    let slate = b.top_k(3, Some(&mask)).unwrap();
    assert_eq!(slate.len(), 3);
    assert_eq!(slate[0], 5);
    assert!(slate.iter().all(|&a| mask[a]));
    assert!(!slate.contains(&0) || slate[2] == 0);
    let err = b.top_k(5, Some(&mask)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.message().contains("4 eligible"), "{err}");
}

#[test]
fn arms_can_be_added_and_retired_without_losing_state() {
    let mut b =
        ThompsonBandit::new(["card", "loan", "savings"], BetaPrior::default(), 1.0, 1).unwrap();
    b.update(b.arm_index("savings").unwrap(), 1.0).unwrap();
    b.update(b.arm_index("card").unwrap(), 0.0).unwrap();
    let new = b
        .add_arm("insurance", BetaPrior::new(2.0, 8.0).unwrap())
        .unwrap();
    assert_eq!(new, 3);
    b.remove_arm(b.arm_index("loan").unwrap()).unwrap();
    assert_eq!(b.names(), ["card", "savings", "insurance"]);
    let savings = &b.arms()[b.arm_index("savings").unwrap()];
    assert_eq!((savings.alpha(), savings.beta()), (2.0, 1.0));
    let card = &b.arms()[0];
    assert_eq!((card.alpha(), card.beta()), (1.0, 2.0));
    assert_eq!(b.arms()[2].alpha(), 2.0);
    assert_eq!(
        b.add_arm("card", BetaPrior::default()).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(b.arm_index("loan").unwrap_err().kind(), ErrorKind::NotFound);
    let mut one = beta(1, 1);
    assert!(one
        .remove_arm(0)
        .unwrap_err()
        .message()
        .contains("last arm"));
}

#[test]
fn bad_input_is_refused_and_leaves_the_bandit_unchanged() {
    let mut b = beta(3, 1);
    b.update(0, 1.0).unwrap();
    let before = b.to_json();
    let cases: Vec<(nextbest::Error, ErrorKind, &str)> = vec![
        (
            b.update(0, f64::NAN).unwrap_err(),
            ErrorKind::NonFinite,
            "NaN",
        ),
        (
            b.update(0, 1.5).unwrap_err(),
            ErrorKind::InvalidArgument,
            "outside [0, 1]",
        ),
        (
            b.update(7, 1.0).unwrap_err(),
            ErrorKind::NotFound,
            "out of range",
        ),
        (
            b.update_many(&[0, 1], &[1.0]).unwrap_err(),
            ErrorKind::ShapeMismatch,
            "2 arms but 1",
        ),
        (
            b.update_many(&[0, 1, 2], &[1.0, -0.5, 1.0]).unwrap_err(),
            ErrorKind::InvalidArgument,
            "row 1",
        ),
        (
            b.select(Some(&[false; 3])).unwrap_err(),
            ErrorKind::NoEligibleArm,
            "no arm is eligible",
        ),
        (
            b.select(Some(&[true; 2])).unwrap_err(),
            ErrorKind::ShapeMismatch,
            "2 entries",
        ),
        (
            b.arm_probabilities(Some(&[true; 4])).unwrap_err(),
            ErrorKind::ShapeMismatch,
            "4 entries",
        ),
        (
            b.mask_from_names(&["nope"]).unwrap_err(),
            ErrorKind::NotFound,
            "unknown arm \"nope\"",
        ),
    ];
    for (err, kind, text) in cases {
        assert_eq!(err.kind(), kind, "{err}");
        assert!(
            err.message().contains(text),
            "{err:?} should mention {text}"
        );
    }
    assert_eq!(b.to_json(), before);

    let e = |r: nextbest::Result<ThompsonBandit>| r.unwrap_err();
    assert_eq!(
        e(ThompsonBandit::new(
            Vec::<String>::new(),
            BetaPrior::default(),
            1.0,
            1
        ))
        .kind(),
        ErrorKind::Empty
    );
    assert!(e(ThompsonBandit::new(
        ["a", "a"],
        BetaPrior::default(),
        1.0,
        1
    ))
    .message()
    .contains("duplicate"));
    assert!(
        e(ThompsonBandit::new(["a", ""], BetaPrior::default(), 1.0, 1))
            .message()
            .contains("empty")
    );
    assert!(e(ThompsonBandit::new(["a"], BetaPrior::default(), 0.0, 1))
        .message()
        .contains("discount"));
    assert!(e(ThompsonBandit::new(["a"], BetaPrior::default(), 1.5, 1))
        .message()
        .contains("discount"));
    assert!(BetaPrior::new(0.0, 1.0)
        .unwrap_err()
        .message()
        .contains("prior_alpha"));
    assert!(BetaPrior::new(1.0, -2.0)
        .unwrap_err()
        .message()
        .contains("prior_beta"));
    assert_eq!(
        BetaPrior::new(f64::INFINITY, 1.0).unwrap_err().kind(),
        ErrorKind::NonFinite
    );
    assert!(e(ThompsonBandit::new(
        ["a"],
        BetaPrior {
            alpha: -1.0,
            beta: 1.0
        },
        1.0,
        1
    ))
    .message()
    .contains("prior_alpha"));
    assert!(GaussianPrior::informative(0.0, 0.0, 1.0).is_err());
    assert!(GaussianPrior::informative(0.0, 1.0, -1.0).is_err());
}

#[test]
fn documents_round_trip_and_continue_the_same_stream() {
    let mut b = ThompsonBandit::new(
        ["card", "loan"],
        BetaPrior::new(0.5, 2.0).unwrap(),
        0.999,
        3,
    )
    .unwrap();
    play(&mut b, &[0.3, 0.1], 300, 4);
    let json = b.to_json();
    assert!(json.starts_with(r#"{"format":"nextbest","kind":"thompson_bandit","version":1,"#));
    let mut c = ThompsonBandit::from_json(&json).unwrap();
    assert_eq!(c, b);
    assert_eq!(c.to_json(), json);
    assert_eq!(
        play(&mut b, &[0.3, 0.1], 100, 5),
        play(&mut c, &[0.3, 0.1], 100, 5)
    );

    let mut g = GaussianThompsonBandit::new(
        ["x", "y"],
        GaussianPrior::informative(1.0, 3.0, 2.0).unwrap(),
        1.0,
        1,
    )
    .unwrap();
    g.update_many(&[0, 1, 1], &[0.5, 1e6, -3.25]).unwrap();
    let gj = g.to_json();
    assert_eq!(
        GaussianThompsonBandit::from_json(&gj).unwrap().to_json(),
        gj
    );
}

#[test]
fn wrong_future_and_hostile_documents_are_refused() {
    let good = beta(2, 1).to_json();
    let g = GaussianThompsonBandit::unnamed(2, GaussianPrior::Uninformative, 1.0, 1)
        .unwrap()
        .to_json();
    let kind = |s: &str| ThompsonBandit::from_json(s).unwrap_err();
    assert_eq!(kind(&g).kind(), ErrorKind::WrongKind);
    assert!(kind(&g).message().contains("gaussian_thompson_bandit"));
    assert_eq!(
        GaussianThompsonBandit::from_json(&good).unwrap_err().kind(),
        ErrorKind::WrongKind
    );
    let future = good.replace("\"version\":1", "\"version\":999");
    assert_eq!(kind(&future).kind(), ErrorKind::UnsupportedVersion);
    assert!(kind(&future).message().contains("999"));
    assert_eq!(kind(&good[..good.len() / 2]).kind(), ErrorKind::BadDocument);
    assert_eq!(kind("not json").kind(), ErrorKind::BadDocument);
    assert_eq!(kind("{}").kind(), ErrorKind::BadDocument);
    assert_eq!(
        kind(&good.replace("nextbest", "other")).kind(),
        ErrorKind::BadDocument
    );
    let hostile = [
        good.replace("\"successes\":0.0", "\"successes\":1e308"),
        good.replace("\"successes\":0.0", "\"successes\":-1.0"),
        good.replace("\"alpha\":1.0", "\"alpha\":0.0"),
        good.replace("\"discount\":1.0", "\"discount\":7.0"),
        good.replace("\"named\":false", "\"named\":\"yes\""),
        good.replace("\"successes\":0.0", "\"successes\":1e999"),
        good.replace("\"rng_state\":[\"", "\"rng_state\":[\"zz"),
        regex_like_replace_rng(&good),
        good.replace("\"name\":\"1\"", "\"name\":\"0\""),
        good.replace("\"payload\":{", "\"payload\":{\"extra\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"),
        format!(
            r#"{{"format":"nextbest","kind":"thompson_bandit","version":1,"payload":{{"named":true,"discount":1.0,"default_prior":{{"alpha":1.0,"beta":1.0}},"rng_state":["1","2","3","4"],"arms":[{}]}}}}"#,
            vec![r#"{"name":"a","state":{"prior":{"alpha":1.0,"beta":1.0},"successes":0.0,"failures":0.0}}"#; 100_001].join(",")
        ),
        r#"{"format":"nextbest","kind":"thompson_bandit","version":1,"payload":{"named":true,"discount":1.0,"default_prior":{"alpha":1.0,"beta":1.0},"rng_state":["1","2","3","4"],"arms":[]}}"#.to_string(),
    ];
    for doc in &hostile {
        let err = kind(doc);
        assert!(!err.message().contains("missing field"), "{err}");
        assert!(
            matches!(err.kind(), ErrorKind::BadDocument),
            "{} -> {err:?}",
            &doc[..doc.len().min(200)]
        );
    }
}

fn regex_like_replace_rng(doc: &str) -> String {
    let start = doc.find("\"rng_state\":[").unwrap() + "\"rng_state\":[".len();
    let end = start + doc[start..].find(']').unwrap();
    format!("{}\"0\",\"0\",\"0\",\"0\"{}", &doc[..start], &doc[end..])
}

#[test]
fn shared_bandit_loses_no_update() {
    let b = Shared::new(beta(4, 1));
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..5_000 {
                    let arm = b.lock().select(None).unwrap();
                    b.lock().update(arm, 1.0).unwrap();
                }
            });
        }
    });
    let total: f64 = b.lock().arms().iter().map(|a| a.alpha() - 1.0).sum();
    assert_eq!(total, 40_000.0);
}

fn arb_updates(n_arms: usize) -> impl Strategy<Value = Vec<(usize, f64)>> {
    prop::collection::vec((0..n_arms, 0.0..=1.0f64), 0..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn decisions_respect_eligibility(
        updates in arb_updates(6),
        mask in prop::collection::vec(any::<bool>(), 6),
        seed in any::<u64>(),
        discount in 0.5..=1.0f64,
    ) {
        prop_assume!(mask.iter().any(|&m| m));
        let mut b = ThompsonBandit::unnamed(6, BetaPrior::default(), discount, seed).unwrap();
        for (a, r) in updates {
            b.update(a, r).unwrap();
        }
        let a = b.select(Some(&mask)).unwrap();
        prop_assert!(mask[a]);
        let mut many = vec![0; 50];
        b.select_many(Some(&mask), &mut many).unwrap();
        prop_assert!(many.iter().all(|&a| mask[a]));
        let k = mask.iter().filter(|&&m| m).count();
        let slate = b.top_k(k, Some(&mask)).unwrap();
        let mut sorted = slate.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(sorted.len(), k);
        let p = b.arm_probabilities(Some(&mask)).unwrap();
        prop_assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        for i in 0..6 {
            prop_assert!(p[i] >= 0.0);
            if !mask[i] { prop_assert_eq!(p[i], 0.0); }
        }
    }

    #[test]
    fn any_state_round_trips_exactly(
        updates in prop::collection::vec((0..4usize, -1e6..1e6f64), 0..40),
        seed in any::<u64>(),
        discount in 0.1..=1.0f64,
    ) {
        let mut g = GaussianThompsonBandit::unnamed(4, GaussianPrior::Uninformative, discount, seed).unwrap();
        let mut b = ThompsonBandit::unnamed(4, BetaPrior::new(0.7, 3.0).unwrap(), discount, seed).unwrap();
        for (a, r) in updates {
            g.update(a, r).unwrap();
            b.update(a, (r.abs() / 1e6).min(1.0)).unwrap();
        }
        let (gj, bj) = (g.to_json(), b.to_json());
        prop_assert_eq!(GaussianThompsonBandit::from_json(&gj).unwrap().to_json(), gj);
        let b2 = ThompsonBandit::from_json(&bj).unwrap();
        prop_assert_eq!(b2, b);
    }

    #[test]
    fn update_many_equals_updates_one_by_one(updates in arb_updates(5), seed in any::<u64>()) {
        let mut a = ThompsonBandit::unnamed(5, BetaPrior::default(), 0.95, seed).unwrap();
        let mut b = a.clone();
        for &(arm, r) in &updates {
            a.update(arm, r).unwrap();
        }
        let (arms, rewards): (Vec<usize>, Vec<f64>) = updates.into_iter().unzip();
        b.update_many(&arms, &rewards).unwrap();
        prop_assert_eq!(a, b);
    }
}

#[test]
fn select_many_depends_on_the_seed_not_on_the_thread_count() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut b = beta(5, 77);
        b.update_many(&[0, 1, 2, 3, 4, 4], &[1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
            .unwrap();
        let mut out = vec![0; 3 * nextbest::bandit::SELECT_CHUNK + 17];
        pool.install(|| b.select_many(Some(&[true, true, false, true, true]), &mut out))
            .unwrap();
        (out, b.to_json())
    };
    let one = run(1);
    assert_eq!(one, run(4));
    assert!(one.0.iter().all(|&a| a != 2));
}

#[test]
fn arm_counts_and_names_are_checked_before_allocation() {
    let huge = ThompsonBandit::unnamed(usize::MAX, BetaPrior::default(), 1.0, 1).unwrap_err();
    assert!(huge.message().contains("limit"), "{huge}");
    assert_eq!(
        ThompsonBandit::unnamed(0, BetaPrior::default(), 1.0, 1)
            .unwrap_err()
            .kind(),
        ErrorKind::Empty
    );
    let nul = ThompsonBandit::new(["a\0b"], BetaPrior::default(), 1.0, 1).unwrap_err();
    assert!(nul.message().contains("control character"), "{nul}");
    let doc = beta(2, 1)
        .to_json()
        .replace("\"name\":\"1\"", "\"name\":\"x\\u0000\"");
    assert_eq!(
        ThompsonBandit::from_json(&doc).unwrap_err().kind(),
        ErrorKind::BadDocument
    );
}

#[test]
fn batches_take_names_and_report_the_first_bad_row() {
    use nextbest::bandit::ArmRef;
    let mut b = ThompsonBandit::new(["card", "loan"], BetaPrior::default(), 1.0, 1).unwrap();
    b.update_many(&["loan", "card", "loan"], &[1.0, 0.0, 1.0])
        .unwrap();
    assert_eq!(b.arms()[1].alpha(), 3.0);
    let before = b.to_json();
    let rows = [
        ArmRef::Name("card".into()),
        ArmRef::Index(1),
        ArmRef::Name("nope".into()),
    ];
    let err = b.update_many(&rows, &[1.0, 2.0, 1.0]).unwrap_err();
    assert!(err.message().starts_with("row 1:"), "{err}");
    let err = b.update_many(&rows, &[1.0, 0.0, 1.0]).unwrap_err();
    assert!(
        err.message().starts_with("row 2: unknown arm \"nope\""),
        "{err}"
    );
    assert_eq!(b.to_json(), before);
}

#[test]
fn per_arm_priors_and_the_default_prior_persist() {
    let priors = vec![
        BetaPrior::new(2.0, 5.0).unwrap(),
        BetaPrior::new(1.0, 9.0).unwrap(),
    ];
    let mut b = ThompsonBandit::unnamed_with_priors(priors, 1.0, 3).unwrap();
    assert!(!b.is_named());
    assert_eq!(b.arms()[1].beta(), 9.0);
    assert_eq!(b.default_prior(), BetaPrior::default());
    let mut c = ThompsonBandit::new(["a"], BetaPrior::new(3.0, 4.0).unwrap(), 1.0, 3).unwrap();
    c.add_arm_default("b").unwrap();
    assert_eq!(c.arms()[1].alpha(), 3.0);
    let mut c2 = ThompsonBandit::from_json(&c.to_json()).unwrap();
    assert_eq!(c2.default_prior(), BetaPrior::new(3.0, 4.0).unwrap());
    c2.add_arm_default("c").unwrap();
    assert_eq!(c2.arms()[2].beta(), 4.0);
    b.add_arm_default("2").unwrap();
    assert_eq!(b.arms()[2].alpha(), 1.0);
}

#[test]
fn bandits_can_be_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ThompsonBandit>();
    send_sync::<GaussianThompsonBandit>();
    send_sync::<Shared<nextbest::bandit::BetaArm>>();
    send_sync::<Shared<nextbest::bandit::GaussianArm>>();
}
