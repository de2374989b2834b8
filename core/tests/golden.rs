//! Replays `tests/golden/thompson.txt`: the same seeds must give the same decisions and
//! probabilities here as in the Python and C suites that read the same file.

use nextbest::bandit::{Arm, BetaArm, BetaPrior, GaussianArm, GaussianPrior, Thompson};
use std::fmt::Write;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/golden/thompson.txt");

struct Scenario {
    n_arms: usize,
    discount: f64,
    seed: u64,
    updates: Vec<(usize, f64)>,
    eligible: Vec<bool>,
    n_select: usize,
    n_many: usize,
}

struct Outcome {
    selects: Vec<usize>,
    many: Vec<usize>,
    probabilities: Vec<f64>,
}

fn replay<A: Arm>(prior: A::Prior, s: &Scenario) -> Outcome {
    let mut b = Thompson::<A>::unnamed(s.n_arms, prior, s.discount, s.seed).unwrap();
    for &(arm, reward) in &s.updates {
        b.update(arm, reward).unwrap();
    }
    let selects = (0..s.n_select).map(|_| b.select(None).unwrap()).collect();
    let mut many = vec![0; s.n_many];
    b.select_many(Some(&s.eligible), &mut many).unwrap();
    let probabilities = b.arm_probabilities(None).unwrap();
    Outcome {
        selects,
        many,
        probabilities,
    }
}

fn ints(v: &[usize]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn golden_vectors_replay() {
    let regenerate = std::env::var_os("NEXTBEST_REGENERATE").is_some();
    let text = std::fs::read_to_string(PATH).unwrap();
    let mut out = String::new();
    let mut lines = text.lines();
    let mut scenarios = 0;
    while let Some(header) = lines.next() {
        writeln!(out, "{header}").unwrap();
        if !header.starts_with("scenario") {
            continue;
        }
        let h: Vec<&str> = header.split_whitespace().collect();
        let mut s = Scenario {
            n_arms: h[2].parse().unwrap(),
            discount: h[3].parse().unwrap(),
            seed: h[4].parse().unwrap(),
            updates: Vec::new(),
            eligible: Vec::new(),
            n_select: 0,
            n_many: 0,
        };
        let mut expected: Vec<Vec<String>> = Vec::new();
        while let Some(line) = lines.next() {
            let t: Vec<&str> = line.split_whitespace().collect();
            match t[0] {
                "updates" => {
                    writeln!(out, "{line}").unwrap();
                    for _ in 0..t[1].parse::<usize>().unwrap() {
                        let u = lines.next().unwrap();
                        writeln!(out, "{u}").unwrap();
                        let p: Vec<&str> = u.split_whitespace().collect();
                        s.updates
                            .push((p[0].parse().unwrap(), p[1].parse().unwrap()));
                    }
                }
                "eligible" => {
                    writeln!(out, "{line}").unwrap();
                    s.eligible = t[1..].iter().map(|v| *v == "1").collect();
                }
                "end" => break,
                _ => expected.push(t.iter().map(|x| x.to_string()).collect()),
            }
        }
        s.n_select = expected[0][1].parse().unwrap();
        s.n_many = expected[1][1].parse().unwrap();
        let got = match h[1] {
            "beta" => replay::<BetaArm>(BetaPrior::default(), &s),
            "gaussian" => replay::<GaussianArm>(GaussianPrior::Uninformative, &s),
            other => panic!("unknown scenario kind {other}"),
        };
        let probs: Vec<String> = got.probabilities.iter().map(|x| format!("{x:e}")).collect();
        writeln!(out, "select {} {}", s.n_select, ints(&got.selects)).unwrap();
        writeln!(out, "select_many {} {}", s.n_many, ints(&got.many)).unwrap();
        writeln!(out, "probabilities {}", probs.join(" ")).unwrap();
        writeln!(out, "end").unwrap();
        if !regenerate {
            let want = |i: usize| -> Vec<usize> {
                expected[i][2..]
                    .iter()
                    .map(|x| x.parse().unwrap())
                    .collect()
            };
            assert_eq!(got.selects, want(0), "select, {header}");
            assert_eq!(got.many, want(1), "select_many, {header}");
            let p: Vec<f64> = expected[2][1..]
                .iter()
                .map(|x| x.parse().unwrap())
                .collect();
            assert_eq!(p.len(), s.n_arms, "probabilities, {header}");
            for (a, b) in got.probabilities.iter().zip(&p) {
                assert!(
                    (a - b).abs() <= 1e-12,
                    "probabilities, {header}: {a} vs {b}"
                );
            }
        }
        scenarios += 1;
    }
    assert_eq!(scenarios, 4);
    if regenerate {
        std::fs::write(PATH, out).unwrap();
    }
}
