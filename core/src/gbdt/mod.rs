//! Histogram gradient boosting of binary log loss: the propensity model most banks run.
//!
//! [`BoostingParams::fit`] grows trees leaf-wise on binned features (quantile bins, histogram
//! subtraction), handles missing values natively (each split learns where NaN goes), splits
//! categorical features into sets of categories, honours monotone constraints, subsamples rows
//! and columns by seed and stops early on an evaluation set. The fitted [`GradientBoosting`]
//! scores many rows per pass, explains every score exactly by TreeSHAP and persists as a
//! `gradient_boosting` document.
//!
//! Training is multi-threaded and gives the same trees whatever the number of threads: every
//! sum runs over fixed chunks of rows added in a fixed order.
//!
//! ```
//! use nextbest::data::Matrix;
//! use nextbest::gbdt::BoostingParams;
//! use nextbest::model::Classifier;
//! // y = 1 when x0 + x1 > 1, on a grid.
//! let (mut x, mut y) = (Vec::new(), Vec::new());
//! for i in 0..40 {
//!     for j in 0..40 {
//!         let (a, b) = (i as f64 / 40.0, j as f64 / 40.0);
//!         x.extend([a, b]);
//!         y.push(if a + b > 1.0 { 1.0 } else { 0.0 });
//!     }
//! }
//! let params = BoostingParams { n_estimators: 50, ..Default::default() };
//! let model = params.fit(Matrix::row_major(&x, 1600, 2)?, &y, None, None)?;
//! let mut p = [0.0; 2];
//! model.predict_proba(Matrix::row_major(&[0.9, 0.8, 0.1, 0.2], 2, 2)?, &mut p)?;
//! assert!(p[0] > 0.9 && p[1] < 0.1);
//! # Ok::<(), nextbest::Error>(())
//! ```

mod bins;
mod grow;
mod predict;
mod shap;
mod tree;

pub use tree::{Node, Tree, MAX_DEPTH};

use crate::data::{check_labels, check_vector, check_weights, class_totals, Matrix};
use crate::error::{Error, Result};
use crate::model::{check_out, sigmoid, Classifier};
use crate::persist::Persist;
use crate::rng::Rng;
use bins::Binned;
use grow::{grow, GrowParams, HistPool};
use predict::{Forest, ROW_BLOCK};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The hyperparameters of gradient boosting; [`BoostingParams::fit`] fits a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoostingParams {
    /// The number of trees (at most; early stopping may keep fewer).
    pub n_estimators: usize,
    /// The shrinkage of each tree's values, in (0, 1].
    pub learning_rate: f64,
    /// The most leaves of a tree (>= 2).
    pub num_leaves: usize,
    /// The deepest a leaf may be, `None` for no limit.
    pub max_depth: Option<usize>,
    /// The fewest training rows in a leaf (>= 1).
    pub min_samples_leaf: usize,
    /// The smallest hessian sum in a leaf (>= 0).
    pub min_child_weight: f64,
    /// The L2 penalty on leaf values (>= 0).
    pub l2: f64,
    /// The share of rows each tree is grown on, in (0, 1].
    pub subsample: f64,
    /// The share of features each tree may split on, in (0, 1].
    pub colsample: f64,
    /// The most value bins per feature, 2 to 255 (missing values have their own bin).
    pub max_bins: usize,
    /// Per feature: +1 (the score never decreases as the feature grows), -1 (never
    /// increases) or 0; empty for none.
    pub monotone_constraints: Vec<i8>,
    /// The features holding category codes (integers `0 <= c < max_bins`, NaN for missing).
    pub categorical_features: Vec<usize>,
    /// Stop when the evaluation loss has not improved for this many trees (needs an
    /// evaluation set); the trees after the best one are dropped.
    pub early_stopping_rounds: Option<usize>,
    /// Threads to train with, `None` for all cores. The trees do not depend on it.
    pub n_threads: Option<usize>,
    /// The seed of row and column subsampling.
    pub seed: u64,
}

impl Default for BoostingParams {
    fn default() -> Self {
        BoostingParams {
            n_estimators: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            min_samples_leaf: 20,
            min_child_weight: 1e-3,
            l2: 0.0,
            subsample: 1.0,
            colsample: 1.0,
            max_bins: 255,
            monotone_constraints: Vec::new(),
            categorical_features: Vec::new(),
            early_stopping_rounds: None,
            n_threads: None,
            seed: 0,
        }
    }
}

/// Held-out rows scored after each tree, for early stopping.
#[derive(Clone, Copy, Debug)]
pub struct EvalSet<'a> {
    /// The features, with the training data's columns.
    pub x: Matrix<'a>,
    /// The labels, 0 or 1.
    pub y: &'a [f64],
    /// Optional sample weights.
    pub sample_weight: Option<&'a [f64]>,
}

/// How training ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoostingReport {
    /// Trees grown before stopping.
    pub n_iter: usize,
    /// The number of trees kept (the best iteration's with early stopping).
    pub n_trees: usize,
    /// The weighted mean log loss on the evaluation set after each tree (empty without one).
    pub eval_loss: Vec<f64>,
}

/// A fitted gradient-boosted tree ensemble: raw score = `init_score + sum of tree values`.
#[derive(Clone, Debug)]
pub struct GradientBoosting {
    trees: Vec<Tree>,
    init_score: f64,
    n_features: usize,
    feature_names: Option<Vec<String>>,
    params: BoostingParams,
    report: BoostingReport,
    forest: Forest,
}

impl PartialEq for GradientBoosting {
    fn eq(&self, o: &Self) -> bool {
        // The forest is derived from the trees.
        (
            &self.trees,
            self.init_score,
            self.n_features,
            &self.feature_names,
        ) == (&o.trees, o.init_score, o.n_features, &o.feature_names)
            && (&self.params, &self.report) == (&o.params, &o.report)
    }
}

/// What a feature's importance measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Importance {
    /// The total loss reduction of the feature's splits.
    Gain,
    /// The number of splits on the feature.
    Split,
}

impl Importance {
    /// `"gain"` or `"split"`.
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "gain" => Ok(Importance::Gain),
            "split" => Ok(Importance::Split),
            other => Err(Error::invalid(format!(
                "importance kind {other:?} is not one of \"gain\", \"split\""
            ))),
        }
    }
}

impl GradientBoosting {
    /// The trees, in order.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// The raw score before any tree: the log-odds of the training positive rate.
    pub fn init_score(&self) -> f64 {
        self.init_score
    }

    /// The parameters the model was fitted with.
    pub fn params(&self) -> &BoostingParams {
        &self.params
    }

    /// How training ended.
    pub fn report(&self) -> &BoostingReport {
        &self.report
    }

    /// The model with feature names attached (one per feature, for reason codes).
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_features {
            return Err(Error::shape(format!(
                "{} feature names given for a model of {} features",
                names.len(),
                self.n_features
            )));
        }
        self.feature_names = Some(names);
        Ok(self)
    }

    /// Each feature's importance: total split gain or number of splits.
    pub fn feature_importance(&self, kind: Importance) -> Vec<f64> {
        let mut out = vec![0.0; self.n_features];
        for node in self.trees.iter().flat_map(|t| t.nodes()) {
            if !node.is_leaf() {
                out[node.feature as usize] += match kind {
                    Importance::Gain => node.gain,
                    Importance::Split => 1.0,
                };
            }
        }
        out
    }

    /// The explanation's base value: the expected raw score over the training rows.
    pub fn base_value(&self) -> f64 {
        self.init_score + self.trees.iter().map(Tree::expected_value).sum::<f64>()
    }

    /// Checks that `x` can be scored: its number of columns, and no infinite value (NaN is a
    /// missing value). The error names the first bad `X[i, j]`.
    fn check_input(&self, x: Matrix<'_>) -> Result<()> {
        x.check_n_cols(self.n_features, "GradientBoosting")?;
        check_no_infinity(x)
    }

    /// Raw scores of a checked `x`, in parallel blocks of rows.
    fn raw_scores(&self, x: Matrix<'_>, out: &mut [f64], finish: impl Fn(&mut [f64]) + Sync) {
        let p = self.n_features;
        const BLOCK: usize = 64 * ROW_BLOCK;
        let score_block = |start: usize, z: &mut [f64]| {
            z.fill(self.init_score);
            match x.rows(start, start + z.len()).row_major_data() {
                Some(rows) => self.forest.add_scores(rows, z),
                None => {
                    let mut rows = vec![0.0; z.len() * p];
                    let block = x.rows(start, start + z.len());
                    for (r, row) in rows.chunks_exact_mut(p).enumerate() {
                        block.copy_row(r, row);
                    }
                    self.forest.add_scores(&rows, z);
                }
            }
            finish(z);
        };
        if out.len() <= BLOCK {
            score_block(0, out);
        } else {
            out.par_chunks_mut(BLOCK)
                .enumerate()
                .for_each(|(b, z)| score_block(b * BLOCK, z));
        }
    }
}

impl Classifier for GradientBoosting {
    fn n_features(&self) -> usize {
        self.n_features
    }

    fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    fn decision_function(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.check_input(x)?;
        check_out(out, x.n_rows(), "the score")?;
        self.raw_scores(x, out, |_| ());
        Ok(())
    }

    fn predict_proba(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.check_input(x)?;
        check_out(out, x.n_rows(), "the probabilities")?;
        self.raw_scores(x, out, crate::data::sigmoid_in_place);
        Ok(())
    }

    fn explain(&self, x: Matrix<'_>, out: &mut [f64]) -> Result<()> {
        self.check_input(x)?;
        let p = self.n_features;
        check_out(out, x.n_rows() * (p + 1), "explain")?;
        let base = self.base_value();
        out.par_chunks_mut(p + 1)
            .enumerate()
            .with_min_len(64)
            .for_each_init(
                || (vec![0.0; p], shap::ShapScratch::default()),
                |(row, scratch), (i, phi)| {
                    x.rows(i, i + 1).copy_row(0, row);
                    phi.fill(0.0);
                    for (tree, &depth) in self.trees.iter().zip(self.forest.depths()) {
                        shap::add_tree_shap(tree, depth as usize, row, &mut phi[..p], scratch);
                    }
                    phi[p] = base;
                },
            );
        Ok(())
    }
}

impl BoostingParams {
    /// Checks every parameter against the number of features `p`.
    pub fn check(&self, p: usize) -> Result<()> {
        let fraction = |name: &str, v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(())
            } else {
                Err(Error::invalid(format!("{name} must be in (0, 1], got {v}")))
            }
        };
        fraction("learning_rate", self.learning_rate)?;
        fraction("subsample", self.subsample)?;
        fraction("colsample", self.colsample)?;
        let at_least = |name: &str, v: usize, min: usize| {
            if v >= min {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "{name} must be at least {min}, got {v}"
                )))
            }
        };
        at_least("n_estimators", self.n_estimators, 1)?;
        at_least("num_leaves", self.num_leaves, 2)?;
        at_least("min_samples_leaf", self.min_samples_leaf, 1)?;
        if let Some(d) = self.max_depth {
            at_least("max_depth", d, 1)?;
        }
        if let Some(r) = self.early_stopping_rounds {
            at_least("early_stopping_rounds", r, 1)?;
        }
        if let Some(t) = self.n_threads {
            at_least("n_threads", t, 1)?;
        }
        if !(2..=255).contains(&self.max_bins) {
            return Err(Error::invalid(format!(
                "max_bins must be from 2 to 255, got {}",
                self.max_bins
            )));
        }
        for (name, v) in [("min_child_weight", self.min_child_weight), ("l2", self.l2)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::invalid(format!(
                    "{name} must be a finite number >= 0, got {v}"
                )));
            }
        }
        let mc = &self.monotone_constraints;
        if !mc.is_empty() {
            if mc.len() != p {
                return Err(Error::shape(format!(
                    "monotone_constraints has {} values, but X has {p} features",
                    mc.len()
                )));
            }
            if let Some(j) = mc.iter().position(|c| !(-1..=1).contains(c)) {
                return Err(Error::invalid(format!(
                    "monotone_constraints[{j}] is {}, but must be -1, 0 or 1",
                    mc[j]
                )));
            }
        }
        let mut seen = vec![false; p];
        for &j in &self.categorical_features {
            if j >= p {
                return Err(Error::invalid(format!(
                    "categorical feature {j} is out of range: X has {p} features"
                )));
            }
            if std::mem::replace(&mut seen[j], true) {
                return Err(Error::invalid(format!(
                    "categorical feature {j} is listed twice"
                )));
            }
            if mc.get(j).is_some_and(|&c| c != 0) {
                return Err(Error::invalid(format!(
                    "feature {j} is categorical and cannot have a monotone constraint"
                )));
            }
        }
        Ok(())
    }

    /// Fits gradient-boosted trees of `y` (each 0 or 1) on `x` (NaN for a missing value),
    /// with optional sample weights and an evaluation set for early stopping.
    pub fn fit(
        &self,
        x: Matrix<'_>,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        eval: Option<EvalSet<'_>>,
    ) -> Result<GradientBoosting> {
        // Training runs on a pool thread, so that its many small parallel steps are cheap.
        let run = || {
            let mut result = None;
            rayon::scope(|s| s.spawn(|_| result = Some(self.fit_here(x, y, sample_weight, eval))));
            result.expect("the scope ran the fit")
        };
        match self.n_threads {
            None => run(),
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::invalid(format!("cannot start {n} threads: {e}")))?
                .install(run),
        }
    }

    fn fit_here(
        &self,
        x: Matrix<'_>,
        y: &[f64],
        sample_weight: Option<&[f64]>,
        eval: Option<EvalSet<'_>>,
    ) -> Result<GradientBoosting> {
        let (n, p) = (x.n_rows(), x.n_cols());
        self.check(p)?;
        check_labels(y)?;
        check_vector(y, n, "y")?;
        x.check_has_columns()?;
        check_weights(sample_weight, n)?;
        let [w0, w1] = class_totals(y, sample_weight, "gradient boosting")?;
        if self.early_stopping_rounds.is_some() && eval.is_none() {
            return Err(Error::invalid(
                "early_stopping_rounds needs an evaluation set (eval_set)",
            ));
        }
        if let Some(e) = &eval {
            e.x.check_n_cols(p, "the evaluation set").map_err(|_| {
                Error::shape(format!(
                    "the evaluation set has {} features, but X has {p}",
                    e.x.n_cols()
                ))
            })?;
            check_labels(e.y).map_err(|err| {
                Error::new(err.kind(), format!("evaluation set: {}", err.message()))
            })?;
            check_vector(e.y, e.x.n_rows(), "the evaluation set's y")?;
            check_weights(e.sample_weight, e.x.n_rows())?;
        }
        let mut categorical = vec![false; p];
        for &j in &self.categorical_features {
            categorical[j] = true;
        }
        check_no_infinity(x)?;
        let binned = Binned::new(x, self.max_bins, &categorical)?;
        let monotone = if self.monotone_constraints.is_empty() {
            vec![0; p]
        } else {
            self.monotone_constraints.clone()
        };
        let grow_params = GrowParams {
            num_leaves: self.num_leaves,
            max_depth: self.max_depth.unwrap_or(usize::MAX),
            min_samples_leaf: self.min_samples_leaf,
            min_child_weight: self.min_child_weight,
            l2: self.l2,
            learning_rate: self.learning_rate,
            monotone: &monotone,
        };

        let init_score = (w1 / w0).ln();
        let mut raw = vec![init_score; n];
        let mut gh = vec![[0.0; 2]; n];
        let mut eval_state = match &eval {
            Some(e) => {
                let model = GradientBoosting::empty(init_score, p);
                model.check_input(e.x)?;
                Some((vec![init_score; e.x.n_rows()], e))
            }
            None => None,
        };
        let mut rng = Rng::from_seed(self.seed);
        let mut trees = Vec::new();
        let mut eval_loss = Vec::new();
        let mut best = (f64::INFINITY, 0usize);
        let all_features: Vec<usize> = (0..p).collect();
        let n_cols = ((self.colsample * p as f64).round() as usize).clamp(1, p);
        let mut rows: Vec<u32> = Vec::with_capacity(n);
        let pool = HistPool::default();
        for _ in 0..self.n_estimators {
            gradients(&raw, y, sample_weight, &mut gh);
            rows.clear();
            if self.subsample < 1.0 {
                rows.extend((0..n as u32).filter(|_| rng.uniform() < self.subsample));
            } else {
                rows.extend(0..n as u32);
            }
            let features = if n_cols < p {
                let mut f = all_features.clone();
                for k in 0..n_cols {
                    let pick = k + rng.below((p - k) as u64) as usize;
                    f.swap(k, pick);
                }
                f.truncate(n_cols);
                f.sort_unstable();
                f
            } else {
                all_features.clone()
            };
            let tree = if rows.is_empty() {
                Tree::new(vec![Node::leaf(0.0, 1)], p)?
            } else {
                let (nodes, leaves) = grow(&binned, &gh, &mut rows, &features, &grow_params, &pool);
                if self.subsample < 1.0 {
                    let tree = Tree::new(nodes, p)?;
                    raw.par_chunks_mut(4096).enumerate().for_each(|(b, z)| {
                        let mut row = vec![0.0; p];
                        for (r, v) in z.iter_mut().enumerate() {
                            x.rows(b * 4096 + r, b * 4096 + r + 1).copy_row(0, &mut row);
                            *v += tree.predict_row(&row);
                        }
                    });
                    tree
                } else {
                    for &(node, start, end) in &leaves {
                        let v = nodes[node].value;
                        for &r in &rows[start..end] {
                            raw[r as usize] += v;
                        }
                    }
                    Tree::new(nodes, p)?
                }
            };
            trees.push(tree);
            if let Some((scores, e)) = &mut eval_state {
                let tree = trees.last().expect("just pushed");
                let mut row = vec![0.0; p];
                for (i, s) in scores.iter_mut().enumerate() {
                    e.x.rows(i, i + 1).copy_row(0, &mut row);
                    *s += tree.predict_row(&row);
                }
                let loss = log_loss(scores, e.y, e.sample_weight);
                eval_loss.push(loss);
                if loss < best.0 {
                    best = (loss, trees.len());
                } else if let Some(rounds) = self.early_stopping_rounds {
                    if trees.len() - best.1 >= rounds {
                        break;
                    }
                }
            }
        }
        let n_iter = trees.len();
        if self.early_stopping_rounds.is_some() {
            trees.truncate(best.1.max(1));
        }
        let forest = Forest::new(&trees, p);
        Ok(GradientBoosting {
            report: BoostingReport {
                n_iter,
                n_trees: trees.len(),
                eval_loss,
            },
            trees,
            init_score,
            n_features: p,
            feature_names: None,
            params: self.clone(),
            forest,
        })
    }
}

impl GradientBoosting {
    fn empty(init_score: f64, n_features: usize) -> GradientBoosting {
        GradientBoosting {
            trees: Vec::new(),
            init_score,
            n_features,
            feature_names: None,
            params: BoostingParams::default(),
            report: BoostingReport {
                n_iter: 0,
                n_trees: 0,
                eval_loss: Vec::new(),
            },
            forest: Forest::default(),
        }
    }
}

/// Refuses an infinite value (NaN is a missing value), naming the first one's `X[i, j]`.
fn check_no_infinity(x: Matrix<'_>) -> Result<()> {
    match x.first_where(f64::is_infinite) {
        Some((i, j, v)) => Err(Error::non_finite(format!(
            "X[{i}, {j}] is {v}: gradient boosting takes NaN as missing, but not infinity"
        ))),
        None => Ok(()),
    }
}

/// The gradient and hessian of the weighted log loss at the raw scores.
fn gradients(raw: &[f64], y: &[f64], w: Option<&[f64]>, gh: &mut [[f64; 2]]) {
    const BLOCK: usize = 8192;
    gh.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        let start = b * BLOCK;
        for (k, o) in out.iter_mut().enumerate() {
            let i = start + k;
            let p = sigmoid(raw[i]);
            let wi = w.map_or(1.0, |w| w[i]);
            *o = [wi * (p - y[i]), wi * p * (1.0 - p)];
        }
    });
}

/// The weighted mean log loss of raw scores.
fn log_loss(raw: &[f64], y: &[f64], w: Option<&[f64]>) -> f64 {
    let (mut total, mut weight) = (0.0, 0.0);
    for (i, (&z, &yi)) in raw.iter().zip(y).enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        // -log sigmoid(z) for y = 1, -log(1 - sigmoid(z)) for y = 0: softplus(-+z).
        let m = if yi == 1.0 { -z } else { z };
        total += wi * (m.max(0.0) + (-m.abs()).exp().ln_1p());
        weight += wi;
    }
    total / weight
}

/// The saved form of a [`GradientBoosting`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoostingPayload {
    n_features: usize,
    init_score: f64,
    feature_names: Option<Vec<String>>,
    params: BoostingParams,
    report: BoostingReport,
    trees: Vec<Tree>,
}

impl Persist for GradientBoosting {
    const KIND: &'static str = "gradient_boosting";
    const VERSION: u32 = 1;
    type Payload = BoostingPayload;

    fn to_payload(&self) -> BoostingPayload {
        BoostingPayload {
            n_features: self.n_features,
            init_score: self.init_score,
            feature_names: self.feature_names.clone(),
            params: self.params.clone(),
            report: self.report.clone(),
            trees: self.trees.clone(),
        }
    }

    fn from_payload(p: BoostingPayload, _version: u32) -> Result<Self> {
        let bad = |m: String| Error::document(format!("gradient_boosting document: {m}"));
        if p.n_features == 0 {
            return Err(bad("no features".into()));
        }
        if !p.init_score.is_finite() {
            return Err(bad(format!("init_score {} is not finite", p.init_score)));
        }
        if let Some(names) = &p.feature_names {
            if names.len() != p.n_features {
                return Err(bad(format!(
                    "{} feature names for {} features",
                    names.len(),
                    p.n_features
                )));
            }
        }
        p.params
            .check(p.n_features)
            .map_err(|e| bad(e.message().to_owned()))?;
        let mut categorical = vec![false; p.n_features];
        for &j in &p.params.categorical_features {
            categorical[j] = true;
        }
        for (t, tree) in p.trees.iter().enumerate() {
            tree.check(p.n_features)
                .map_err(|e| bad(format!("tree {t}, {}", e.message())))?;
            let mismatch = tree.nodes().iter().position(|n| {
                !n.is_leaf() && n.categories.is_some() != categorical[n.feature as usize]
            });
            if let Some(i) = mismatch {
                return Err(bad(format!(
                    "tree {t}, node {i}: its split does not match whether feature {} is categorical",
                    tree.nodes()[i].feature
                )));
            }
        }
        let forest = Forest::new(&p.trees, p.n_features);
        Ok(GradientBoosting {
            trees: p.trees,
            init_score: p.init_score,
            n_features: p.n_features,
            feature_names: p.feature_names,
            params: p.params,
            report: p.report,
            forest,
        })
    }
}
