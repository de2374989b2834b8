//! Per-group figures for a fairness review: how well the score ranks within each group, and
//! how often each group is selected compared with the most selected group (disparate impact).

use super::classification::auc_of_ties;
use super::common::{check_rows, ties, weight_at, Row};
use crate::error::{check_finite, Error, Result};

/// The figures of one group. Rates are weighted by the sample weights; they are NaN for a
/// group with no weight.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupStats {
    /// The number of rows of the group.
    pub n: usize,
    /// The total sample weight of the group (`n` when unweighted).
    pub weight: f64,
    /// The share of positive rows.
    pub positive_rate: f64,
    /// The ROC AUC within the group; NaN when the group holds a single class.
    pub auc: f64,
    /// The share of rows selected: whose score is at least the threshold.
    pub selection_rate: f64,
    /// The selection rate divided by the highest selection rate of all groups (the
    /// reference group has 1); NaN when no group is selected at all.
    pub disparate_impact: f64,
}

/// The figures of every group; see [`group_report`].
#[derive(Clone, Debug, PartialEq)]
pub struct GroupReport {
    /// One entry per group code, in code order.
    pub groups: Vec<GroupStats>,
    /// The group of the highest selection rate (the first one on a tie), the reference of
    /// the disparate impact; `None` when no group has weight.
    pub reference: Option<usize>,
}

/// Per-group figures of scores `score` for labels `y` (0 or 1): each row belongs to group
/// `groups[i]`, a code in `0..n_groups`. A row is selected when its score is at least
/// `threshold`.
///
/// The disparate impact of a group is its selection rate divided by the highest selection
/// rate among the groups (the "four-fifths rule" flags values below 0.8). A group with no
/// row gets `n = 0` and NaN figures.
///
/// ```
/// use nextbest::metrics::group_report;
/// let y = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
/// let score = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1];
/// let groups = [0, 0, 0, 1, 1, 1];
/// let report = group_report(&y, &score, &groups, 2, 0.5, None)?;
/// assert_eq!(report.groups[0].selection_rate, 2.0 / 3.0);
/// assert_eq!(report.groups[1].selection_rate, 1.0 / 3.0);
/// assert_eq!(report.groups[1].disparate_impact, 0.5);
/// assert_eq!(report.groups[0].auc, 1.0);
/// assert_eq!(report.reference, Some(0));
/// # Ok::<(), nextbest::Error>(())
/// ```
pub fn group_report(
    y: &[f64],
    score: &[f64],
    groups: &[u32],
    n_groups: usize,
    threshold: f64,
    sample_weight: Option<&[f64]>,
) -> Result<GroupReport> {
    check_rows(y, score, "score", sample_weight)?;
    if groups.len() != y.len() {
        return Err(Error::shape(format!(
            "groups has {} values, expected {} (one per row)",
            groups.len(),
            y.len()
        )));
    }
    if let Some(i) = groups.iter().position(|&g| g as usize >= n_groups) {
        return Err(Error::not_found(format!(
            "groups[{i}] is {}, but there are {n_groups} groups (codes 0 to {})",
            groups[i],
            n_groups as i64 - 1
        )));
    }
    check_finite(threshold, || "threshold".to_owned())?;

    let mut rows: Vec<Vec<Row>> = vec![Vec::new(); n_groups];
    let mut selected = vec![0.0; n_groups];
    for i in 0..y.len() {
        let w = weight_at(sample_weight, i);
        let g = groups[i] as usize;
        rows[g].push(Row {
            score: score[i],
            weight: w,
            positive: y[i] == 1.0,
        });
        if score[i] >= threshold {
            selected[g] += w;
        }
    }
    let mut stats: Vec<GroupStats> = rows
        .iter_mut()
        .zip(&selected)
        .map(|(rows, &sel)| {
            let n = rows.len();
            // Folds from +0.0 (`sum` starts at -0.0).
            let (weight, positives) = rows.iter().fold((0.0, 0.0), |(w, p), r| {
                (w + r.weight, if r.positive { p + r.weight } else { p })
            });
            rows.retain(|r| r.weight > 0.0);
            let (rate, auc) = if weight > 0.0 {
                (sel / weight, auc_of_ties(&ties(rows)).unwrap_or(f64::NAN))
            } else {
                (f64::NAN, f64::NAN)
            };
            GroupStats {
                n,
                weight,
                positive_rate: positives / weight,
                auc,
                selection_rate: rate,
                disparate_impact: f64::NAN,
            }
        })
        .collect();
    let mut reference: Option<usize> = None;
    for (g, s) in stats.iter().enumerate() {
        if s.weight > 0.0 && reference.is_none_or(|r| s.selection_rate > stats[r].selection_rate) {
            reference = Some(g);
        }
    }
    if let Some(r) = reference {
        let top = stats[r].selection_rate;
        if top > 0.0 {
            for s in stats.iter_mut().filter(|s| s.weight > 0.0) {
                s.disparate_impact = s.selection_rate / top;
            }
        }
    }
    Ok(GroupReport {
        groups: stats,
        reference,
    })
}
