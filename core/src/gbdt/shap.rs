//! Exact TreeSHAP (Lundberg, Erion & Lee, 2018, Algorithm 2): the Shapley values of the
//! path-dependent value function, in O(leaves x depth^2) per tree and row.
//!
//! The value of a feature subset S is the tree's expected output when the features in S take
//! the row's values and the others follow the training rows down the tree (each child weighted
//! by its share of the parent's count). A missing value follows the split's default direction.

use super::tree::Tree;

#[derive(Clone, Copy, Default)]
struct PathElement {
    /// The feature, or `usize::MAX` for the root's placeholder.
    feature: usize,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

/// Working memory of [`add_tree_shap`], reused across trees and rows.
#[derive(Default)]
pub struct ShapScratch(Vec<PathElement>);

/// Adds each feature's SHAP value for `tree` (of depth `depth`) and row `x` to `phi` (one slot
/// per feature).
pub fn add_tree_shap(
    tree: &Tree,
    depth: usize,
    x: &[f64],
    phi: &mut [f64],
    scratch: &mut ShapScratch,
) {
    // Each level of recursion keeps its own copy of the path: about (depth + 2)^2 / 2 elements.
    let needed = (depth + 2) * (depth + 3) / 2 + depth + 2;
    if scratch.0.len() < needed {
        scratch.0.resize(needed, PathElement::default());
    }
    recurse(tree, x, phi, 0, &mut scratch.0, 0, 0, 1.0, 1.0, usize::MAX);
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    x: &[f64],
    phi: &mut [f64],
    node: usize,
    paths: &mut [PathElement],
    parent_start: usize,
    unique_depth: usize,
    zero_fraction: f64,
    one_fraction: f64,
    feature: usize,
) {
    // This level's path starts after the parent's, as a copy of it.
    let start = parent_start + unique_depth + 1;
    paths.copy_within(parent_start..start, start);
    let path = &mut paths[start..];
    extend(path, unique_depth, zero_fraction, one_fraction, feature);
    let mut unique_depth = unique_depth;
    let n = &tree.nodes()[node];
    let Some([l, r]) = n.children else {
        for i in 1..=unique_depth {
            let w = unwound_sum(path, unique_depth, i);
            let e = path[i];
            phi[e.feature] += w * (e.one_fraction - e.zero_fraction) * n.value;
        }
        return;
    };
    let split = n.feature as usize;
    let (hot, cold) = if n.goes_left(x[split]) {
        (l, r)
    } else {
        (r, l)
    };
    let count = n.count as f64;
    let hot_zero = tree.nodes()[hot as usize].count as f64 / count;
    let cold_zero = tree.nodes()[cold as usize].count as f64 / count;
    let (mut incoming_zero, mut incoming_one) = (1.0, 1.0);
    // A feature already on the path is undone, so that it is counted once.
    if let Some(k) = (1..=unique_depth).find(|&k| path[k].feature == split) {
        incoming_zero = path[k].zero_fraction;
        incoming_one = path[k].one_fraction;
        unwind(path, unique_depth, k);
        unique_depth -= 1;
    }
    recurse(
        tree,
        x,
        phi,
        hot as usize,
        paths,
        start,
        unique_depth + 1,
        hot_zero * incoming_zero,
        incoming_one,
        split,
    );
    recurse(
        tree,
        x,
        phi,
        cold as usize,
        paths,
        start,
        unique_depth + 1,
        cold_zero * incoming_zero,
        0.0,
        split,
    );
}

fn extend(path: &mut [PathElement], d: usize, zero: f64, one: f64, feature: usize) {
    path[d] = PathElement {
        feature,
        zero_fraction: zero,
        one_fraction: one,
        pweight: if d == 0 { 1.0 } else { 0.0 },
    };
    let denom = (d + 1) as f64;
    for i in (0..d).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 / denom;
        path[i].pweight = zero * path[i].pweight * (d - i) as f64 / denom;
    }
}

fn unwind(path: &mut [PathElement], d: usize, k: usize) {
    let (one, zero) = (path[k].one_fraction, path[k].zero_fraction);
    let denom = (d + 1) as f64;
    let mut next = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next * denom / ((i + 1) as f64 * one);
            next = tmp - path[i].pweight * zero * (d - i) as f64 / denom;
        } else {
            path[i].pweight = path[i].pweight * denom / (zero * (d - i) as f64);
        }
    }
    for i in k..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_sum(path: &[PathElement], d: usize, k: usize) -> f64 {
    let (one, zero) = (path[k].one_fraction, path[k].zero_fraction);
    let denom = (d + 1) as f64;
    let mut next = path[d].pweight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = next * denom / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].pweight - tmp * zero * ((d - i) as f64 / denom);
        } else {
            total += path[i].pweight / zero / ((d - i) as f64 / denom);
        }
    }
    total
}
