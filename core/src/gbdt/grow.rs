//! Growing one tree on binned data: gradient histograms, the best split of each leaf, and
//! leaf-wise growth under the size, depth and monotone constraints.

use super::bins::{Binned, FeatureBins, MISSING};
use super::tree::Node;
use rayon::prelude::*;

/// The gradient and hessian sums and the row count of a set of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sums {
    g: f64,
    h: f64,
    n: f64,
}

impl Sums {
    #[inline]
    fn add(self, o: Sums) -> Sums {
        Sums {
            g: self.g + o.g,
            h: self.h + o.h,
            n: self.n + o.n,
        }
    }
    #[inline]
    fn sub(self, o: Sums) -> Sums {
        Sums {
            g: self.g - o.g,
            h: self.h - o.h,
            n: self.n - o.n,
        }
    }
}

/// One feature's histogram: every bin code has a slot.
type FeatureHist = [Sums; 256];

/// What limits a tree.
pub struct GrowParams<'a> {
    pub num_leaves: usize,
    pub max_depth: usize,
    pub min_samples_leaf: usize,
    pub min_child_weight: f64,
    pub l2: f64,
    pub learning_rate: f64,
    /// Per feature: +1 (non-decreasing), -1 (non-increasing) or 0.
    pub monotone: &'a [i8],
}

/// Rows whose histograms are summed by one task; the chunking depends only on the number of
/// rows, never on the number of threads, so the sums (and trees) are the same for any count.
const MIN_CHUNK: usize = 16_384;
const MAX_CHUNKS: usize = 16;

/// Categories are ordered by `G / (H + CAT_SMOOTH)` before their best partition is sought.
const CAT_SMOOTH: f64 = 10.0;

/// Histogram buffers reused across leaves and trees, so that a histogram costs neither an
/// allocation nor zeroing more than the bins its features use.
#[derive(Default)]
pub struct HistPool(std::sync::Mutex<Vec<Vec<FeatureHist>>>);

impl HistPool {
    /// A buffer whose used bins (`n_bins[j]` of feature `j`) are zero.
    fn take(&self, n_bins: &[usize]) -> Vec<FeatureHist> {
        let reused = self.0.lock().expect("no panic holds the pool").pop();
        match reused {
            Some(mut hist) => {
                for (h, &n) in hist.iter_mut().zip(n_bins) {
                    h[..n].fill(Sums::default());
                }
                hist
            }
            None => vec![[Sums::default(); 256]; n_bins.len()],
        }
    }

    fn give(&self, hist: Option<Vec<FeatureHist>>) {
        if let Some(hist) = hist {
            self.0.lock().expect("no panic holds the pool").push(hist);
        }
    }
}

/// A candidate split of a leaf.
#[derive(Clone, Debug)]
struct Split {
    gain: f64,
    feature: usize,
    /// Numeric: codes `1..=threshold` go left. Categorical: unused.
    threshold: usize,
    /// Categorical: the codes that go left.
    left_codes: Option<Vec<u8>>,
    default_left: bool,
    left: Sums,
    right: Sums,
    left_value: f64,
    right_value: f64,
}

impl Split {
    /// Whether rows of bin `code` go left; `is_left` holds the categorical set.
    #[inline]
    fn goes_left(&self, code: u8, is_left: &[bool; 256]) -> bool {
        let by_value = if self.left_codes.is_some() {
            is_left[code as usize]
        } else {
            code as usize <= self.threshold
        };
        (code == MISSING && self.default_left) | (code != MISSING && by_value)
    }
}

/// A leaf of the growing tree.
struct Leaf {
    node: usize,
    start: usize,
    end: usize,
    sums: Sums,
    depth: usize,
    /// Bounds on the leaf's value from monotone splits above it.
    lo: f64,
    hi: f64,
    value: f64,
    hist: Option<Vec<FeatureHist>>,
    split: Option<Split>,
}

/// Grows one tree on the rows `rows` (ascending; reordered so that each leaf's rows are
/// contiguous) with gradients `gh`, splitting only on `features`. Returns the nodes and, for
/// each leaf, its node index and its range in `rows`.
pub fn grow(
    binned: &Binned,
    gh: &[[f64; 2]],
    rows: &mut [u32],
    features: &[usize],
    params: &GrowParams<'_>,
    pool: &HistPool,
) -> (Vec<Node>, Vec<(usize, usize, usize)>) {
    let p = binned.features.len();
    let mut grower = Grower {
        binned,
        gh,
        features,
        params,
        p,
        n_bins: binned.features.iter().map(|f| f.n_bins()).collect(),
        pool,
        is_left: [false; 256],
    };
    let hist = grower.histogram(rows);
    let j = features[0];
    let sums = hist[j][..grower.n_bins[j]]
        .iter()
        .fold(Sums::default(), |a, &b| a.add(b));
    let value = grower.leaf_value(sums, f64::NEG_INFINITY, f64::INFINITY);
    let mut nodes = vec![Node::leaf(params.learning_rate * value, sums.n as u64)];
    let mut root = Leaf {
        node: 0,
        start: 0,
        end: rows.len(),
        sums,
        depth: 0,
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
        value,
        hist: Some(hist),
        split: None,
    };
    grower.find_split(&mut root);
    let mut leaves = vec![root];
    let mut scratch = Vec::new();
    while leaves.len() < params.num_leaves {
        // The leaf whose split gains most (the earliest node on a tie).
        let Some(best) = leaves
            .iter()
            .enumerate()
            .filter_map(|(k, l)| l.split.as_ref().map(|s| (k, s.gain, l.node)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
            .map(|(k, ..)| k)
        else {
            break;
        };
        let parent = leaves.swap_remove(best);
        let (left, right) = grower.split(parent, rows, &mut nodes, &mut scratch);
        leaves.push(left);
        leaves.push(right);
    }
    let mut ranges: Vec<(usize, usize, usize)> =
        leaves.iter().map(|l| (l.node, l.start, l.end)).collect();
    ranges.sort_unstable();
    for leaf in leaves {
        pool.give(leaf.hist);
    }
    (nodes, ranges)
}

struct Grower<'a> {
    binned: &'a Binned,
    gh: &'a [[f64; 2]],
    features: &'a [usize],
    params: &'a GrowParams<'a>,
    p: usize,
    /// The bins each feature uses.
    n_bins: Vec<usize>,
    pool: &'a HistPool,
    is_left: [bool; 256],
}

impl Grower<'_> {
    /// The best value of a leaf, within its bounds.
    fn leaf_value(&self, s: Sums, lo: f64, hi: f64) -> f64 {
        let denom = s.h + self.params.l2;
        let w = if denom > 0.0 { -s.g / denom } else { 0.0 };
        w.clamp(lo, hi)
    }

    /// The loss of a leaf of value `w` (second-order approximation), lower is better.
    fn loss(&self, s: Sums, w: f64) -> f64 {
        s.g * w + 0.5 * (s.h + self.params.l2) * w * w
    }

    /// The histograms of `rows` for every feature.
    fn histogram(&self, rows: &[u32]) -> Vec<FeatureHist> {
        let chunk = rows.len().div_ceil(MAX_CHUNKS).max(MIN_CHUNK);
        let parts: Vec<Vec<FeatureHist>> = if rows.len() <= chunk {
            vec![self.histogram_of_chunk(rows)]
        } else {
            rows.par_chunks(chunk)
                .map(|c| self.histogram_of_chunk(c))
                .collect()
        };
        let mut parts = parts.into_iter();
        let mut hist = parts.next().expect("at least one chunk");
        for part in parts {
            for &j in self.features {
                let n = self.n_bins[j];
                for (a, b) in hist[j][..n].iter_mut().zip(&part[j][..n]) {
                    *a = a.add(*b);
                }
            }
            self.pool.give(Some(part));
        }
        hist
    }

    /// The histograms of one chunk of rows. Rows that are not consecutive are first gathered
    /// (their codes and gradients copied side by side, a loop of independent loads that the
    /// processor overlaps), so that the histogram loop itself reads memory in order.
    fn histogram_of_chunk(&self, rows: &[u32]) -> Vec<FeatureHist> {
        let mut hist = self.pool.take(&self.n_bins);
        let p = self.p;
        let consecutive = rows.len() as u64
            == (*rows.last().unwrap_or(&0) as u64 + 1)
                .saturating_sub(*rows.first().unwrap_or(&0) as u64);
        const GATHER: usize = 2048;
        if consecutive {
            let (start, end) = (rows[0] as usize, rows[rows.len() - 1] as usize + 1);
            let codes = &self.binned.codes[start * p..end * p];
            for (c, g) in codes
                .chunks(GATHER * p)
                .zip(self.gh[start..end].chunks(GATHER))
            {
                self.accumulate(c, g, &mut hist);
            }
            return hist;
        }
        let mut codes = vec![0u8; GATHER.min(rows.len()) * p];
        let mut gh = vec![[0.0; 2]; GATHER.min(rows.len())];
        for part in rows.chunks(GATHER) {
            for ((c, g), &r) in codes.chunks_exact_mut(p).zip(gh.iter_mut()).zip(part) {
                let r = r as usize;
                c.copy_from_slice(&self.binned.codes[r * p..(r + 1) * p]);
                *g = self.gh[r];
            }
            self.accumulate(&codes[..part.len() * p], &gh[..part.len()], &mut hist);
        }
        hist
    }

    /// Adds rows (`codes` row-major, with their gradients `gh`) to `hist`. Features are taken
    /// a few at a time, so that the histograms being updated stay in the fastest cache.
    fn accumulate(&self, codes: &[u8], gh: &[[f64; 2]], hist: &mut [FeatureHist]) {
        const GROUP: usize = 8;
        let p = self.p;
        if self.features.len() == p {
            for (g0, group) in hist.chunks_mut(GROUP).enumerate() {
                let f0 = g0 * GROUP;
                for (row, &[g, h]) in codes.chunks_exact(p).zip(gh) {
                    for (fh, &c) in group.iter_mut().zip(&row[f0..]) {
                        let e = &mut fh[c as usize];
                        e.g += g;
                        e.h += h;
                        e.n += 1.0;
                    }
                }
            }
        } else {
            for group in self.features.chunks(GROUP) {
                for (row, &[g, h]) in codes.chunks_exact(p).zip(gh) {
                    for &j in group {
                        let e = &mut hist[j][row[j] as usize];
                        e.g += g;
                        e.h += h;
                        e.n += 1.0;
                    }
                }
            }
        }
    }

    /// Sets `leaf.split` to its best split, if any may be made.
    fn find_split(&self, leaf: &mut Leaf) {
        let pr = self.params;
        let n = leaf.sums.n as usize;
        leaf.split = None;
        if leaf.depth >= pr.max_depth || n < 2 * pr.min_samples_leaf {
            self.pool.give(leaf.hist.take());
            return;
        }
        let hist = leaf
            .hist
            .as_ref()
            .expect("a splittable leaf has its histogram");
        let best = self
            .features
            .par_iter()
            .filter_map(|&j| self.best_split_of(j, &hist[j], leaf))
            .reduce_with(|a, b| {
                if b.gain > a.gain || (b.gain == a.gain && b.feature < a.feature) {
                    b
                } else {
                    a
                }
            });
        leaf.split = best;
        if leaf.split.is_none() {
            self.pool.give(leaf.hist.take());
        }
    }

    /// The gain and values of sending `left` one way and the rest the other, if allowed.
    fn evaluate(&self, leaf: &Leaf, left: Sums, monotone: i8) -> Option<(f64, Sums, f64, f64)> {
        let pr = self.params;
        let right = leaf.sums.sub(left);
        let min_n = pr.min_samples_leaf as f64;
        if left.n < min_n || right.n < min_n {
            return None;
        }
        if left.h < pr.min_child_weight || right.h < pr.min_child_weight {
            return None;
        }
        let wl = self.leaf_value(left, leaf.lo, leaf.hi);
        let wr = self.leaf_value(right, leaf.lo, leaf.hi);
        if (monotone > 0 && wl > wr) || (monotone < 0 && wl < wr) {
            return None;
        }
        let gain = self.loss(leaf.sums, leaf.value) - self.loss(left, wl) - self.loss(right, wr);
        (gain > 0.0).then_some((gain, right, wl, wr))
    }

    fn best_split_of(&self, j: usize, hist: &FeatureHist, leaf: &Leaf) -> Option<Split> {
        let missing = hist[MISSING as usize];
        let mut best: Option<Split> = None;
        let mut consider = |gain_etc: Option<(f64, Sums, f64, f64)>,
                            left: Sums,
                            threshold: usize,
                            left_codes: Option<&[u8]>,
                            default_left: bool| {
            if let Some((gain, right, left_value, right_value)) = gain_etc {
                if best.as_ref().is_none_or(|b| gain > b.gain) {
                    best = Some(Split {
                        gain,
                        feature: j,
                        threshold,
                        left_codes: left_codes.map(|c| c.to_vec()),
                        default_left,
                        left,
                        right,
                        left_value,
                        right_value,
                    });
                }
            }
        };
        match &self.binned.features[j] {
            FeatureBins::Numeric { .. } => {
                let n_bins = self.binned.features[j].n_bins();
                let monotone = self.params.monotone[j];
                let mut acc = Sums::default();
                for (t, &bin) in hist.iter().enumerate().take(n_bins - 1).skip(1) {
                    acc = acc.add(bin);
                    if missing.n > 0.0 {
                        for default_left in [false, true] {
                            let left = if default_left { acc.add(missing) } else { acc };
                            consider(
                                self.evaluate(leaf, left, monotone),
                                left,
                                t,
                                None,
                                default_left,
                            );
                        }
                    } else {
                        // No missing value here: an unseen one follows the larger side.
                        let default_left = acc.n >= leaf.sums.n - acc.n;
                        consider(
                            self.evaluate(leaf, acc, monotone),
                            acc,
                            t,
                            None,
                            default_left,
                        );
                    }
                }
            }
            FeatureBins::Categorical { n_categories } => {
                let mut codes: Vec<u8> = (1..=*n_categories as u8)
                    .filter(|&c| hist[c as usize].n > 0.0)
                    .collect();
                let ratio = |c: &u8| {
                    let s = hist[*c as usize];
                    s.g / (s.h + CAT_SMOOTH)
                };
                codes.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)).then(a.cmp(b)));
                let mut acc = Sums::default();
                for k in 1..codes.len() {
                    acc = acc.add(hist[codes[k - 1] as usize]);
                    let mut left_codes = codes[..k].to_vec();
                    left_codes.sort_unstable();
                    if missing.n > 0.0 {
                        for default_left in [false, true] {
                            let left = if default_left { acc.add(missing) } else { acc };
                            consider(
                                self.evaluate(leaf, left, 0),
                                left,
                                0,
                                Some(&left_codes),
                                default_left,
                            );
                        }
                    } else {
                        let default_left = acc.n >= leaf.sums.n - acc.n;
                        consider(
                            self.evaluate(leaf, acc, 0),
                            acc,
                            0,
                            Some(&left_codes),
                            default_left,
                        );
                    }
                }
            }
        }
        best
    }

    /// Splits `parent` by its best split: partitions its rows, records the split in `nodes`,
    /// and returns the two children with their own best splits.
    fn split(
        &mut self,
        parent: Leaf,
        rows: &mut [u32],
        nodes: &mut Vec<Node>,
        scratch: &mut Vec<u32>,
    ) -> (Leaf, Leaf) {
        let split = parent
            .split
            .clone()
            .expect("only leaves with a split are split");
        let j = split.feature;
        self.is_left = [false; 256];
        if let Some(codes) = &split.left_codes {
            for &c in codes {
                self.is_left[c as usize] = true;
            }
        }
        // Stable partition: each side keeps ascending row order. Branch-free, so that the
        // loads of successive rows' codes overlap.
        let range = &mut rows[parent.start..parent.end];
        scratch.clear();
        scratch.resize(range.len(), 0);
        let (mut n_left, mut n_right) = (0, 0);
        let n = self.gh.len();
        let column = &self.binned.columns[j * n..(j + 1) * n];
        for k in 0..range.len() {
            let r = range[k];
            let left = split.goes_left(column[r as usize], &self.is_left);
            range[n_left] = r;
            scratch[n_right] = r;
            n_left += left as usize;
            n_right += !left as usize;
        }
        range[n_left..].copy_from_slice(&scratch[..n_right]);

        let lr = self.params.learning_rate;
        let l = nodes.len();
        let node = &mut nodes[parent.node];
        node.children = Some([l as u32, l as u32 + 1]);
        node.feature = j as u32;
        node.gain = split.gain;
        node.default_left = split.default_left;
        match &split.left_codes {
            None => node.threshold = self.binned.threshold(j, split.threshold),
            Some(codes) => {
                node.categories = Some(codes.iter().map(|&c| c as u32 - 1).collect());
            }
        }
        nodes.push(Node::leaf(lr * split.left_value, split.left.n as u64));
        nodes.push(Node::leaf(lr * split.right_value, split.right.n as u64));

        // Children's bounds: a monotone split caps each side at the midpoint of the two values.
        let (mut left_bounds, mut right_bounds) = ((parent.lo, parent.hi), (parent.lo, parent.hi));
        let mid = 0.5 * (split.left_value + split.right_value);
        match self.params.monotone[j] {
            1 => {
                left_bounds.1 = mid;
                right_bounds.0 = mid;
            }
            -1 => {
                left_bounds.0 = mid;
                right_bounds.1 = mid;
            }
            _ => {}
        }
        let child = |node, start, end, sums: Sums, (lo, hi), value| Leaf {
            node,
            start,
            end,
            sums,
            depth: parent.depth + 1,
            lo,
            hi,
            value,
            hist: None,
            split: None,
        };
        let mid_row = parent.start + n_left;
        let mut left = child(
            l,
            parent.start,
            mid_row,
            split.left,
            left_bounds,
            split.left_value,
        );
        let mut right = child(
            l + 1,
            mid_row,
            parent.end,
            split.right,
            right_bounds,
            split.right_value,
        );

        // Children that may split need histograms: the smaller is built, the larger is the
        // parent's minus the smaller's.
        let may_split = |c: &Leaf| {
            c.depth < self.params.max_depth && c.sums.n as usize >= 2 * self.params.min_samples_leaf
        };
        if may_split(&left) || may_split(&right) {
            let mut big = parent.hist.expect("a split leaf has its histogram");
            let (small, large) = if left.sums.n <= right.sums.n {
                (&mut left, &mut right)
            } else {
                (&mut right, &mut left)
            };
            let small_hist = self.histogram(&rows[small.start..small.end]);
            for &f in self.features {
                let n = self.n_bins[f];
                for (a, b) in big[f][..n].iter_mut().zip(&small_hist[f][..n]) {
                    *a = a.sub(*b);
                }
            }
            small.hist = Some(small_hist);
            large.hist = Some(big);
        } else {
            self.pool.give(parent.hist);
        }
        self.find_split(&mut left);
        self.find_split(&mut right);
        (left, right)
    }
}
