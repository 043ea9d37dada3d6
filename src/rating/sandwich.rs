//! Sandwich (robust) intervals for Bradley-Terry, as LMArena's arena-rank
//! computes them by default: the covariance of the strengths is
//! `H⁻¹ · Cov(gradient) · H⁻¹`, with `H` the Fisher information of the
//! log-likelihood and the gradient covariance summed over the (pair, outcome)
//! cells. With ties scored as halves the model is misspecified for the ties,
//! which the sandwich accounts for and the plain `H⁻¹` does not.
//!
//! The gauge is explicit. `H` is singular along the constant vector of each
//! connected piece; adding `G = Σ 1ᶜ1ᶜᵀ/|c|` makes it positive definite
//! without changing it on the sum-zero subspace, where both the gradients and
//! the estimate move, so `(H+G)⁻¹ B (H+G)⁻¹` is the covariance in the sum-zero
//! gauge (one Cholesky factorisation, no inverse of a singular matrix). The
//! reported gauge (each piece centred on its well-sampled models, or one
//! model pinned) is a linear map `C` of that, and the covariance is `C V Cᵀ`.
//!
//! arena-rank adds a ridge `hessian_reg · battles` to `H`; `ridge` here is
//! that product (0 by default: the gauge needs no ridge).

use nalgebra::{DMatrix, DVector};

use super::bradley_terry::components;
use super::comparisons::Comparisons;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The gauge of the reported strengths.
#[derive(Debug, Clone, PartialEq)]
pub enum Centre {
    /// Each connected piece has mean 0 over its `chosen` models (all its
    /// models when none is chosen).
    Chosen(Vec<bool>),
    /// Model `index` is pinned.
    Anchor(usize),
}

/// The covariance of the strengths `beta` (natural-log units), in the gauge
/// `centre`. `None` when the information matrix cannot be factorised.
#[must_use]
pub fn covariance(
    c: &Comparisons,
    beta: &[f64],
    ridge: f64,
    centre: &Centre,
) -> Option<DMatrix<f64>> {
    let m = c.models().len();
    let mut h = DMatrix::<f64>::zeros(m, m);
    let mut b = DMatrix::<f64>::zeros(m, m);
    let add = |mat: &mut DMatrix<f64>, i: usize, j: usize, w: f64| {
        mat[(i, i)] += w;
        mat[(j, j)] += w;
        mat[(i, j)] -= w;
        mat[(j, i)] -= w;
    };
    for p in c.pairs() {
        let (i, j) = (p.a as usize, p.b as usize);
        let q = sigmoid(beta[i] - beta[j]);
        let n = p.total() as f64;
        add(&mut h, i, j, n * q * (1.0 - q));
        // Σ over the battles of (score - q)²: wins score 1, ties ½, losses 0.
        let meat = p.wins_a as f64 * (1.0 - q).powi(2)
            + p.ties as f64 * (0.5 - q).powi(2)
            + p.wins_b as f64 * q * q;
        add(&mut b, i, j, meat);
    }
    let pieces = components(m, c.pairs().iter().map(|p| (p.a as usize, p.b as usize)));
    for i in 0..m {
        h[(i, i)] += ridge;
    }
    for piece in &pieces {
        let share = 1.0 / piece.len() as f64;
        for &i in piece {
            for &j in piece {
                h[(i, j)] += share;
            }
        }
    }
    let chol = h.cholesky()?;
    // V = A⁻¹ B A⁻¹, with A symmetric: solve twice.
    let x = chol.solve(&b);
    let v = chol.solve(&x.transpose());
    let mut gauge = DMatrix::<f64>::identity(m, m);
    match centre {
        Centre::Chosen(chosen) => {
            for piece in &pieces {
                let mut members: Vec<usize> = piece
                    .iter()
                    .copied()
                    .filter(|&i| chosen.get(i) == Some(&true))
                    .collect();
                if members.is_empty() {
                    members.clone_from(piece);
                }
                let w = 1.0 / members.len() as f64;
                for &i in piece {
                    for &k in &members {
                        gauge[(i, k)] -= w;
                    }
                }
            }
        }
        Centre::Anchor(k) => {
            for i in 0..m {
                gauge[(i, *k)] -= 1.0;
            }
        }
    }
    Some(&gauge * v * gauge.transpose())
}

/// The standard error of each strength in `cov`.
#[must_use]
pub fn standard_errors(cov: &DMatrix<f64>) -> DVector<f64> {
    DVector::from_iterator(
        cov.nrows(),
        (0..cov.nrows()).map(|i| cov[(i, i)].max(0.0).sqrt()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;
    use crate::rating::{BtConfig, fit};

    /// Two models, no ties: the difference d = log(w/(n-w)) has variance
    /// 1/(n·p·(1-p)) with p = w/n, and each centred strength a quarter of it.
    #[test]
    fn two_models_match_the_closed_form() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 70),
            ("a", "b", Verdict::ModelB, 30),
        ]);
        let beta = fit(&c, &BtConfig::default(), None).beta;
        let cov = covariance(&c, &beta, 0.0, &Centre::Chosen(vec![true, true])).expect("cov");
        let expected = 1.0 / (100.0 * 0.7 * 0.3) / 4.0;
        assert!(
            (cov[(0, 0)] - expected).abs() < 1e-6,
            "{} vs {expected}",
            cov[(0, 0)]
        );
        assert!((cov[(0, 1)] + expected).abs() < 1e-6);
        // Pinning a: a has no variance, b carries the whole difference.
        let pinned = covariance(&c, &beta, 0.0, &Centre::Anchor(0)).expect("cov");
        assert!(pinned[(0, 0)].abs() < 1e-12);
        assert!((pinned[(1, 1)] - 4.0 * expected).abs() < 1e-6);
    }

    /// Ties scored as halves: the meat is smaller than the bread, so the
    /// sandwich is narrower than the model-based variance for a tie-heavy pair.
    #[test]
    fn ties_shrink_the_sandwich_below_the_model_based_variance() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 30),
            ("a", "b", Verdict::ModelB, 10),
            ("a", "b", Verdict::Tie, 60),
        ]);
        let beta = fit(&c, &BtConfig::default(), None).beta;
        let cov = covariance(&c, &beta, 0.0, &Centre::Chosen(vec![true, true])).expect("cov");
        let q = 1.0 / (1.0 + (beta[1] - beta[0]).exp());
        let model_based = 1.0 / (100.0 * q * (1.0 - q)) / 4.0;
        assert!(
            cov[(0, 0)] < model_based,
            "{} vs {model_based}",
            cov[(0, 0)]
        );
    }
}
