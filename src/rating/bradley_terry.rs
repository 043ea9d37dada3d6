//! Bradley-Terry ratings by maximum likelihood on aggregated pair counts, with the
//! Chatbot Arena conventions: a tie (either kind) is half a win for each side,
//! logistic in base 10, rating = 400·θ + 1000, mean θ = 0.
//!
//! # Solver
//! Newton's method on the log-likelihood with a Cholesky solve of the (negated)
//! Hessian, plus a backtracking line search that never lets the likelihood drop.
//! The problem is small in the number of models (the Hessian is models × models)
//! and cheap in the number of battles (one pass over the pairs per iteration), and
//! the likelihood is concave, so Newton converges quadratically: 5 to 10
//! iterations to a gradient norm of 1e-8 from a cold start, 2 or 3 from the
//! full-data fit as a bootstrap replicate's warm start. First-order methods (the
//! Zermelo/MM iteration, or L-BFGS as the reference implementation uses through
//! scikit-learn) need hundreds of passes for the same tolerance.
//!
//! The likelihood only fixes differences, so the Hessian is singular along
//! "shift every model of a connected piece by the same amount". Adding
//! `1_C 1_Cᵀ / |C|` for each connected piece `C` removes that direction without
//! changing the step (the gradient sums to zero over each piece), and each piece
//! is centred on mean θ = 0.
//!
//! # Edge cases
//! - **A model that won (or lost) every battle** has no finite maximum-likelihood
//!   rating: the likelihood keeps growing as it moves away. A very weak ridge
//!   penalty `λ/2·Σθ²` (λ = 1e-6, natural-log units) stops it where the gradient of
//!   its remaining battles is about λ: in practice 1500 to 2500 points above (below)
//!   the others. Such a rating means "better (worse) than everything it met, by an
//!   unknown margin", and such a row is flagged provisional ([`determined`]).
//!   Because its θ is really ±∞, "mean θ = 0" is taken over the models with a
//!   finite estimate (in ordinary data: all of them), so that a newcomer with two
//!   won battles does not shift everyone else. For models with a finite estimate
//!   the ridge moves ratings by less than 0.01 points with a handful of battles,
//!   and by less than 0.001 with dozens.
//! - **A comparison graph in several pieces**: each piece is fitted and centred
//!   on its own (mean θ = 0 within the piece); ratings in different pieces are not
//!   comparable, since no battle links them.
//! - **A single battle**: the winner is rated above the loser by the ridge-limited
//!   amount (no finite estimate exists, as above); a single tie rates both 1000.
//! - **Zero battles**: every model is rated 1000.

use nalgebra::{DMatrix, DVector};

use super::comparisons::Comparisons;

/// Parameters of the fit. `Default` is the Chatbot Arena convention.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BtConfig {
    /// Rating points per unit of θ in `base` (400).
    pub scale: f64,
    /// Base of the logistic (10).
    pub base: f64,
    /// Rating of θ = 0 (1000).
    pub initial: f64,
    /// Ridge penalty in natural-log units; keeps ratings finite (see the module docs).
    pub ridge: f64,
    /// Stop when the gradient's Euclidean norm is at most this.
    pub tolerance: f64,
    pub max_iterations: usize,
    /// Centre each piece on its models with a finite estimate (true), or leave it
    /// centred on all its models (false: for bootstrap replicates, which are put
    /// on the full fit's gauge afterwards anyway).
    pub center_on_determined: bool,
}

impl Default for BtConfig {
    fn default() -> Self {
        Self {
            scale: 400.0,
            base: 10.0,
            initial: 1000.0,
            ridge: 1e-6,
            tolerance: 1e-8,
            max_iterations: 200,
            center_on_determined: true,
        }
    }
}

impl BtConfig {
    /// Rating points per natural-log unit of strength.
    #[must_use]
    pub fn points_per_nat(&self) -> f64 {
        self.scale / self.base.ln()
    }

    /// Converts natural-log strengths to ratings.
    #[must_use]
    pub fn to_ratings(&self, beta: &[f64]) -> Vec<f64> {
        let k = self.points_per_nat();
        beta.iter().map(|b| self.initial + k * b).collect()
    }
}

/// The result of a fit. `beta` is in natural-log units (θ·ln base), mean 0 within
/// each connected piece of the comparison graph.
#[derive(Debug, Clone, PartialEq)]
pub struct BtFit {
    pub beta: Vec<f64>,
    pub iterations: usize,
    pub gradient_norm: f64,
    pub converged: bool,
}

/// The pair data in flat arrays, for the inner loops.
struct Problem {
    a: Vec<usize>,
    b: Vec<usize>,
    /// Score of `a`: wins + ties / 2.
    score_a: Vec<f64>,
    total: Vec<f64>,
    components: Vec<Vec<usize>>,
    models: usize,
}

impl Problem {
    fn new(c: &Comparisons) -> Self {
        let pairs = c.pairs();
        let models = c.models().len();
        Self {
            a: pairs.iter().map(|p| p.a as usize).collect(),
            b: pairs.iter().map(|p| p.b as usize).collect(),
            score_a: pairs
                .iter()
                .map(|p| p.wins_a as f64 + 0.5 * p.ties as f64)
                .collect(),
            total: pairs.iter().map(|p| p.total() as f64).collect(),
            components: components(models, pairs.iter().map(|p| (p.a as usize, p.b as usize))),
            models,
        }
    }

    /// Penalised log-likelihood.
    fn objective(&self, beta: &[f64], ridge: f64) -> f64 {
        let mut ll = 0.0;
        for k in 0..self.a.len() {
            let d = beta[self.a[k]] - beta[self.b[k]];
            // s_a·log σ(d) + s_b·log σ(-d), with log σ(-d) = log σ(d) - d.
            ll -= self.total[k] * softplus(-d) + (self.total[k] - self.score_a[k]) * d;
        }
        ll - 0.5 * ridge * beta.iter().map(|b| b * b).sum::<f64>()
    }

    /// Gradient (ascent direction) and negated Hessian, with the gauge terms.
    fn derivatives(&self, beta: &[f64], ridge: f64) -> (DVector<f64>, DMatrix<f64>) {
        let m = self.models;
        let mut g = DVector::from_iterator(m, beta.iter().map(|b| -ridge * b));
        let mut h = DMatrix::<f64>::zeros(m, m);
        for k in 0..self.a.len() {
            let (i, j) = (self.a[k], self.b[k]);
            let p = sigmoid(beta[i] - beta[j]);
            let r = self.score_a[k] - self.total[k] * p;
            g[i] += r;
            g[j] -= r;
            let w = self.total[k] * p * (1.0 - p);
            h[(i, i)] += w;
            h[(j, j)] += w;
            h[(i, j)] -= w;
            h[(j, i)] -= w;
        }
        for i in 0..m {
            h[(i, i)] += ridge;
        }
        for comp in &self.components {
            let share = 1.0 / comp.len() as f64;
            for &i in comp {
                for &j in comp {
                    h[(i, j)] += share;
                }
            }
        }
        (g, h)
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// ln(1 + eˣ) without overflow.
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// Connected pieces of the comparison graph (each model alone if it has no battle).
pub(crate) fn components(
    models: usize,
    edges: impl Iterator<Item = (usize, usize)>,
) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..models).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut slot = vec![usize::MAX; models];
    for i in 0..models {
        let r = find(&mut parent, i);
        if slot[r] == usize::MAX {
            slot[r] = groups.len();
            groups.push(Vec::new());
        }
        groups[slot[r]].push(i);
    }
    groups
}

/// Fits Bradley-Terry strengths to `comparisons`, starting from `warm_start`
/// (natural-log units) when given. See the module docs for the method and the
/// edge cases. Never panics and never returns NaN.
#[must_use]
pub fn fit(comparisons: &Comparisons, config: &BtConfig, warm_start: Option<&[f64]>) -> BtFit {
    let problem = Problem::new(comparisons);
    let m = problem.models;
    let mut beta: Vec<f64> = match warm_start {
        Some(w) if w.len() == m && w.iter().all(|x| x.is_finite()) => w.to_vec(),
        _ => vec![0.0; m],
    };
    center(&mut beta, &problem.components);
    if m == 0 {
        return BtFit {
            beta,
            iterations: 0,
            gradient_norm: 0.0,
            converged: true,
        };
    }
    let mut value = problem.objective(&beta, config.ridge);
    let mut iterations = 0;
    let mut gradient_norm = f64::INFINITY;
    while iterations < config.max_iterations {
        let (g, h) = problem.derivatives(&beta, config.ridge);
        gradient_norm = g.norm();
        if gradient_norm <= config.tolerance {
            break;
        }
        iterations += 1;
        let step = match h.cholesky() {
            Some(ch) => ch.solve(&g),
            // Numerically indefinite (extreme counts): fall back to a scaled gradient step.
            None => &g / (1.0 + g.amax()),
        };
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..40 {
            let trial: Vec<f64> = beta
                .iter()
                .zip(step.iter())
                .map(|(b, s)| b + t * s)
                .collect();
            let v = problem.objective(&trial, config.ridge);
            if v.is_finite() && v >= value - 1e-12 * value.abs().max(1.0) {
                beta = trial;
                value = v;
                improved = true;
                break;
            }
            t *= 0.5;
        }
        if !improved {
            // No step improves the objective in floating point: as converged as it gets.
            break;
        }
    }
    if config.center_on_determined {
        let finite = determined(comparisons);
        center_on(&mut beta, &problem.components, &finite);
    }
    BtFit {
        converged: gradient_norm <= config.tolerance,
        beta,
        iterations,
        gradient_norm,
    }
}

/// The relative residual to which [`fit_near`] solves each Newton step.
pub const NEAR_RESIDUAL: f64 = 1e-4;

/// A step of [`fit_near`], solved to [`NEAR_RESIDUAL`], that moves no strength
/// by more than this (natural-log units) is its last.
pub const NEAR_STEP: f64 = 1e-6;

/// The curvature of the likelihood at a fit, factored once and reused as the
/// fixed Newton matrix for many nearby problems (bootstrap replicates).
pub struct Curvature {
    factor: nalgebra::Cholesky<f64, nalgebra::Dyn>,
}

impl Curvature {
    /// The factored negated Hessian (with the gauge terms) of `comparisons` at
    /// `beta`; `None` if it is numerically indefinite.
    #[must_use]
    pub fn at(comparisons: &Comparisons, config: &BtConfig, beta: &[f64]) -> Option<Self> {
        let problem = Problem::new(comparisons);
        if beta.len() != problem.models {
            return None;
        }
        let (_, h) = problem.derivatives(beta, config.ridge);
        h.cholesky().map(|factor| Self { factor })
    }
}

/// Fits a problem close to one already solved, such as a bootstrap replicate of
/// it, starting from that solution `start`. Each Newton step is solved by
/// conjugate gradients preconditioned with the original problem's factored
/// `curvature`: one pass over the pairs (with the exponentials) per Newton step,
/// and per CG step only a cheap Hessian-vector product and two triangular solves,
/// with no new factorisation. While the two problems are close the preconditioned
/// system is nearly the identity and CG needs a few steps. When a Newton step
/// does not shrink the gradient (as when a model of the replicate has no finite
/// estimate), it finishes with [`fit`].
///
/// # Stopping
/// Each step is solved to a relative residual of [`NEAR_RESIDUAL`] (a few CG
/// steps, cheap next to a pass with exponentials). The fit stops when the
/// gradient's norm is within `config.tolerance`, or right after a step that
/// was solved to that accuracy and moved no strength by more than
/// [`NEAR_STEP`]: a Newton step estimates the distance to the optimum, so what
/// is left after it is about `NEAR_RESIDUAL · NEAR_STEP` plus a term in the
/// step's square, about 10⁻¹⁰ natural-log units (2·10⁻⁸ rating points). That
/// saves the pass that would only confirm it, and the slow, linear tail that
/// looser solves give (three or four passes per replicate instead of six). The
/// returned `gradient_norm` is the last one measured, before the final step.
#[must_use]
pub fn fit_near(
    comparisons: &Comparisons,
    config: &BtConfig,
    start: &[f64],
    curvature: &Curvature,
) -> BtFit {
    let problem = Problem::new(comparisons);
    let m = problem.models;
    if start.len() != m || curvature.factor.l_dirty().nrows() != m {
        return fit(comparisons, config, Some(start));
    }
    let mut beta = start.to_vec();
    center(&mut beta, &problem.components);
    let mut weights = vec![0.0; problem.a.len()];
    let mut previous = f64::INFINITY;
    let finish = |mut beta: Vec<f64>, iterations: usize, gradient_norm: f64| {
        if config.center_on_determined {
            let finite = determined(comparisons);
            center_on(&mut beta, &problem.components, &finite);
        }
        BtFit {
            beta,
            iterations,
            gradient_norm,
            converged: true,
        }
    };
    for iterations in 0..config.max_iterations {
        // Gradient and pair weights n·σ·(1-σ) in one pass.
        let mut g = DVector::from_iterator(m, beta.iter().map(|b| -config.ridge * b));
        for (k, weight) in weights.iter_mut().enumerate() {
            let (i, j) = (problem.a[k], problem.b[k]);
            let p = sigmoid(beta[i] - beta[j]);
            let r = problem.score_a[k] - problem.total[k] * p;
            g[i] += r;
            g[j] -= r;
            *weight = problem.total[k] * p * (1.0 - p);
        }
        let norm = g.norm();
        if norm <= config.tolerance {
            return finish(beta, iterations, norm);
        }
        if !norm.is_finite() || norm > 0.5 * previous {
            break;
        }
        previous = norm;
        let hessian_times = |v: &DVector<f64>| -> DVector<f64> {
            let mut out = v * config.ridge;
            for (k, weight) in weights.iter().enumerate() {
                let (i, j) = (problem.a[k], problem.b[k]);
                let d = weight * (v[i] - v[j]);
                out[i] += d;
                out[j] -= d;
            }
            for comp in &problem.components {
                let mean = comp.iter().map(|&i| v[i]).sum::<f64>() / comp.len() as f64;
                for &i in comp {
                    out[i] += mean;
                }
            }
            out
        };
        // Solve H·step = g to a relative residual of min(NEAR_RESIDUAL, ‖g‖):
        // Newton's convergence stays superlinear.
        let target = norm * norm.min(NEAR_RESIDUAL);
        let mut step = DVector::<f64>::zeros(m);
        let mut r = g.clone();
        let mut z = curvature.factor.solve(&r);
        let mut dir = z.clone();
        let mut rz = r.dot(&z);
        let mut solved = false;
        for _ in 0..m.max(10) {
            let hd = hessian_times(&dir);
            let curv = dir.dot(&hd);
            if curv <= 0.0 || !curv.is_finite() {
                break;
            }
            let alpha = rz / curv;
            step.axpy(alpha, &dir, 1.0);
            r.axpy(-alpha, &hd, 1.0);
            if r.norm() <= target {
                solved = true;
                break;
            }
            z = curvature.factor.solve(&r);
            let rz_next = r.dot(&z);
            dir = &z + &dir * (rz_next / rz);
            rz = rz_next;
        }
        for (b, s) in beta.iter_mut().zip(step.iter()) {
            *b += s;
        }
        if solved && step.amax() <= NEAR_STEP {
            return finish(beta, iterations + 1, norm);
        }
    }
    fit(comparisons, config, Some(&beta))
}

/// Shifts each connected piece to mean 0.
fn center(beta: &mut [f64], components: &[Vec<usize>]) {
    center_on(beta, components, &vec![true; beta.len()]);
}

/// Shifts each connected piece so that its `chosen` members have mean 0
/// (all members, when none is).
fn center_on(beta: &mut [f64], components: &[Vec<usize>], chosen: &[bool]) {
    for comp in components {
        let mut members: Vec<usize> = comp.iter().copied().filter(|&i| chosen[i]).collect();
        if members.is_empty() {
            members.clone_from(comp);
        }
        let mean = members.iter().map(|&i| beta[i]).sum::<f64>() / members.len() as f64;
        for &i in comp {
            beta[i] -= mean;
        }
    }
}

/// Which models have a finite maximum-likelihood rating relative to the main
/// group of their piece of the comparison graph: those in the largest strongly
/// connected component of the "scored at least half a win against" graph within
/// their piece. A model outside it won (or lost) every battle against that group,
/// so its rating is only limited by the ridge: it is provisional.
#[must_use]
pub fn determined(c: &Comparisons) -> Vec<bool> {
    let m = c.models().len();
    let mut out_edges = vec![Vec::new(); m];
    let mut in_edges = vec![Vec::new(); m];
    for p in c.pairs() {
        let (a, b) = (p.a as usize, p.b as usize);
        if p.wins_a + p.ties > 0 {
            out_edges[a].push(b);
            in_edges[b].push(a);
        }
        if p.wins_b + p.ties > 0 {
            out_edges[b].push(a);
            in_edges[a].push(b);
        }
    }
    // Kosaraju: finishing order on the graph, then components on its transpose.
    let mut seen = vec![false; m];
    let mut order = Vec::with_capacity(m);
    for start in 0..m {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![(start, 0usize)];
        while let Some((node, next)) = stack.pop() {
            if let Some(&to) = out_edges[node].get(next) {
                stack.push((node, next + 1));
                if !seen[to] {
                    seen[to] = true;
                    stack.push((to, 0));
                }
            } else {
                order.push(node);
            }
        }
    }
    let mut scc = vec![usize::MAX; m];
    let mut sizes = Vec::new();
    for &start in order.iter().rev() {
        if scc[start] != usize::MAX {
            continue;
        }
        let id = sizes.len();
        sizes.push(0usize);
        scc[start] = id;
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            sizes[id] += 1;
            for &from in &in_edges[node] {
                if scc[from] == usize::MAX {
                    scc[from] = id;
                    stack.push(from);
                }
            }
        }
    }
    let mut out = vec![false; m];
    for piece in components(m, c.pairs().iter().map(|p| (p.a as usize, p.b as usize))) {
        let main = piece
            .iter()
            .map(|&i| scc[i])
            .max_by_key(|&k| (sizes[k], usize::MAX - k));
        for &i in &piece {
            out[i] = piece.len() > 1 && Some(scc[i]) == main && sizes[scc[i]] > 1;
        }
    }
    out
}

/// Predicted probability that model `i` beats model `j` given strengths `beta`
/// (natural-log units).
#[must_use]
pub fn win_probability(beta: &[f64], i: usize, j: usize) -> f64 {
    sigmoid(beta[i] - beta[j])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;

    fn ratings(c: &Comparisons) -> Vec<f64> {
        let cfg = BtConfig::default();
        let f = fit(c, &cfg, None);
        assert!(f.converged, "{f:?}");
        cfg.to_ratings(&f.beta)
    }

    #[test]
    fn two_models_differ_by_400_log10_of_the_win_ratio() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 30),
            ("a", "b", Verdict::ModelB, 10),
        ]);
        let r = ratings(&c);
        let expected = 400.0 * 3f64.log10();
        assert!((r[0] - r[1] - expected).abs() < 1e-4, "{r:?}");
        assert!((r[0] + r[1] - 2000.0).abs() < 1e-9);
    }

    #[test]
    fn ties_count_half_a_win() {
        // 3 wins and 2 ties against 1 win: scores 4 : 2.
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 3),
            ("a", "b", Verdict::Tie, 1),
            ("a", "b", Verdict::TieBothBad, 1),
            ("a", "b", Verdict::ModelB, 1),
        ]);
        let r = ratings(&c);
        assert!((r[0] - r[1] - 400.0 * 2f64.log10()).abs() < 1e-4, "{r:?}");
    }

    #[test]
    fn three_models_on_a_path_match_the_pairwise_ratios() {
        // x beats y 3:1, z beats x 3:1, no y-z battles: the tree fixes each difference.
        let c = Comparisons::from_counts([
            ("x", "y", Verdict::ModelA, 3),
            ("x", "y", Verdict::ModelB, 1),
            ("z", "x", Verdict::ModelA, 3),
            ("z", "x", Verdict::ModelB, 1),
        ]);
        let r = ratings(&c);
        let d = 400.0 * 3f64.log10();
        // With 4 battles a pair, the 1e-6 ridge moves ratings by ~2.5e-4 points.
        assert!((r[0] - 1000.0).abs() < 1e-3, "{r:?}");
        assert!((r[1] - (1000.0 - d)).abs() < 1e-3, "{r:?}");
        assert!((r[2] - (1000.0 + d)).abs() < 1e-3, "{r:?}");
    }

    #[test]
    fn edge_cases_give_finite_ratings() {
        let cfg = BtConfig::default();
        // Zero battles.
        let empty = Comparisons::default();
        assert!(fit(&empty, &cfg, None).beta.is_empty());
        // A single battle.
        let one = Comparisons::from_counts([("a", "b", Verdict::ModelA, 1)]);
        let r = cfg.to_ratings(&fit(&one, &cfg, None).beta);
        assert!(
            r.iter().all(|x| x.is_finite()) && r[0] > r[1] + 1000.0,
            "{r:?}"
        );
        // A single tie.
        let tie = Comparisons::from_counts([("a", "b", Verdict::Tie, 1)]);
        let r = cfg.to_ratings(&fit(&tie, &cfg, None).beta);
        assert!(r.iter().all(|x| (x - 1000.0).abs() < 1e-9), "{r:?}");
        // A model that won everything, and two disconnected pieces.
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 5),
            ("b", "c", Verdict::ModelA, 3),
            ("b", "c", Verdict::ModelB, 2),
            ("p", "q", Verdict::ModelA, 2),
            ("p", "q", Verdict::ModelB, 2),
        ]);
        let f = fit(&c, &cfg, None);
        let r = cfg.to_ratings(&f.beta);
        assert!(r.iter().all(|x| x.is_finite()), "{r:?}");
        assert!(r[0] > r[1] + 1000.0, "{r:?}");
        assert!(
            (r[3] - 1000.0).abs() < 1e-6 && (r[4] - 1000.0).abs() < 1e-6,
            "{r:?}"
        );
        // a has no finite estimate: the piece is centred on b and c.
        assert!(((r[1] + r[2]) / 2.0 - 1000.0).abs() < 1e-6, "{r:?}");
    }

    #[test]
    fn models_that_won_or_lost_everything_are_not_determined() {
        let c = Comparisons::from_counts([
            ("top", "m1", Verdict::ModelA, 3),
            ("m1", "m2", Verdict::ModelA, 2),
            ("m2", "m1", Verdict::ModelA, 1),
            ("m2", "m3", Verdict::Tie, 1),
            ("m3", "bottom", Verdict::ModelA, 4),
            ("p", "q", Verdict::ModelA, 1),
            ("r", "s", Verdict::Tie, 1),
        ]);
        // top never lost; bottom never scored; p-q is one decisive battle; r-s tied.
        assert_eq!(
            determined(&c),
            vec![false, true, true, true, false, false, false, true, true]
        );
        assert!(determined(&Comparisons::default()).is_empty());
    }

    #[test]
    fn warm_start_reaches_the_same_optimum_faster() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 40),
            ("a", "b", Verdict::ModelB, 25),
            ("b", "c", Verdict::ModelA, 33),
            ("b", "c", Verdict::ModelB, 30),
            ("a", "c", Verdict::Tie, 12),
            ("a", "c", Verdict::ModelA, 20),
            ("a", "c", Verdict::ModelB, 9),
        ]);
        let cfg = BtConfig::default();
        let cold = fit(&c, &cfg, None);
        let warm = fit(&c, &cfg, Some(&cold.beta));
        assert!(warm.iterations <= 1 && warm.converged);
        for (x, y) in cold.beta.iter().zip(&warm.beta) {
            assert!((x - y).abs() < 1e-9);
        }
    }

    #[test]
    fn a_fit_near_a_solution_matches_a_fit_from_scratch() {
        use crate::rating::bootstrap::replicate_rng;
        use crate::rating::resample::Resampler;
        use crate::rating::synthetic::SyntheticArena;
        let cfg = BtConfig {
            center_on_determined: false,
            ..BtConfig::default()
        };
        // Dense data (every pair, hundreds of battles each), as in the
        // bootstrap benchmark, and sparse data where a replicate can leave a
        // model winning every battle it has (the fallback to `fit`). The bound
        // is what the cold fit's own gradient tolerance allows: with few
        // battles the curvature is small and 1e-8 of gradient is more strength.
        for (models, battles, bound) in [(30, 400_000, 1e-9), (12, 150, 1e-7)] {
            let c = SyntheticArena::new(models, 300.0, 0.2, 5).counts(battles);
            let full = fit(&c, &cfg, None).beta;
            let curvature = Curvature::at(&c, &cfg, &full).expect("positive definite");
            let resampler = Resampler::new(&c);
            for round in 0..20 {
                let sample = c.with_pairs(resampler.draw(&c, &mut replicate_rng(3, round)));
                let near = fit_near(&sample, &cfg, &full, &curvature);
                let cold = fit(&sample, &cfg, None);
                assert!(near.converged && cold.converged);
                // Compare determined models only: a model with no finite
                // estimate sits wherever the ridge and the tolerance let it.
                let finite = determined(&sample);
                let shift = |b: &[f64]| {
                    let kept: Vec<f64> = (0..models).filter(|&i| finite[i]).map(|i| b[i]).collect();
                    kept.iter().sum::<f64>() / kept.len() as f64
                };
                let (sn, sc) = (shift(&near.beta), shift(&cold.beta));
                for i in (0..models).filter(|&i| finite[i]) {
                    let gap = (near.beta[i] - sn - (cold.beta[i] - sc)).abs();
                    assert!(
                        gap < bound,
                        "{models} models, round {round}, model {i}: {gap:e}"
                    );
                }
            }
        }
    }
}
