//! From a raw transaction log to a propensity score with reasons: customer aggregates computed
//! from the CDNOW purchase log (the first 300 customers, shipped in `tests/fixtures/`), a fitted
//! feature pipeline, then a logistic model of "buys again within 90 days", calibrated on held-out
//! customers and saved with the pipeline as the one document a C system would load.
//!
//! Run with `make demo` or `cargo run --release -p nextbest --example customers`.

use nextbest::data::Matrix;
use nextbest::features::{
    transaction_features, CategoricalColumn, CategoricalSpec, Column, CustomerIds, CustomerKeys,
    FeaturePipeline, Impute, NumericSpec, PipelineSpec, Scale, Table, TransactionOptions,
    Transactions,
};
use nextbest::gbdt::BoostingParams;
use nextbest::metrics::{lift_at, roc_auc};
use nextbest::model::Classifier;
use nextbest::persist::Persist;
use nextbest::propensity::{
    CalibrationInput, CalibrationMethod, Calibrator, LogisticParams, ScoringPipeline,
};

/// `customer_id date(YYYYMMDD) number_of_cds dollar_value`, whitespace-separated, one header line.
const LOG: &str = include_str!("../tests/fixtures/cdnow_slice.txt");
/// 1997-10-01T00:00:00Z: nine months into the log.
const AS_OF: i64 = 875_664_000;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn main() -> nextbest::Result<()> {
    let (mut ids, mut times, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
    for line in LOG.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let date: i64 = f[1].parse().expect("a YYYYMMDD date");
        ids.push(f[0].parse::<i64>().expect("a customer id"));
        times.push(days_from_civil(date / 10_000, date / 100 % 100, date % 100) * 86_400);
        amounts.push(-f[3].parse::<f64>().expect("a dollar value")); // purchases are spend
    }
    let log = Transactions {
        customer_ids: CustomerIds::Int(&ids),
        timestamps: &times,
        amounts: &amounts,
        categories: None,
        balances: None,
    };
    let features = transaction_features(&log, AS_OF, &TransactionOptions::default())?;
    let CustomerKeys::Int(customers) = &features.customer_ids else {
        unreachable!()
    };
    println!(
        "{} transactions -> {} customers x {} features as of 1997-10-01",
        ids.len(),
        customers.len(),
        features.names.len()
    );
    let col = |name: &str| -> Vec<f64> {
        let j = features.column_index(name).expect("a feature name");
        (0..features.n_rows()).map(|r| features.row(r)[j]).collect()
    };
    let (recency, orders, spend) = (
        col("days_since_last"),
        col("debit_count_365d"),
        col("debit_sum_365d"),
    );
    println!("\n customer  days since last  orders (365d)  spend (365d)");
    for r in 0..5 {
        println!(
            "{:>9}  {:>15.0}  {:>13}  {:>12.2}",
            customers[r], recency[r], orders[r], spend[r]
        );
    }

    // A segment label, as a bank would join it from its customer table.
    let segment = CategoricalColumn::from_strs(orders.iter().map(|&n| {
        Some(match n as u32 {
            0 => "lapsed",
            1 => "one-off",
            2..=4 => "repeat",
            _ => "loyal",
        })
    }));
    let inputs = [
        "days_since_last",
        "debit_count_365d",
        "debit_sum_365d",
        "debit_mean_90d",
    ];
    let columns: Vec<Vec<f64>> = inputs.iter().map(|name| col(name)).collect();
    let mut table = Table::new();
    for (name, values) in inputs.iter().zip(&columns) {
        table.push(name, Column::Numeric(values))?;
    }
    table.push("segment", Column::Categorical(&segment))?;
    let mut spend_spec = NumericSpec::new("debit_sum_365d");
    spend_spec.log1p = true; // skewed amounts
    spend_spec.clip = Some((0.01, 0.99));
    let mut basket = NumericSpec::new("debit_mean_90d");
    basket.impute = Impute::Constant(0.0); // no purchase in 90 days: no basket
    basket.add_indicator = true;
    let mut recency_spec = NumericSpec::new("days_since_last");
    recency_spec.scale = Scale::Robust;
    let spec = PipelineSpec {
        numeric: vec![
            recency_spec,
            NumericSpec::new("debit_count_365d"),
            spend_spec,
            basket,
        ],
        categorical: vec![CategoricalSpec::new("segment")],
    };
    let pipeline = spec.fit(&table)?;
    let x = pipeline.transform_to_vec(&table)?;
    let width = pipeline.n_outputs();
    println!(
        "\nfitted pipeline: {} columns: {}",
        width,
        pipeline.feature_names_out().join(", ")
    );
    for r in 0..3 {
        let row: Vec<String> = x[r * width..(r + 1) * width]
            .iter()
            .map(|v| format!("{v:6.2}"))
            .collect();
        println!("customer {:>3}: {}", customers[r], row.join(" "));
    }
    let doc = pipeline.to_json();
    assert_eq!(FeaturePipeline::from_json(&doc)?, pipeline);
    println!(
        "\nsaved as a {}-byte feature_pipeline document, ready for nb_pipeline_from_json",
        doc.len()
    );

    // Who buys again in the next 90 days? The outcome comes from the log after the as-of date.
    let horizon = AS_OF + 90 * 86_400;
    let buys_again: Vec<f64> = customers
        .iter()
        .map(|c| {
            let later = ids
                .iter()
                .zip(&times)
                .any(|(id, &t)| id == c && t > AS_OF && t <= horizon);
            f64::from(later)
        })
        .collect();
    // Fit on two thirds of the customers, calibrate and evaluate on the rest.
    let n = customers.len();
    let n_fit = n * 2 / 3;
    let fit_x = Matrix::row_major(&x[..n_fit * width], n_fit, width)?;
    let held_x = Matrix::row_major(&x[n_fit * width..], n - n_fit, width)?;
    let model = LogisticParams::default()
        .fit(fit_x, &buys_again[..n_fit], None)?
        .with_feature_names(pipeline.feature_names_out().to_vec())?;
    let mut held_score = vec![0.0; n - n_fit];
    model.decision_function(held_x, &mut held_score)?;
    let calibrator = Calibrator::fit(
        CalibrationMethod::Platt,
        &held_score,
        &buys_again[n_fit..],
        None,
    )?;
    println!(
        "
buys again within 90 days: {:.0}% of customers; logistic model ({} Newton steps): held-out AUC {:.3}, top-decile lift {:.2}",
        100.0 * buys_again.iter().sum::<f64>() / n as f64,
        model.report().n_iter,
        roc_auc(&buys_again[n_fit..], &held_score, None)?,
        lift_at(&buys_again[n_fit..], &held_score, 0.1, None)?,
    );
    // Gradient-boosted trees on the same features, for comparison.
    let boosting = BoostingParams {
        n_estimators: 200,
        learning_rate: 0.05,
        num_leaves: 15,
        min_samples_leaf: 50,
        ..Default::default()
    }
    .fit(fit_x, &buys_again[..n_fit], None, None)?;
    let mut boosted_score = vec![0.0; n - n_fit];
    boosting.decision_function(held_x, &mut boosted_score)?;
    println!(
        "gradient boosting ({} trees of up to 15 leaves): held-out AUC {:.3}, top-decile lift {:.2}",
        boosting.trees().len(),
        roc_auc(&buys_again[n_fit..], &boosted_score, None)?,
        lift_at(&buys_again[n_fit..], &boosted_score, 0.1, None)?,
    );
    let scorer = ScoringPipeline::new(
        pipeline,
        model.into(),
        Some((calibrator, CalibrationInput::DecisionFunction)),
    )?;
    let mut p = vec![0.0; n];
    scorer.predict_proba(&table, &mut p)?;
    let reasons = scorer.reason_codes(&table, 1)?;
    let name = |r: Option<nextbest::propensity::Reason>| match r {
        Some(r) => format!(
            "{} ({:+.2})",
            scorer.feature_names()[r.feature],
            r.contribution
        ),
        None => "-".to_owned(),
    };
    println!(
        "
 customer  P(buys again)  raised most by                     lowered most by"
    );
    for r in 0..5 {
        println!(
            "{:>9}  {:>13.2}  {:<33}  {}",
            customers[r],
            p[r],
            name(reasons.raising(r)[0]),
            name(reasons.lowering(r)[0])
        );
    }
    let doc = scorer.to_json();
    assert_eq!(ScoringPipeline::from_json(&doc)?, scorer);
    println!(
        "saved as a {}-byte scoring_pipeline document, ready for nb_scoring_pipeline_from_json",
        doc.len()
    );
    Ok(())
}
