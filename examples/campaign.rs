//! A cross-sell campaign run by a Thompson-sampling bandit: five offers, weekly batches with
//! delayed feedback, an eligibility rule, logged propensities, and the state saved at the end.
//!
//! Run with `make demo` or `cargo run --release -p nextbest --example campaign`.

use nextbest::bandit::{BetaPrior, ThompsonBandit};
use nextbest::persist::Persist;
use nextbest::rng::Rng;

const OFFERS: [&str; 5] = [
    "credit_card",
    "mortgage",
    "savings_plan",
    "insurance",
    "personal_loan",
];
/// True acceptance rates, unknown to the bandit.
const RATES: [f64; 5] = [0.040, 0.015, 0.062, 0.030, 0.025];
const WEEKS: usize = 12;
const CUSTOMERS_PER_WEEK: usize = 2_000;

fn main() -> nextbest::Result<()> {
    let mut bandit = ThompsonBandit::new(OFFERS, BetaPrior::default(), 1.0, 2026)?;
    let mut world = Rng::from_seed(7);
    let mortgage = bandit.arm_index("mortgage")?;
    // Customers who already hold a mortgage may not be offered another one.
    let all = [true; 5];
    let mut no_mortgage = [true; 5];
    no_mortgage[mortgage] = false;

    println!("Cross-sell campaign: {WEEKS} weeks x {CUSTOMERS_PER_WEEK} customers, feedback at week's end");
    print!("{:>5} ", "week");
    for name in OFFERS {
        print!("{name:>14}");
    }
    println!("{:>12}", "accepted");
    let mut log_propensity_sum = 0.0;
    let mut total_accepted = 0.0;
    for week in 1..=WEEKS {
        // Feedback is delayed to the end of the week, so the posterior (and hence each
        // decision's propensity) is fixed within the week: compute it once per eligibility rule.
        let p_all = bandit.arm_probabilities(Some(&all))?;
        let p_no_mortgage = bandit.arm_probabilities(Some(&no_mortgage))?;
        let (mut arms, mut rewards) = (Vec::new(), Vec::new());
        let mut shown = [0usize; 5];
        for _ in 0..CUSTOMERS_PER_WEEK {
            let has_mortgage = world.uniform() < 0.3;
            let (mask, p) = if has_mortgage {
                (&no_mortgage, &p_no_mortgage)
            } else {
                (&all, &p_all)
            };
            let arm = bandit.select(Some(mask))?;
            log_propensity_sum += p[arm].ln();
            shown[arm] += 1;
            arms.push(arm);
            rewards.push((world.uniform() < RATES[arm]) as u8 as f64);
        }
        let accepted: f64 = rewards.iter().sum();
        total_accepted += accepted;
        bandit.update_many(&arms, &rewards)?;
        print!("{week:>5} ");
        for s in shown {
            print!("{:>13.1}%", 100.0 * s as f64 / CUSTOMERS_PER_WEEK as f64);
        }
        println!("{:>12}", accepted);
    }

    let n = (WEEKS * CUSTOMERS_PER_WEEK) as f64;
    println!(
        "\nAccepted {total_accepted} offers ({:.2}%); always showing the best offer would expect {:.2}%, \
         random offers {:.2}%.",
        100.0 * total_accepted / n,
        100.0 * RATES[2],
        100.0 * RATES.iter().sum::<f64>() / 5.0,
    );
    println!(
        "Mean log propensity logged per decision: {:.3}",
        log_propensity_sum / n
    );

    println!("\nPosterior (95% credible interval of each acceptance rate):");
    let post = bandit.posterior();
    for (arm, row) in post.arms.iter().zip(post.values.chunks(post.fields.len())) {
        println!(
            "  {arm:<14} mean {:.4}  [{:.4}, {:.4}]  (alpha {:.0}, beta {:.0})",
            row[2], row[3], row[4], row[0], row[1]
        );
    }

    let saved = bandit.to_json();
    let restored = ThompsonBandit::from_json(&saved)?;
    assert_eq!(restored, bandit);
    println!(
        "\nState saved as a {}-byte versioned JSON document and reloaded identically.",
        saved.len()
    );
    Ok(())
}
