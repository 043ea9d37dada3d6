//! The draw of a bootstrap replicate: the N battles resampled with
//! replacement, which on aggregated counts is one Multinomial(N, n/N) draw
//! over the (pair, outcome) cells, drawn exactly but without a chain of
//! binomials whose parameters change at every cell.
//!
//! 1. Each cell draws Poisson(nᵢ), its own observed count. Given their sum
//!    S, independent Poisson counts are Multinomial(S, n/N): the right cell
//!    probabilities, with a random total.
//! 2. The total is then set to N. When S < N, N − S more battles are drawn
//!    from the cells with probabilities n/N (an alias table): the sum of two
//!    independent multinomials with the same probabilities is the
//!    multinomial of the summed totals. When S > N, S − N of the S drawn
//!    battles are removed uniformly at random without replacement (a tree of
//!    the counts): N battles taken at random from S independent draws are N
//!    independent draws. Either way the result is exactly
//!    Multinomial(N, n/N), whatever S was. |S − N| is about √N: a thousand
//!    corrections for a million battles.
//!
//! The Poisson samplers (one per cell, from `rand_distr`) are set up once for
//! all replicates, as the cells' counts do not change; the chain of
//! conditional binomials had to set up a new binomial at every cell of every
//! replicate.

use rand_distr::weighted::{WeightedAliasIndex, WeightedTreeIndex};
use rand_distr::{Distribution, Poisson};

use super::comparisons::{Comparisons, PairCount};

/// Draws bootstrap replicates of one set of comparisons.
pub struct Resampler {
    /// Each observed cell's Poisson sampler, three per pair (A wins, B wins,
    /// ties); `None` for a cell with no battle, which stays empty.
    poisson: Vec<Option<Poisson<f64>>>,
    /// The cells by observed count, for battles added to a short draw.
    alias: Option<WeightedAliasIndex<u64>>,
    battles: u64,
}

impl Resampler {
    /// The sampler of `c`'s replicates.
    #[must_use]
    pub fn new(c: &Comparisons) -> Self {
        let cells: Vec<u64> = c
            .pairs()
            .iter()
            .flat_map(|p| [p.wins_a, p.wins_b, p.ties])
            .collect();
        // Counts are positive and finite, so `Poisson::new` accepts them.
        let poisson = cells
            .iter()
            .map(|&n| (n > 0).then(|| Poisson::new(n as f64).ok()).flatten())
            .collect();
        Self {
            poisson,
            alias: WeightedAliasIndex::new(cells).ok(),
            battles: c.battles(),
        }
    }

    /// One replicate: the pairs with their resampled counts, N battles in
    /// all, each drawn from an observed cell. Pairs left without a battle
    /// are dropped.
    #[must_use]
    pub fn draw<R: rand::Rng + ?Sized>(&self, c: &Comparisons, rng: &mut R) -> Vec<PairCount> {
        let mut counts: Vec<u64> = self
            .poisson
            .iter()
            .map(|p| p.as_ref().map_or(0, |p| poisson_count(p.sample(rng))))
            .collect();
        let drawn: u64 = counts.iter().sum();
        if drawn < self.battles
            && let Some(alias) = &self.alias
        {
            for _ in drawn..self.battles {
                counts[alias.sample(rng)] += 1;
            }
        } else if drawn > self.battles {
            remove_at_random(&mut counts, drawn - self.battles, rng);
        }
        c.pairs()
            .iter()
            .zip(counts.chunks_exact(3))
            .filter(|(_, n)| n.iter().sum::<u64>() > 0)
            .map(|(p, n)| PairCount {
                a: p.a,
                b: p.b,
                wins_a: n[0],
                wins_b: n[1],
                ties: n[2],
            })
            .collect()
    }
}

/// A Poisson draw as a count (`rand_distr` returns a whole, finite,
/// non-negative float).
fn poisson_count(x: f64) -> u64 {
    // Saturating: a float above u64::MAX (impossible for these means)
    // becomes u64::MAX rather than wrapping.
    x as u64
}

/// Removes `k` of the battles counted in `counts`, each drawn uniformly from
/// those left (a sum tree: each removal is a walk down it).
fn remove_at_random<R: rand::Rng + ?Sized>(counts: &mut [u64], k: u64, rng: &mut R) {
    let Ok(mut tree) = WeightedTreeIndex::<u64>::new(counts.iter().copied()) else {
        // Counts are non-negative and their sum fits (it is about N).
        return;
    };
    for _ in 0..k {
        let Ok(cell) = tree.try_sample(rng) else {
            return;
        };
        counts[cell] -= 1;
        if tree.update(cell, counts[cell]).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::domain::Verdict;
    use crate::rating::bootstrap::ReplicateRng;

    /// Pairs of model 0 with models 1, 2, ..., with (A wins, B wins, ties).
    fn comparisons(cells: &[(u64, u64, u64)]) -> Comparisons {
        let names: Vec<String> = (0..=cells.len()).map(|i| format!("m{i}")).collect();
        let mut rows = Vec::new();
        for (k, &(a, b, t)) in cells.iter().enumerate() {
            for (verdict, n) in [
                (Verdict::ModelA, a),
                (Verdict::ModelB, b),
                (Verdict::Tie, t),
            ] {
                if n > 0 {
                    rows.push((names[0].as_str(), names[k + 1].as_str(), verdict, n));
                }
            }
        }
        Comparisons::from_counts(rows)
    }

    /// A chi-square test of `draws` draws against the exact Binomial(n, p)
    /// probabilities (statrs): bins of expected count ≥ 5, the tails lumped.
    /// Returns the statistic and its 99.9 % point.
    fn chi_square(n: u64, p: f64, draws: usize, draw: &mut dyn FnMut() -> u64) -> (f64, f64) {
        use statrs::distribution::{Binomial as Exact, ChiSquared, ContinuousCDF, Discrete};
        let exact = Exact::new(p, n).expect("binomial");
        let mut seen = vec![0u64; usize::try_from(n).expect("n") + 1];
        for _ in 0..draws {
            let k = draw();
            assert!(k <= n);
            seen[usize::try_from(k).expect("k")] += 1;
        }
        // Bins: a lower tail, every k with an expected count of 5 or more,
        // an upper tail.
        let expected = |k: u64| exact.pmf(k) * draws as f64;
        let lo = (0..=n)
            .find(|&k| expected(k) >= 5.0)
            .expect("a central bin");
        let hi = (0..=n)
            .rev()
            .find(|&k| expected(k) >= 5.0)
            .expect("a central bin");
        let mut bins: Vec<(f64, f64)> = Vec::new();
        let tail = |range: std::ops::Range<u64>| {
            range.fold((0.0, 0.0), |(e, o), k| {
                (e + expected(k), o + seen[k as usize] as f64)
            })
        };
        bins.push(tail(0..lo));
        for k in lo..=hi {
            bins.push((expected(k), seen[k as usize] as f64));
        }
        bins.push(tail(hi + 1..n + 1));
        let bins: Vec<(f64, f64)> = bins.into_iter().filter(|(e, _)| *e > 0.0).collect();
        let stat: f64 = bins.iter().map(|(e, o)| (o - e).powi(2) / e).sum();
        let limit = ChiSquared::new((bins.len() - 1) as f64)
            .expect("chi-square")
            .inverse_cdf(0.999);
        (stat, limit)
    }

    /// Each cell of a Multinomial(N, p) is Binomial(N, pᵢ): the counts of
    /// every cell over many draws pass a chi-square test against those
    /// probabilities, for small counts (the Poisson draws' corrections are
    /// large against them) and large ones. Pairs of cells have the
    /// multinomial's covariance, -N·pᵢ·pⱼ. Poisson counts left uncorrected,
    /// or corrected by taking from the largest cell, fail this.
    #[test]
    fn draws_follow_the_multinomial() {
        for cells in [
            vec![(1, 2, 0), (3, 0, 4)],
            vec![(400, 250, 350), (20, 0, 80), (900, 1000, 0)],
        ] {
            let c = comparisons(&cells);
            let resampler = Resampler::new(&c);
            let observed: Vec<u64> = cells
                .iter()
                .flat_map(|&(a, b, t)| [a, b, t])
                .filter(|&n| n > 0)
                .collect();
            let n = c.battles();
            let mut rng = ReplicateRng::seed_from_u64(17);
            let rounds = 40_000;
            let mut samples: Vec<Vec<u64>> = vec![Vec::with_capacity(rounds); observed.len()];
            for _ in 0..rounds {
                let draw = resampler.draw(&c, &mut rng);
                let mut cells_of_draw = Vec::new();
                for q in c.pairs() {
                    let p = draw.iter().find(|p| (p.a, p.b) == (q.a, q.b));
                    let got = p.map_or([0, 0, 0], |p| [p.wins_a, p.wins_b, p.ties]);
                    for (k, seen) in [q.wins_a, q.wins_b, q.ties].into_iter().enumerate() {
                        if seen > 0 {
                            cells_of_draw.push(got[k]);
                        }
                    }
                }
                for (s, x) in samples.iter_mut().zip(cells_of_draw) {
                    s.push(x);
                }
            }
            for (cell, (&seen, s)) in observed.iter().zip(&samples).enumerate() {
                let p = seen as f64 / n as f64;
                let mut it = s.iter();
                let (stat, critical) = chi_square(n, p, rounds, &mut || *it.next().unwrap_or(&0));
                assert!(
                    stat < critical,
                    "cells {cells:?}, cell {cell}: chi-square {stat:.1} >= {critical:.1}"
                );
            }
            // The covariance of the first two cells, against -N·p₀·p₁, within
            // five standard errors of its estimate.
            let (p0, p1) = (observed[0] as f64 / n as f64, observed[1] as f64 / n as f64);
            let mean = |s: &[u64]| s.iter().sum::<u64>() as f64 / rounds as f64;
            let (m0, m1) = (mean(&samples[0]), mean(&samples[1]));
            let cov = samples[0]
                .iter()
                .zip(&samples[1])
                .map(|(&x, &y)| (x as f64 - m0) * (y as f64 - m1))
                .sum::<f64>()
                / (rounds as f64 - 1.0);
            let expected = -(n as f64) * p0 * p1;
            let (v0, v1) = (n as f64 * p0 * (1.0 - p0), n as f64 * p1 * (1.0 - p1));
            let se = ((v0 * v1 + expected * expected) / rounds as f64).sqrt();
            assert!(
                (cov - expected).abs() < 5.0 * se,
                "cells {cells:?}: covariance {cov:.3}, expected {expected:.3} (se {se:.3})"
            );
        }
    }
}
