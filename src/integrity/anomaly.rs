//! Anomalous voters: a sequential likelihood-ratio test per voter, in the
//! spirit of Chiang et al. (2024, §5).
//!
//! The null hypothesis is an honest voter: each verdict follows the crowd's
//! fitted Bradley-Terry model, `P(a beats b) = σ(βa − βb)`, with ties at the
//! crowd's tie rate τ (win `p(1−τ)`, tie `τ`, loss `(1−p)(1−τ)`). The
//! alternative, for each model `t`, is a voter who pushes `t`: whenever `t` is
//! in the battle it wins with probability `1−ε`, ties `ε/2`, loses `ε/2`.
//! A voter's score is the largest cumulative log-likelihood ratio over the
//! candidate targets, `maxₜ Σ log(P₁(o)/P₀(o))` over the votes in which `t`
//! appears. Votes without `t` say nothing about pushing `t`.
//!
//! By Wald's bound an honest voter's log-LR for one target exceeds `c` with
//! probability at most `e^{-c}`; scanning `K` targets multiplies that by `K`.
//! The default threshold 12 gives at most `K·6e-6` per voter (under 0.1% with
//! 200 models). `tests` measure the false-positive rate and the power on
//! simulated voters.

use std::collections::HashMap;

/// One counted vote of a voter: the two models (indices into the fit) and
/// the score of `a` (1 win, 0 loss, 0.5 tie).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredVote {
    pub a: usize,
    pub b: usize,
    pub score_a: f64,
}

/// A voter's anomaly score and the model it points at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anomaly {
    pub score: f64,
    pub target: usize,
    pub votes: usize,
}

/// The pusher's error rate ε: even a determined pusher misclicks.
const EPSILON: f64 = 0.05;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The voter's largest log-likelihood ratio over every target model.
///
/// `beta` are the crowd's Bradley-Terry strengths (natural-log scale), `tie`
/// the crowd's share of ties.
#[must_use]
pub fn score(votes: &[ScoredVote], beta: &[f64], tie: f64) -> Option<Anomaly> {
    let tie = tie.clamp(0.01, 0.9);
    let mut llr: HashMap<usize, f64> = HashMap::new();
    for v in votes {
        let (Some(&ba), Some(&bb)) = (beta.get(v.a), beta.get(v.b)) else {
            continue;
        };
        let p_a = sigmoid(ba - bb);
        for (target, p_target, target_score) in
            [(v.a, p_a, v.score_a), (v.b, 1.0 - p_a, 1.0 - v.score_a)]
        {
            let (p0, p1) = if target_score > 0.75 {
                (p_target * (1.0 - tie), 1.0 - EPSILON)
            } else if target_score < 0.25 {
                ((1.0 - p_target) * (1.0 - tie), EPSILON / 2.0)
            } else {
                (tie, EPSILON / 2.0)
            };
            *llr.entry(target).or_default() += (p1 / p0.max(1e-12)).ln();
        }
    }
    llr.into_iter()
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(target, score)| Anomaly {
            score,
            target,
            votes: votes.len(),
        })
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngExt, SeedableRng};

    use super::*;

    /// A known crowd: `k` models with strengths spread over 3 natural-log units.
    fn crowd(k: usize) -> Vec<f64> {
        (0..k)
            .map(|i| 3.0 * i as f64 / (k - 1) as f64 - 1.5)
            .collect()
    }

    fn pair(rng: &mut impl Rng, k: usize) -> (usize, usize) {
        let a = rng.random_range(0..k);
        let mut b = rng.random_range(0..k - 1);
        if b >= a {
            b += 1;
        }
        (a, b)
    }

    fn honest(rng: &mut impl Rng, beta: &[f64], tie: f64, n: usize) -> Vec<ScoredVote> {
        (0..n)
            .map(|_| {
                let (a, b) = pair(rng, beta.len());
                let u: f64 = rng.random();
                let score_a = if u < tie {
                    0.5
                } else if rng.random::<f64>() < sigmoid(beta[a] - beta[b]) {
                    1.0
                } else {
                    0.0
                };
                ScoredVote { a, b, score_a }
            })
            .collect()
    }

    fn pusher(
        rng: &mut impl Rng,
        beta: &[f64],
        tie: f64,
        n: usize,
        target: usize,
    ) -> Vec<ScoredVote> {
        honest(rng, beta, tie, n)
            .into_iter()
            .map(|mut v| {
                if v.a == target {
                    v.score_a = 1.0;
                } else if v.b == target {
                    v.score_a = 0.0;
                }
                v
            })
            .collect()
    }

    #[test]
    fn honest_voters_are_rarely_flagged_and_pushers_are_caught() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let (k, tie, threshold) = (10, 0.2, 12.0);
        let beta = crowd(k);
        let trials = 2000;
        let flagged_honest = (0..trials)
            .filter(|_| {
                let votes = honest(&mut rng, &beta, tie, 200);
                score(&votes, &beta, tie).is_some_and(|a| a.score > threshold)
            })
            .count();
        let fpr = flagged_honest as f64 / trials as f64;
        // Pushing the weakest model is the attack that moves a board most.
        let caught: Vec<bool> = (0..trials)
            .map(|_| {
                let votes = pusher(&mut rng, &beta, tie, 200, 0);
                score(&votes, &beta, tie).is_some_and(|a| a.score > threshold && a.target == 0)
            })
            .collect();
        let power = caught.iter().filter(|c| **c).count() as f64 / trials as f64;
        // A middle-of-the-board target is harder to tell apart from honesty.
        let middle = (0..trials)
            .filter(|_| {
                let votes = pusher(&mut rng, &beta, tie, 200, k / 2);
                score(&votes, &beta, tie).is_some_and(|a| a.score > threshold)
            })
            .count() as f64
            / trials as f64;
        println!(
            "anomaly test, {k} models, 200 votes per voter, {trials} voters each: \
             false positives {fpr:.4}, power (weakest target) {power:.3}, power (middle target) {middle:.3}"
        );
        assert!(fpr <= 0.005, "false-positive rate {fpr}");
        assert!(power >= 0.95, "power {power}");
    }

    #[test]
    fn a_voter_with_no_votes_has_no_score() {
        assert_eq!(score(&[], &[0.0, 1.0], 0.2), None);
    }
}
