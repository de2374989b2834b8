//! One regression tree as it is saved and explained, and the checks a loaded tree must pass.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The deepest tree a document may hold: explanation recurses once per level, so a hostile
/// document must not be able to make it recurse without bound.
pub const MAX_DEPTH: usize = 256;

/// One node of a [`Tree`]. Node 0 is the root; children come after their parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// The left and right children, or `None` for a leaf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<[u32; 2]>,
    /// The feature the node splits on (0 for a leaf).
    #[serde(default)]
    pub feature: u32,
    /// A numeric split sends `x <= threshold` left.
    #[serde(default)]
    pub threshold: f64,
    /// A categorical split sends these category codes left (sorted, distinct) and every other
    /// value right; `None` for a numeric split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<u32>>,
    /// Where a missing value (NaN) goes.
    #[serde(default)]
    pub default_left: bool,
    /// A leaf's contribution to the raw score; for an internal node, the value it would have as
    /// a leaf.
    pub value: f64,
    /// The training rows that reached the node.
    pub count: u64,
    /// The loss reduction of the node's split (0 for a leaf).
    #[serde(default)]
    pub gain: f64,
}

impl Node {
    /// A leaf of `value` reached by `count` rows.
    pub fn leaf(value: f64, count: u64) -> Node {
        Node {
            children: None,
            feature: 0,
            threshold: 0.0,
            categories: None,
            default_left: false,
            value,
            count,
            gain: 0.0,
        }
    }

    /// Whether the node is a leaf.
    #[inline]
    pub fn is_leaf(&self) -> bool {
        self.children.is_none()
    }

    /// Whether a value `x` of the node's feature goes left.
    #[inline]
    pub fn goes_left(&self, x: f64) -> bool {
        if x.is_nan() {
            return self.default_left;
        }
        match &self.categories {
            None => x <= self.threshold,
            Some(cats) => category_code(x).is_some_and(|c| cats.binary_search(&c).is_ok()),
        }
    }
}

/// The category code of `x` when it is a non-negative integer that fits in `u32`.
#[inline]
pub fn category_code(x: f64) -> Option<u32> {
    (x >= 0.0 && x <= u32::MAX as f64 && x.fract() == 0.0).then_some(x as u32)
}

/// A regression tree: its nodes, root first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    /// A tree of checked nodes (see [`Tree::check`]).
    pub fn new(nodes: Vec<Node>, n_features: usize) -> Result<Tree> {
        let tree = Tree { nodes };
        tree.check(n_features)?;
        Ok(tree)
    }

    /// The nodes, root first.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The raw-score contribution of the row `x`.
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        self.nodes[self.leaf_of(x)].value
    }

    /// The index of the leaf the row `x` falls in.
    pub fn leaf_of(&self, x: &[f64]) -> usize {
        let mut i = 0;
        while let Some([l, r]) = self.nodes[i].children {
            let node = &self.nodes[i];
            i = if node.goes_left(x[node.feature as usize]) {
                l
            } else {
                r
            } as usize;
        }
        i
    }

    /// The number of levels below the root (0 for a single leaf).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut deepest = 0;
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(children) = node.children {
                for c in children {
                    depth[c as usize] = depth[i] + 1;
                    deepest = deepest.max(depth[i] + 1);
                }
            }
        }
        deepest
    }

    /// The expected raw score over the training rows: the leaves' values weighted by count.
    pub fn expected_value(&self) -> f64 {
        let root = self.nodes[0].count as f64;
        self.nodes
            .iter()
            .filter(|n| n.is_leaf())
            .map(|n| n.value * (n.count as f64 / root))
            .sum()
    }

    /// Checks the structure a document could break: every child index in range and after its
    /// parent, every node but the root the child of exactly one node (so the nodes form one
    /// tree, never a cycle), features in range, finite numbers, counts that add up (a parent's
    /// count is its children's sum), sorted category codes, depth at most [`MAX_DEPTH`].
    pub fn check(&self, n_features: usize) -> Result<()> {
        let nodes = &self.nodes;
        if nodes.is_empty() {
            return Err(Error::document("a tree has no nodes"));
        }
        let mut parents = vec![0u8; nodes.len()];
        let mut depth = vec![0usize; nodes.len()];
        for (i, node) in nodes.iter().enumerate() {
            let bad = |m: String| Error::document(format!("node {i}: {m}"));
            if !node.value.is_finite() {
                return Err(bad(format!("value {} is not finite", node.value)));
            }
            if node.count == 0 {
                return Err(bad("no training rows reached it (count 0)".into()));
            }
            if i > 0 && parents[i] != 1 {
                return Err(bad(format!(
                    "is the child of {} nodes, not of exactly one",
                    parents[i]
                )));
            }
            let Some([l, r]) = node.children else {
                continue;
            };
            if node.feature as usize >= n_features {
                return Err(bad(format!(
                    "splits on feature {} of a model of {n_features} features",
                    node.feature
                )));
            }
            if !(node.threshold.is_finite() && node.gain.is_finite()) {
                return Err(bad("threshold or gain is not finite".into()));
            }
            if let Some(cats) = &node.categories {
                if cats.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(bad("categories are not sorted and distinct".into()));
                }
            }
            let (l, r) = (l as usize, r as usize);
            if l <= i || r <= i || l == r || l >= nodes.len() || r >= nodes.len() {
                return Err(bad(format!(
                    "children {l} and {r} must be distinct nodes after it, below {}",
                    nodes.len()
                )));
            }
            if nodes[l].count + nodes[r].count != node.count {
                return Err(bad(format!(
                    "count {} is not its children's {} + {}",
                    node.count, nodes[l].count, nodes[r].count
                )));
            }
            for c in [l, r] {
                parents[c] = parents[c].saturating_add(1);
                depth[c] = depth[i] + 1;
                if depth[c] > MAX_DEPTH {
                    return Err(bad(format!("the tree is deeper than {MAX_DEPTH} levels")));
                }
            }
        }
        Ok(())
    }
}
