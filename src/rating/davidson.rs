//! The Davidson (1970) model: Bradley-Terry with the tie rate fitted
//! explicitly, instead of scoring a tie as half a win for each side.
//!
//! With strengths `πᵢ = e^θᵢ` and a tie parameter `ν ≥ 0`,
//!
//! ```text
//! P(i beats j) = πᵢ / D,   P(j beats i) = πⱼ / D,   P(tie) = ν·√(πᵢπⱼ) / D,
//! D = πᵢ + πⱼ + ν·√(πᵢπⱼ).
//! ```
//!
//! Given that the battle was decided, `P(i beats j) = σ(θᵢ − θⱼ)`: the ratings
//! are on the Bradley-Terry scale (400/ln 10 points per unit of θ, mean 1000).
//! Ties are most likely between equals, where `P(tie) = ν / (2 + ν)`.
//! Both kinds of tie (`tie`, `tie (bothbad)`) are ties here.
//!
//! The fit is maximum likelihood by Newton's method on `(θ, ln ν)` with the
//! gauge handled as in [`super::bradley_terry`] (and the same weak ridge on
//! θ), from aggregated pair counts. Intervals are the sandwich over the
//! (pair, outcome) cells, as for plain Bradley-Terry.
//!
//! [`compare`] reports the log-likelihood of both models on the same three
//! outcomes: plain Bradley-Terry (ties as halves) becomes a three-outcome
//! model with one constant tie rate (the observed share), and the calibration
//! of the predicted tie rates of both, by bins of Davidson's prediction.

use nalgebra::{DMatrix, DVector};

use super::bradley_terry::components;
use super::comparisons::Comparisons;

/// The result of a Davidson fit.
#[derive(Debug, Clone, PartialEq)]
pub struct DavidsonFit {
    /// Natural-log strengths, mean 0 within each connected piece.
    pub theta: Vec<f64>,
    /// The tie parameter ν.
    pub nu: f64,
    pub iterations: usize,
    pub converged: bool,
    pub log_likelihood: f64,
    /// Sandwich covariance of (θ, ln ν), θ centred within each piece.
    pub covariance: Option<DMatrix<f64>>,
}

/// Per (pair, outcome) cell: `ln D`'s derivatives in `(d, η)` with
/// `d = θᵢ − θⱼ`, `η = ln ν`.
struct Cell {
    log_d: f64,
    /// ∂ ln D / ∂d, ∂ ln D / ∂η.
    grad: [f64; 2],
    /// ∂² ln D: dd, dη, ηη.
    hess: [f64; 3],
}

fn cell(d: f64, eta: f64) -> Cell {
    let (s, u, nu) = ((d / 2.0).exp(), (-d / 2.0).exp(), eta.exp());
    let den = s + u + nu;
    let half_diff = (s - u) / 2.0;
    Cell {
        log_d: den.ln(),
        grad: [half_diff / den, nu / den],
        hess: [
            ((s + u) / 4.0 * den - half_diff * half_diff) / (den * den),
            -half_diff * nu / (den * den),
            nu * (s + u) / (den * den),
        ],
    }
}

/// The log-likelihood of the pair counts at (θ, η).
fn log_likelihood(c: &Comparisons, theta: &[f64], eta: f64) -> f64 {
    c.pairs()
        .iter()
        .map(|p| {
            let d = theta[p.a as usize] - theta[p.b as usize];
            let (w, l, t) = (p.wins_a as f64, p.wins_b as f64, p.ties as f64);
            (w - l) * d / 2.0 + t * eta - (w + l + t) * cell(d, eta).log_d
        })
        .sum()
}

/// Fits the Davidson model to the pair counts. Without any tie, ν is 0 and
/// the fit is plain Bradley-Terry on the decided battles.
#[must_use]
pub fn fit_davidson(c: &Comparisons) -> DavidsonFit {
    let k = c.models().len();
    let ridge = 1e-6;
    let pieces = components(k, c.pairs().iter().map(|p| (p.a as usize, p.b as usize)));
    let ties: u64 = c.pairs().iter().map(|p| p.ties).sum();
    let battles: u64 = c.pairs().iter().map(|p| p.total()).sum();
    // Without ties ν's MLE is 0 (η = -∞): keep η fixed far down.
    let fit_eta = ties > 0;
    let mut theta = vec![0.0; k];
    let mut eta = if fit_eta {
        // The equal-strength value as a start: P(tie) = ν/(2+ν).
        let share = ties as f64 / battles as f64;
        (2.0 * share / (1.0 - share).max(1e-9)).max(1e-9).ln()
    } else {
        -50.0
    };
    let n = k + 1;
    let objective = |theta: &[f64], eta: f64| {
        -log_likelihood(c, theta, eta) + 0.5 * ridge * theta.iter().map(|t| t * t).sum::<f64>()
    };
    let mut value = objective(&theta, eta);
    let (mut iterations, mut converged) = (0, false);
    while iterations < 200 {
        let mut g = DVector::<f64>::zeros(n);
        let mut h = DMatrix::<f64>::zeros(n, n);
        for p in c.pairs() {
            let (i, j) = (p.a as usize, p.b as usize);
            let d = theta[i] - theta[j];
            let (w, l, t) = (p.wins_a as f64, p.wins_b as f64, p.ties as f64);
            let total = w + l + t;
            let cl = cell(d, eta);
            // Negative log-likelihood: its gradient in d and η.
            let gd = -((w - l) / 2.0 - total * cl.grad[0]);
            let ge = -(t - total * cl.grad[1]);
            g[i] += gd;
            g[j] -= gd;
            g[k] += ge;
            let (hdd, hde, hee) = (total * cl.hess[0], total * cl.hess[1], total * cl.hess[2]);
            h[(i, i)] += hdd;
            h[(j, j)] += hdd;
            h[(i, j)] -= hdd;
            h[(j, i)] -= hdd;
            h[(i, k)] += hde;
            h[(k, i)] += hde;
            h[(j, k)] -= hde;
            h[(k, j)] -= hde;
            h[(k, k)] += hee;
        }
        for (i, t) in theta.iter().enumerate() {
            g[i] += ridge * t;
            h[(i, i)] += ridge;
        }
        if !fit_eta {
            g[k] = 0.0;
            for i in 0..n {
                h[(i, k)] = 0.0;
                h[(k, i)] = 0.0;
            }
            h[(k, k)] = 1.0;
        }
        if g.norm() <= 1e-8 * (battles as f64).max(1.0) {
            converged = true;
            break;
        }
        add_gauge(&mut h, &pieces);
        let Some(chol) = h.cholesky() else { break };
        let step = chol.solve(&g);
        let mut t = 1.0;
        let mut moved = false;
        while t > 1e-10 {
            let cand: Vec<f64> = (0..k).map(|i| theta[i] - t * step[i]).collect();
            let cand_eta = eta - t * step[k];
            let v = objective(&cand, cand_eta);
            if v <= value + 1e-12 * value.abs() {
                theta = cand;
                eta = cand_eta;
                value = v;
                moved = true;
                break;
            }
            t *= 0.5;
        }
        iterations += 1;
        if !moved {
            converged = g.norm() <= 1e-4 * (battles as f64).max(1.0);
            break;
        }
    }
    for piece in &pieces {
        let mean = piece.iter().map(|&i| theta[i]).sum::<f64>() / piece.len() as f64;
        for &i in piece {
            theta[i] -= mean;
        }
    }
    let covariance = sandwich(c, &theta, eta, fit_eta, ridge, &pieces);
    DavidsonFit {
        log_likelihood: log_likelihood(c, &theta, eta),
        theta,
        nu: if fit_eta { eta.exp() } else { 0.0 },
        iterations,
        converged,
        covariance,
    }
}

fn add_gauge(h: &mut DMatrix<f64>, pieces: &[Vec<usize>]) {
    for piece in pieces {
        let share = 1.0 / piece.len() as f64;
        for &i in piece {
            for &j in piece {
                h[(i, j)] += share;
            }
        }
    }
}

/// The sandwich covariance of (θ, η): bread the information, meat the
/// per-battle score outer products summed over the (pair, outcome) cells.
fn sandwich(
    c: &Comparisons,
    theta: &[f64],
    eta: f64,
    fit_eta: bool,
    ridge: f64,
    pieces: &[Vec<usize>],
) -> Option<DMatrix<f64>> {
    let k = theta.len();
    let n = k + 1;
    let mut bread = DMatrix::<f64>::zeros(n, n);
    let mut meat = DMatrix::<f64>::zeros(n, n);
    for p in c.pairs() {
        let (i, j) = (p.a as usize, p.b as usize);
        let d = theta[i] - theta[j];
        let cl = cell(d, eta);
        let total = p.total() as f64;
        let (hdd, hde, hee) = (total * cl.hess[0], total * cl.hess[1], total * cl.hess[2]);
        let add = |m: &mut DMatrix<f64>, dd: f64, de: f64, ee: f64| {
            m[(i, i)] += dd;
            m[(j, j)] += dd;
            m[(i, j)] -= dd;
            m[(j, i)] -= dd;
            m[(i, k)] += de;
            m[(k, i)] += de;
            m[(j, k)] -= de;
            m[(k, j)] -= de;
            m[(k, k)] += ee;
        };
        add(&mut bread, hdd, hde, hee);
        // Scores of one battle per outcome, in (d, η).
        for (count, sd, se) in [
            (p.wins_a as f64, 0.5 - cl.grad[0], -cl.grad[1]),
            (p.wins_b as f64, -0.5 - cl.grad[0], -cl.grad[1]),
            (p.ties as f64, -cl.grad[0], 1.0 - cl.grad[1]),
        ] {
            if count > 0.0 {
                add(&mut meat, count * sd * sd, count * sd * se, count * se * se);
            }
        }
    }
    for i in 0..k {
        bread[(i, i)] += ridge;
    }
    if !fit_eta {
        for i in 0..n {
            for m in [&mut bread, &mut meat] {
                m[(i, k)] = 0.0;
                m[(k, i)] = 0.0;
            }
        }
        bread[(k, k)] = 1.0;
    }
    add_gauge(&mut bread, pieces);
    let chol = bread.cholesky()?;
    let left = chol.solve(&meat);
    let v = chol.solve(&left.transpose());
    let mut gauge = DMatrix::<f64>::identity(n, n);
    for piece in pieces {
        let share = 1.0 / piece.len() as f64;
        for &i in piece {
            for &j in piece {
                gauge[(i, j)] -= share;
            }
        }
    }
    Some(&gauge * v * gauge.transpose())
}

/// The predicted probabilities (A wins, B wins, tie) of a battle between
/// strengths `ta` and `tb`.
#[must_use]
pub fn probabilities(ta: f64, tb: f64, nu: f64) -> [f64; 3] {
    let d = ta - tb;
    let (s, u) = ((d / 2.0).exp(), (-d / 2.0).exp());
    let den = s + u + nu;
    [s / den, u / den, nu / den]
}

/// One bin of the tie-rate calibration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TieBin {
    pub battles: u64,
    /// Mean predicted tie rate of the Davidson model in the bin.
    pub davidson: f64,
    /// Plain Bradley-Terry predicts the overall tie share everywhere.
    pub constant: f64,
    pub observed: f64,
}

/// Davidson against plain Bradley-Terry (ties as halves), on the same data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TieComparison {
    pub battles: u64,
    pub ties: u64,
    /// Log-likelihood of the three outcomes under Davidson.
    pub davidson_log_likelihood: f64,
    /// Under plain Bradley-Terry (ratings from ties-as-halves) with one
    /// constant tie rate, the observed share: `P(tie) = τ`,
    /// `P(A wins) = (1 − τ)·σ(θa − θb)`.
    pub bradley_terry_log_likelihood: f64,
    /// Akaike's criterion of each (lower is better; Davidson has one
    /// parameter more than the ratings, the constant rate too).
    pub davidson_aic: f64,
    pub bradley_terry_aic: f64,
    pub calibration: Vec<TieBin>,
}

/// Compares the Davidson fit with plain Bradley-Terry strengths `bt_theta`
/// (natural-log units) on the pair counts; calibration in `bins` bins of
/// Davidson's predicted tie rate (equal numbers of pairs).
#[must_use]
pub fn compare(c: &Comparisons, fit: &DavidsonFit, bt_theta: &[f64], bins: usize) -> TieComparison {
    let battles: u64 = c.pairs().iter().map(|p| p.total()).sum();
    let ties: u64 = c.pairs().iter().map(|p| p.ties).sum();
    let tau = if battles == 0 {
        0.0
    } else {
        ties as f64 / battles as f64
    };
    let ln = |x: f64| x.max(f64::MIN_POSITIVE).ln();
    let mut bt_ll = 0.0;
    let mut predicted: Vec<(f64, u64, u64)> = Vec::with_capacity(c.pairs().len());
    for p in c.pairs() {
        let (i, j) = (p.a as usize, p.b as usize);
        let q = 1.0 / (1.0 + (bt_theta[j] - bt_theta[i]).exp());
        let (w, l, t) = (p.wins_a as f64, p.wins_b as f64, p.ties as f64);
        bt_ll += w * ln((1.0 - tau) * q) + l * ln((1.0 - tau) * (1.0 - q));
        if t > 0.0 {
            bt_ll += t * ln(tau);
        }
        let [_, _, tie] = probabilities(fit.theta[i], fit.theta[j], fit.nu);
        predicted.push((tie, p.ties, p.total()));
    }
    predicted.sort_by(|x, y| x.0.total_cmp(&y.0));
    let per_bin = predicted.len().div_ceil(bins.max(1)).max(1);
    let calibration = predicted
        .chunks(per_bin)
        .map(|chunk| {
            let n: u64 = chunk.iter().map(|c| c.2).sum();
            let t: u64 = chunk.iter().map(|c| c.1).sum();
            let weighted: f64 = chunk.iter().map(|c| c.0 * c.2 as f64).sum();
            TieBin {
                battles: n,
                davidson: if n == 0 { 0.0 } else { weighted / n as f64 },
                constant: tau,
                observed: if n == 0 { 0.0 } else { t as f64 / n as f64 },
            }
        })
        .collect();
    // Free parameters: k - 1 strengths per model set, plus ν or τ.
    let params = c.models().len().saturating_sub(1) as f64 + 1.0;
    TieComparison {
        battles,
        ties,
        davidson_log_likelihood: fit.log_likelihood,
        bradley_terry_log_likelihood: bt_ll,
        davidson_aic: 2.0 * params - 2.0 * fit.log_likelihood,
        bradley_terry_aic: 2.0 * params - 2.0 * bt_ll,
        calibration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;

    /// Two models: d = ln(w/l), ν = t/√(w·l) in closed form.
    #[test]
    fn two_models_match_the_closed_form() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 50),
            ("a", "b", Verdict::ModelB, 20),
            ("a", "b", Verdict::Tie, 20),
            ("a", "b", Verdict::TieBothBad, 10),
        ]);
        let fit = fit_davidson(&c);
        assert!(fit.converged);
        let d = fit.theta[0] - fit.theta[1];
        assert!((d - (50.0f64 / 20.0).ln()).abs() < 1e-6, "{d}");
        let nu = 30.0 / (50.0f64 * 20.0).sqrt();
        assert!((fit.nu - nu).abs() < 1e-6, "{} vs {nu}", fit.nu);
        // And the probabilities reproduce the observed shares.
        let p = probabilities(fit.theta[0], fit.theta[1], fit.nu);
        for (got, want) in p.iter().zip([0.5, 0.2, 0.3]) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
    }

    #[test]
    fn without_ties_it_is_bradley_terry_on_the_decided_battles() {
        use crate::rating::{BtConfig, fit};
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 30),
            ("a", "b", Verdict::ModelB, 10),
            ("b", "c", Verdict::ModelA, 20),
            ("b", "c", Verdict::ModelB, 15),
            ("a", "c", Verdict::ModelA, 12),
            ("a", "c", Verdict::ModelB, 3),
        ]);
        let davidson = fit_davidson(&c);
        let plain = fit(&c, &BtConfig::default(), None).beta;
        assert_eq!(davidson.nu, 0.0);
        for (x, y) in davidson.theta.iter().zip(&plain) {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
    }
}
