//! Style control: a contextual Bradley-Terry model, as FastChat's
//! `fit_contextual_bt` and LMArena's arena-rank `ContextualBradleyTerry` fit
//! it. Each battle `i` has, besides its two models, a vector `x_i` of style
//! differences (answer A's length against B's, headers, lists, bold), and
//!
//! ```text
//! P(A beats B) = σ(θ_a − θ_b + x_i·β)
//! ```
//!
//! in natural-log units, ties scored ½ as everywhere in the engine. The
//! strengths θ are then "what the voters prefer once style is held equal",
//! and β says how much each style feature sways a vote.
//!
//! # Features
//! [`style_matrix`] turns each side's raw counts into FastChat's normalised
//! differences `(a − b) / (a + b + 1)` and standardises every column (mean 0,
//! population standard deviation 1; a constant column stays 0).
//!
//! # Fit
//! Penalised maximum likelihood by Newton's method (one Cholesky solve of
//! the `(models + features)²` information matrix per step, a backtracking line
//! search, the gauge handled as in [`super::bradley_terry`]: `1ᶜ1ᶜᵀ/|c|` per
//! connected piece, each piece centred on mean θ = 0). The penalty is
//! `(λ/2)‖β‖²` on the coefficients only.
//!
//! Two conventions ([`Convention`]):
//! - [`Convention::Standard`] (the default): λ = `penalty` (1.0) on the summed
//!   log-likelihood, i.e. a N(0, 1) prior on each coefficient. It fades as
//!   battles accumulate, so the fit recovers a planted style effect.
//! - [`Convention::ArenaRank`]: arena-rank 0.1.1 exactly. Its loss is the
//!   *mean* over battles, so its `reg = 1.0` is λ = battles × 1.0 on the sum:
//!   the coefficients shrink by a factor of about `1 + 4·reg` whatever the
//!   amount of data (roughly 5×), and the ratings adjust for only a fifth of
//!   the style effect. Battles may be reweighted as its dataset does by
//!   default: `w = 1 / max(battles of the pair, 50)`, normalised to mean 1.
//!
//! # Intervals
//! The sandwich `A⁻¹ B A⁻¹`: `A` the information matrix (with the penalty, in
//! the standard convention, since the estimate solves the penalised equation;
//! arena-rank leaves the penalty out and adds `10⁻⁵ × battles` to every
//! diagonal entry instead), `B` the covariance of the per-battle score
//! vectors around their mean (at the optimum the mean is the penalty's
//! gradient over battles, not 0). Normal quantile from `statrs`.

use std::collections::HashMap;

use nalgebra::{DMatrix, DVector};

use super::bradley_terry::components;

/// The names of the four style features, in FastChat's order (tokens,
/// headers, list items, bold): the columns of [`style_matrix`] for answers'
/// `StyleFeatures::as_array` and for LMSYS's `conv_metadata`.
pub const STYLE_FEATURES: [&str; 4] = ["length", "headers", "lists", "bold"];

/// Which convention the penalty and the intervals follow (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Convention {
    /// λ on the summed log-likelihood; the sandwich's bread includes it.
    Standard,
    /// arena-rank 0.1.1: λ × battles; bread without the penalty plus
    /// `1e-5 × battles` on the diagonal; optional pair reweighting.
    ArenaRank { reweight: bool },
}

/// Parameters of the fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContextualConfig {
    /// L2 penalty on the style coefficients (arena-rank's default 1.0).
    pub penalty: f64,
    pub convention: Convention,
    /// A very weak ridge on θ (natural-log units, summed scale), as in the plain
    /// fit: keeps a model that won every battle finite.
    pub ridge: f64,
    pub tolerance: f64,
    pub max_iterations: usize,
}

impl Default for ContextualConfig {
    fn default() -> Self {
        Self {
            penalty: 1.0,
            convention: Convention::Standard,
            ridge: 1e-6,
            tolerance: 1e-8,
            max_iterations: 100,
        }
    }
}

/// Battles with their style features, ready to fit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StyledBattles {
    pub models: Vec<String>,
    pub feature_names: Vec<String>,
    /// Model indices of side A and B.
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    /// A's score: 1, 0, or ½ for a tie.
    pub score: Vec<f64>,
    /// Row-major `battles × features`, already normalised.
    pub x: Vec<f64>,
}

impl StyledBattles {
    #[must_use]
    pub fn len(&self) -> usize {
        self.a.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }

    fn features(&self) -> usize {
        self.feature_names.len()
    }

    /// Battles per model.
    #[must_use]
    pub fn model_battles(&self) -> Vec<u64> {
        let mut n = vec![0u64; self.models.len()];
        for (&a, &b) in self.a.iter().zip(&self.b) {
            n[a as usize] += 1;
            n[b as usize] += 1;
        }
        n
    }
}

/// FastChat's style features: each raw count pair becomes `(a − b)/(a + b + 1)`,
/// then every column is standardised (population standard deviation; a column
/// with none stays 0). `raw_a[i]` and `raw_b[i]` are battle `i`'s counts.
#[must_use]
pub fn style_matrix<const F: usize>(raw_a: &[[f64; F]], raw_b: &[[f64; F]]) -> Vec<f64> {
    let n = raw_a.len().min(raw_b.len());
    let mut x = Vec::with_capacity(n * F);
    for (ra, rb) in raw_a.iter().zip(raw_b) {
        for f in 0..F {
            x.push((ra[f] - rb[f]) / (ra[f] + rb[f] + 1.0));
        }
    }
    standardise(&mut x, F);
    x
}

/// Standardises each of the `f` columns of the row-major matrix `x` in place.
pub fn standardise(x: &mut [f64], f: usize) {
    if f == 0 || x.is_empty() {
        return;
    }
    let n = (x.len() / f) as f64;
    for col in 0..f {
        let mean = x.iter().skip(col).step_by(f).sum::<f64>() / n;
        let var = x
            .iter()
            .skip(col)
            .step_by(f)
            .map(|v| (v - mean).powi(2))
            .sum::<f64>()
            / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for v in x.iter_mut().skip(col).step_by(f) {
            *v = (*v - mean) / sd;
        }
    }
}

/// The result of a fit: strengths θ (natural-log units, mean 0 per connected
/// piece) and coefficients β (per standardised feature unit).
#[derive(Debug, Clone, PartialEq)]
pub struct ContextualFit {
    pub theta: Vec<f64>,
    pub beta: Vec<f64>,
    pub iterations: usize,
    pub gradient_norm: f64,
    pub converged: bool,
    /// The sandwich covariance of (θ, β), θ in the centred gauge.
    pub covariance: Option<DMatrix<f64>>,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)` without overflow.
fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// arena-rank's default weights: `1 / max(battles of the unordered pair, 50)`,
/// normalised to mean 1.
fn pair_weights(d: &StyledBattles) -> Vec<f64> {
    let key = |i: usize| (d.a[i].min(d.b[i]), d.a[i].max(d.b[i]));
    let mut count: HashMap<(u32, u32), f64> = HashMap::new();
    for i in 0..d.len() {
        *count.entry(key(i)).or_default() += 1.0;
    }
    let mut w: Vec<f64> = (0..d.len())
        .map(|i| 1.0 / count[&key(i)].max(50.0))
        .collect();
    let mean = w.iter().sum::<f64>() / w.len().max(1) as f64;
    if mean > 0.0 {
        for v in &mut w {
            *v /= mean;
        }
    }
    w
}

/// Adds `c · u uᵀ` to `m`, with `u = (e_a − e_b, x)` (models first, then
/// features at offset `k`).
fn add_outer(m: &mut DMatrix<f64>, k: usize, a: usize, b: usize, x: &[f64], c: f64) {
    m[(a, a)] += c;
    m[(b, b)] += c;
    m[(a, b)] -= c;
    m[(b, a)] -= c;
    for (f, &xf) in x.iter().enumerate() {
        let cx = c * xf;
        m[(a, k + f)] += cx;
        m[(b, k + f)] -= cx;
        m[(k + f, a)] += cx;
        m[(k + f, b)] -= cx;
        for (g, &xg) in x.iter().enumerate() {
            m[(k + f, k + g)] += cx * xg;
        }
    }
}

struct Problem<'a> {
    d: &'a StyledBattles,
    w: Vec<f64>,
    /// λ on the summed scale.
    lambda: f64,
    ridge: f64,
    pieces: Vec<Vec<usize>>,
}

impl Problem<'_> {
    fn k(&self) -> usize {
        self.d.models.len()
    }

    fn f(&self) -> usize {
        self.d.features()
    }

    fn z(&self, p: &DVector<f64>, i: usize) -> f64 {
        let (k, f) = (self.k(), self.f());
        let x = &self.d.x[i * f..(i + 1) * f];
        let style: f64 = x.iter().enumerate().map(|(j, v)| v * p[k + j]).sum();
        p[self.d.a[i] as usize] - p[self.d.b[i] as usize] + style
    }

    fn penalty(&self, p: &DVector<f64>) -> f64 {
        let k = self.k();
        let theta: f64 = (0..k).map(|j| p[j] * p[j]).sum();
        let beta: f64 = (k..p.len()).map(|j| p[j] * p[j]).sum();
        0.5 * self.ridge * theta + 0.5 * self.lambda * beta
    }

    /// The negative penalised log-likelihood.
    fn objective(&self, p: &DVector<f64>) -> f64 {
        let mut nll = 0.0;
        for i in 0..self.d.len() {
            let z = self.z(p, i);
            nll -= self.w[i] * (self.d.score[i] * z - softplus(z));
        }
        nll + self.penalty(p)
    }

    /// Gradient and information matrix (penalty included) at `p`.
    fn derivatives(&self, p: &DVector<f64>) -> (DVector<f64>, DMatrix<f64>) {
        let (k, f) = (self.k(), self.f());
        let n = k + f;
        let mut g = DVector::<f64>::zeros(n);
        let mut h = DMatrix::<f64>::zeros(n, n);
        for i in 0..self.d.len() {
            let z = self.z(p, i);
            let q = sigmoid(z);
            let r = self.w[i] * (self.d.score[i] - q);
            let (a, b) = (self.d.a[i] as usize, self.d.b[i] as usize);
            let x = &self.d.x[i * f..(i + 1) * f];
            g[a] -= r;
            g[b] += r;
            for (j, v) in x.iter().enumerate() {
                g[k + j] -= r * v;
            }
            add_outer(&mut h, k, a, b, x, self.w[i] * q * (1.0 - q));
        }
        for j in 0..k {
            g[j] += self.ridge * p[j];
            h[(j, j)] += self.ridge;
        }
        for j in k..n {
            g[j] += self.lambda * p[j];
            h[(j, j)] += self.lambda;
        }
        (g, h)
    }

    /// Adds the gauge term `1ᶜ1ᶜᵀ/|c|` of every connected piece.
    fn add_gauge(&self, h: &mut DMatrix<f64>) {
        for piece in &self.pieces {
            let share = 1.0 / piece.len() as f64;
            for &i in piece {
                for &j in piece {
                    h[(i, j)] += share;
                }
            }
        }
    }

    /// Centres θ on mean 0 within each piece.
    fn centre(&self, p: &mut DVector<f64>) {
        for piece in &self.pieces {
            let mean = piece.iter().map(|&i| p[i]).sum::<f64>() / piece.len() as f64;
            for &i in piece {
                p[i] -= mean;
            }
        }
    }
}

/// Fits the contextual model and its sandwich covariance.
#[must_use]
pub fn fit_contextual(d: &StyledBattles, config: &ContextualConfig) -> ContextualFit {
    let (k, f) = (d.models.len(), d.features());
    let n_battles = d.len() as f64;
    let (w, lambda) = match config.convention {
        Convention::Standard => (vec![1.0; d.len()], config.penalty),
        Convention::ArenaRank { reweight } => (
            if reweight {
                pair_weights(d)
            } else {
                vec![1.0; d.len()]
            },
            config.penalty * n_battles,
        ),
    };
    let pieces = components(
        k,
        d.a.iter()
            .zip(&d.b)
            .map(|(&a, &b)| (a as usize, b as usize)),
    );
    let problem = Problem {
        d,
        w,
        lambda,
        ridge: config.ridge,
        pieces,
    };
    let mut p = DVector::<f64>::zeros(k + f);
    let mut iterations = 0;
    let mut gradient_norm = f64::INFINITY;
    let mut converged = false;
    let mut value = problem.objective(&p);
    while iterations < config.max_iterations {
        let (g, mut h) = problem.derivatives(&p);
        gradient_norm = g.norm();
        if gradient_norm <= config.tolerance * n_battles.max(1.0) {
            converged = true;
            break;
        }
        problem.add_gauge(&mut h);
        let Some(chol) = h.cholesky() else { break };
        let step = chol.solve(&g);
        let mut t = 1.0;
        let mut moved = false;
        while t > 1e-10 {
            let candidate = &p - &step * t;
            let v = problem.objective(&candidate);
            if v <= value + 1e-12 * value.abs() {
                p = candidate;
                value = v;
                moved = true;
                break;
            }
            t *= 0.5;
        }
        iterations += 1;
        if !moved {
            // No step lowers the objective: at the optimum to machine precision.
            converged = gradient_norm <= 1e-4 * n_battles.max(1.0);
            break;
        }
    }
    problem.centre(&mut p);
    let covariance = sandwich(&problem, &p, config);
    ContextualFit {
        theta: p.rows(0, k).iter().copied().collect(),
        beta: p.rows(k, f).iter().copied().collect(),
        iterations,
        gradient_norm,
        converged,
        covariance,
    }
}

/// The sandwich covariance of (θ, β) at `p`, θ centred within each piece.
fn sandwich(
    problem: &Problem<'_>,
    p: &DVector<f64>,
    config: &ContextualConfig,
) -> Option<DMatrix<f64>> {
    let (k, f) = (problem.k(), problem.f());
    let n = k + f;
    let d = problem.d;
    let battles = d.len() as f64;
    if d.is_empty() {
        return None;
    }
    let mut bread = DMatrix::<f64>::zeros(n, n);
    let mut meat = DMatrix::<f64>::zeros(n, n);
    let mut mean = DVector::<f64>::zeros(n);
    for i in 0..d.len() {
        let z = problem.z(p, i);
        let q = sigmoid(z);
        let r = problem.w[i] * (d.score[i] - q);
        let (a, b) = (d.a[i] as usize, d.b[i] as usize);
        let x = &d.x[i * f..(i + 1) * f];
        add_outer(&mut bread, k, a, b, x, problem.w[i] * q * (1.0 - q));
        add_outer(&mut meat, k, a, b, x, r * r);
        mean[a] += r;
        mean[b] -= r;
        for (j, v) in x.iter().enumerate() {
            mean[k + j] += r * v;
        }
    }
    // The per-battle scores' covariance around their mean.
    mean /= battles;
    meat -= &mean * mean.transpose() * battles;
    match config.convention {
        Convention::Standard => {
            for j in 0..k {
                bread[(j, j)] += problem.ridge;
            }
            for j in k..n {
                bread[(j, j)] += problem.lambda;
            }
        }
        Convention::ArenaRank { .. } => {
            for j in 0..n {
                bread[(j, j)] += 1e-5 * battles;
            }
        }
    }
    problem.add_gauge(&mut bread);
    let chol = bread.cholesky()?;
    let left = chol.solve(&meat);
    let v = chol.solve(&left.transpose());
    // Centre θ within each piece (β is untouched by the gauge).
    let mut gauge = DMatrix::<f64>::identity(n, n);
    for piece in &problem.pieces {
        let share = 1.0 / piece.len() as f64;
        for &i in piece {
            for &j in piece {
                gauge[(i, j)] -= share;
            }
        }
    }
    Some(&gauge * v * gauge.transpose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_features_are_fastchat_ratios_standardised() {
        let x = style_matrix(&[[10.0], [0.0], [5.0]], &[[0.0], [10.0], [5.0]]);
        // Ratios 10/11, -10/11, 0: mean 0, population sd sqrt(2/3)·10/11.
        let sd = (2.0f64 / 3.0).sqrt() * 10.0 / 11.0;
        let expected = [10.0 / 11.0 / sd, -10.0 / 11.0 / sd, 0.0];
        for (got, want) in x.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        // A constant column stays 0.
        assert_eq!(
            style_matrix(&[[1.0], [1.0]], &[[1.0], [1.0]]),
            vec![0.0, 0.0]
        );
    }

    #[test]
    fn without_features_it_is_plain_bradley_terry() {
        use crate::domain::Verdict;
        use crate::rating::{BtConfig, Comparisons, fit};
        let rows = [
            ("a", "b", Verdict::ModelA, 30u64),
            ("a", "b", Verdict::ModelB, 12),
            ("a", "b", Verdict::Tie, 8),
            ("b", "c", Verdict::ModelA, 25),
            ("b", "c", Verdict::ModelB, 20),
            ("a", "c", Verdict::ModelA, 40),
            ("a", "c", Verdict::ModelB, 10),
        ];
        let c = Comparisons::from_counts(rows.iter().map(|&(a, b, v, n)| (a, b, v, n)));
        let plain = fit(&c, &BtConfig::default(), None).beta;
        let mut d = StyledBattles {
            models: c.models().to_vec(),
            ..StyledBattles::default()
        };
        for &(a, b, v, n) in &rows {
            for _ in 0..n {
                d.a.push(c.index_of(a).expect("a") as u32);
                d.b.push(c.index_of(b).expect("b") as u32);
                d.score.push(match v {
                    Verdict::ModelA => 1.0,
                    Verdict::ModelB => 0.0,
                    _ => 0.5,
                });
            }
        }
        let fit = fit_contextual(&d, &ContextualConfig::default());
        assert!(fit.converged);
        for (x, y) in fit.theta.iter().zip(&plain) {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
        // And the sandwich agrees with the plain engine's.
        let cov = crate::rating::sandwich::covariance(
            &c,
            &plain,
            0.0,
            &crate::rating::sandwich::Centre::Chosen(vec![true; 3]),
        )
        .expect("plain covariance");
        let ours = fit.covariance.expect("covariance");
        for i in 0..3 {
            assert!(
                (ours[(i, i)] - cov[(i, i)]).abs() < 1e-6 * cov[(i, i)].max(1e-12),
                "{} vs {}",
                ours[(i, i)],
                cov[(i, i)]
            );
        }
    }
}
