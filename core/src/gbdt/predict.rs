//! Fast scoring: every tree flattened into one array of small nodes, traversed without
//! branches, many rows and trees at once.
//!
//! A node's children are adjacent (`first`, `first + 1`), so one step is
//! `i = first + goes_second`, a comparison that is false for NaN. A leaf points to itself and
//! sends everything to its first child, so stepping a leaf is harmless: eight traversals (eight
//! rows through one tree, or one row through eight trees) run in lockstep for the deepest one's
//! number of steps, which keeps eight independent chains of loads in flight.
//!
//! Each row is scored from an extended copy `[x, -x]`: a split that sends NaN right reads
//! `-x` (see [`FlatNode`]), so no step needs a branch or a multiplication.

use super::tree::{category_code, Tree};

const CATEGORICAL: u32 = 1 << 31;
/// On a categorical split: missing values go right (so the right child is first).
const NAN_RIGHT: u32 = 1 << 30;
const FEATURE: u32 = NAN_RIGHT - 1;

/// A flattened node: 16 bytes. Of its two adjacent children, the first is the one a missing
/// value goes to, and a row goes to the second when `v > threshold`, `v` being the value at
/// `feature` of the extended row `[x, -x]`: false for NaN. A split `x <= t` that sends NaN
/// left reads `x` with threshold `t` (the right child second); one that sends NaN right reads
/// `-x` (feature `j + n_features`) with the left child second: `x <= t` is `-x >= -t`, that
/// is `-x > next_down(-t)`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct FlatNode {
    /// The threshold; `+inf` for a leaf; for a categorical split, the index of its category
    /// set.
    threshold: f64,
    /// The index in the extended row, with the `CATEGORICAL` and `NAN_RIGHT` flags (a
    /// categorical split reads `x`).
    feature: u32,
    /// The first child (the second is `first + 1`); a leaf's own index.
    first: u32,
}

/// All trees of a model, flattened for scoring.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Forest {
    nodes: Vec<FlatNode>,
    /// The value of each flattened node (meaningful for leaves).
    values: Vec<f64>,
    /// The first node of each tree.
    roots: Vec<u32>,
    /// The depth of each tree.
    depths: Vec<u32>,
    /// Categorical splits: the sorted codes that go left.
    category_sets: Vec<Vec<u32>>,
    /// Whether any split is categorical.
    has_categorical: bool,
    n_features: usize,
}

/// The largest double below `x` (finite `x`).
fn next_down(x: f64) -> f64 {
    if x == 0.0 {
        -f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() - 1)
    } else {
        f64::from_bits(x.to_bits() + 1)
    }
}

/// Traversals run in lockstep.
const LANES: usize = 8;
/// Rows extended together.
pub const ROW_BLOCK: usize = 32;

impl Forest {
    /// Flattens `trees` (checked trees: every child index valid).
    pub fn new(trees: &[Tree], n_features: usize) -> Forest {
        let mut f = Forest {
            n_features,
            ..Forest::default()
        };
        for tree in trees {
            f.roots.push(f.nodes.len() as u32);
            f.depths.push(tree.depth() as u32);
            f.push_node(tree, 0);
            // Breadth-first, so that both children of a node are placed side by side.
            let mut queue = std::collections::VecDeque::from([(0usize, f.nodes.len() - 1)]);
            while let Some((src, dst)) = queue.pop_front() {
                let node = &tree.nodes()[src];
                if let Some([l, r]) = node.children {
                    let (a, b) = if node.default_left { (l, r) } else { (r, l) };
                    f.nodes[dst].first = f.nodes.len() as u32;
                    f.push_node(tree, a as usize);
                    f.push_node(tree, b as usize);
                    queue.push_back((a as usize, f.nodes.len() - 2));
                    queue.push_back((b as usize, f.nodes.len() - 1));
                }
            }
        }
        f
    }

    /// Appends node `i` of `tree`; returns whether its left child goes first.
    fn push_node(&mut self, tree: &Tree, i: usize) -> bool {
        let node = &tree.nodes()[i];
        let own = self.nodes.len() as u32;
        let (flat, left_first) = match (&node.children, &node.categories) {
            (None, _) => (
                FlatNode {
                    threshold: f64::INFINITY,
                    feature: 0,
                    first: own,
                },
                true,
            ),
            (Some(_), None) => {
                let flat = if node.default_left {
                    FlatNode {
                        threshold: node.threshold,
                        feature: node.feature,
                        first: 0,
                    }
                } else {
                    FlatNode {
                        threshold: next_down(-node.threshold),
                        feature: node.feature + self.n_features as u32,
                        first: 0,
                    }
                };
                (flat, node.default_left)
            }
            (Some(_), Some(cats)) => {
                self.category_sets.push(cats.clone());
                self.has_categorical = true;
                let flat = FlatNode {
                    threshold: (self.category_sets.len() - 1) as f64,
                    feature: node.feature
                        | CATEGORICAL
                        | if node.default_left { 0 } else { NAN_RIGHT },
                    first: 0,
                };
                (flat, node.default_left)
            }
        };
        self.nodes.push(flat);
        self.values.push(node.value);
        left_first
    }

    /// One step down from node `i` for the row `x`; `CATEGORIES` is whether the forest has
    /// categorical splits (without them, a step is a multiply and a comparison).
    #[inline(always)]
    fn step<const CATEGORIES: bool>(&self, i: u32, x: &[f64]) -> u32 {
        let node = self.nodes[i as usize];
        let v = x[(node.feature & FEATURE) as usize];
        let second = if !CATEGORIES || node.feature & CATEGORICAL == 0 {
            v > node.threshold
        } else {
            self.categorical_goes_second(node, v)
        };
        node.first + second as u32
    }

    /// A categorical split: the first child takes missing values; the second takes the
    /// categories of the set when NaN goes right (the right child first), else the others.
    #[cold]
    fn categorical_goes_second(&self, node: FlatNode, v: f64) -> bool {
        if v.is_nan() {
            return false;
        }
        let cats = &self.category_sets[node.threshold as usize];
        let in_set = category_code(v).is_some_and(|c| cats.binary_search(&c).is_ok());
        in_set == (node.feature & NAN_RIGHT != 0)
    }

    /// The depth of each tree.
    pub fn depths(&self) -> &[u32] {
        &self.depths
    }

    /// Adds the trees' raw score of each row to `out`: `rows` holds `out.len()` rows of
    /// `n_features` values, row-major.
    pub fn add_scores(&self, rows: &[f64], out: &mut [f64]) {
        if self.has_categorical {
            self.add_scores_with::<true>(rows, out)
        } else {
            self.add_scores_with::<false>(rows, out)
        }
    }

    fn add_scores_with<const CATEGORIES: bool>(&self, rows: &[f64], out: &mut [f64]) {
        let p = self.n_features;
        debug_assert_eq!(rows.len(), out.len() * p);
        let w = 2 * p;
        // A few rows are extended on the stack: scoring one customer does not allocate.
        let mut stack = [0.0; 512];
        let mut heap = Vec::new();
        let size = ROW_BLOCK.min(out.len()) * w;
        let ext: &mut [f64] = if size <= stack.len() {
            &mut stack[..size]
        } else {
            heap.resize(size, 0.0);
            &mut heap
        };
        for (block, out) in rows.chunks(ROW_BLOCK * p).zip(out.chunks_mut(ROW_BLOCK)) {
            for (e, r) in ext.chunks_exact_mut(w).zip(block.chunks_exact(p)) {
                let (pos, neg) = e.split_at_mut(p);
                pos.copy_from_slice(r);
                for (d, s) in neg.iter_mut().zip(r) {
                    *d = -s;
                }
            }
            let ext = &ext[..out.len() * w];
            let rest = out.len() / LANES * LANES;
            // Each tree in turn (its nodes stay in the fastest cache), eight rows at a time.
            for (&root, &depth) in self.roots.iter().zip(&self.depths) {
                for (rows8, out8) in ext.chunks_exact(LANES * w).zip(out.chunks_exact_mut(LANES)) {
                    let rows: [&[f64]; LANES] = std::array::from_fn(|k| &rows8[k * w..(k + 1) * w]);
                    let mut idx = [root; LANES];
                    self.walk::<CATEGORIES>(&rows, &mut idx, depth);
                    for (o, &i) in out8.iter_mut().zip(&idx) {
                        *o += self.values[i as usize];
                    }
                }
            }
            // The remaining rows one at a time, each through eight trees at once.
            for (row, o) in ext[rest * w..].chunks_exact(w).zip(&mut out[rest..]) {
                for (roots, depths) in self.roots.chunks(LANES).zip(self.depths.chunks(LANES)) {
                    let mut idx: [u32; LANES] =
                        std::array::from_fn(|k| roots[k.min(roots.len() - 1)]);
                    let depth = depths.iter().copied().max().unwrap_or(0);
                    self.walk::<CATEGORIES>(&[row; LANES], &mut idx, depth);
                    for &i in &idx[..roots.len()] {
                        *o += self.values[i as usize];
                    }
                }
            }
        }
    }

    /// `depth` lockstep steps of eight traversals.
    #[inline(always)]
    fn walk<const CATEGORIES: bool>(
        &self,
        rows: &[&[f64]; LANES],
        idx: &mut [u32; LANES],
        depth: u32,
    ) {
        for _ in 0..depth {
            for k in 0..LANES {
                idx[k] = self.step::<CATEGORIES>(idx[k], rows[k]);
            }
        }
    }
}
