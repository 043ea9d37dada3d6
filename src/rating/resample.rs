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
//! # The Poisson draws
//! Counts are whole numbers, and many cells share one: a million battles
//! over 100 models make 14,850 cells but a few hundred distinct counts. So
//! each distinct count n gets, once for all replicates, the table of the
//! Poisson(n) distribution function over n ± (12√n + 10) (statrs' exact
//! probabilities), with a guide table (Chen and Asau's indexed search): a
//! draw is one uniform, a look-up and one or two comparisons, by inversion.
//! The mass left outside that range is below 10⁻²⁵, far below the 2⁻⁵³
//! steps of the uniform, so the table's last entry is set to 1: the draw is
//! exact to the uniform's resolution, as any floating-point sampler is.
//! Counts above [`MAX_TABULATED`] (whose probabilities statrs computes less
//! precisely, from large cancelling logarithms) and counts past the tables'
//! budget ([`TABLE_ENTRIES`]) draw from `rand_distr`'s Poisson sampler,
//! set up once per cell.

use std::collections::HashMap;

use rand::RngExt;
use rand_distr::weighted::{WeightedAliasIndex, WeightedTreeIndex};
use rand_distr::{Distribution, Poisson};
use statrs::distribution::{Discrete, DiscreteCDF};

use super::comparisons::{Comparisons, PairCount};

/// The largest count drawn from a table.
pub const MAX_TABULATED: u64 = 100_000;

/// Entries all the tables of one sampler hold at most (12 bytes each).
pub const TABLE_ENTRIES: usize = 1 << 20;

/// How one cell draws its Poisson count.
enum CellDraw {
    /// No battle observed: the cell stays empty.
    Empty,
    /// By inversion, from the table of its count (an index into `tables`).
    Table(usize),
    /// From `rand_distr`.
    Sampler(Poisson<f64>),
}

/// Poisson(n) by inversion of its tabulated distribution function.
struct Inversion {
    lo: u64,
    /// `cdf[i]` = P(X ≤ lo + i); the last entry is 1.
    cdf: Vec<f64>,
    /// `guide[j]`: the first `i` with `cdf[i] > j / guide.len()`.
    guide: Vec<u32>,
}

impl Inversion {
    /// The range tabulated for `n`.
    fn range(n: u64) -> (u64, u64) {
        let mean = n as f64;
        let spread = 12.0 * mean.sqrt() + 10.0;
        // Non-negative and finite for every count up to `MAX_TABULATED`.
        let lo = (mean - spread).floor().max(0.0) as u64;
        let hi = (mean + spread).ceil() as u64;
        (lo, hi)
    }

    fn new(n: u64) -> Option<Self> {
        let law = statrs::distribution::Poisson::new(n as f64).ok()?;
        let (lo, hi) = Self::range(n);
        let mut total = if lo == 0 { 0.0 } else { law.cdf(lo - 1) };
        let mut cdf: Vec<f64> = (lo..=hi)
            .map(|k| {
                total += law.pmf(k);
                total
            })
            .collect();
        *cdf.last_mut()? = 1.0;
        let size = cdf.len();
        let mut guide = Vec::with_capacity(size);
        let mut i = 0usize;
        for j in 0..size {
            let level = j as f64 / size as f64;
            // Stops at the last entry at the latest: it is 1 > level.
            while cdf.get(i).is_some_and(|&c| c <= level) && i + 1 < size {
                i += 1;
            }
            guide.push(u32::try_from(i).ok()?);
        }
        Some(Self { lo, cdf, guide })
    }

    fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        // In [0, 1): below the last entry, which is 1.
        let u: f64 = rng.random();
        let j = ((u * self.guide.len() as f64) as usize).min(self.guide.len() - 1);
        let mut i = self.guide[j] as usize;
        while i + 1 < self.cdf.len() && self.cdf[i] <= u {
            i += 1;
        }
        self.lo + i as u64
    }
}

/// Draws bootstrap replicates of one set of comparisons.
pub struct Resampler {
    /// Each cell's sampler, three per pair (A wins, B wins, ties).
    cells: Vec<CellDraw>,
    tables: Vec<Inversion>,
    /// The cells by observed count, for battles added to a short draw.
    alias: Option<WeightedAliasIndex<u64>>,
    battles: u64,
}

impl Resampler {
    /// The sampler of `c`'s replicates.
    #[must_use]
    pub fn new(c: &Comparisons) -> Self {
        let counts: Vec<u64> = c
            .pairs()
            .iter()
            .flat_map(|p| [p.wins_a, p.wins_b, p.ties])
            .collect();
        let mut distinct: Vec<u64> = counts
            .iter()
            .copied()
            .filter(|&n| (1..=MAX_TABULATED).contains(&n))
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut tables = Vec::new();
        let mut table_of: HashMap<u64, usize> = HashMap::new();
        let mut entries = 0usize;
        for n in distinct {
            let (lo, hi) = Inversion::range(n);
            entries += usize::try_from(hi - lo + 1).unwrap_or(usize::MAX);
            if entries > TABLE_ENTRIES {
                break;
            }
            if let Some(table) = Inversion::new(n) {
                table_of.insert(n, tables.len());
                tables.push(table);
            }
        }
        let cells = counts
            .iter()
            .map(|&n| match table_of.get(&n) {
                _ if n == 0 => CellDraw::Empty,
                Some(&t) => CellDraw::Table(t),
                // Counts are positive and finite, so `Poisson::new` accepts them.
                None => Poisson::new(n as f64).map_or(CellDraw::Empty, CellDraw::Sampler),
            })
            .collect();
        Self {
            cells,
            tables,
            alias: WeightedAliasIndex::new(counts).ok(),
            battles: c.battles(),
        }
    }

    /// One replicate: the pairs with their resampled counts, N battles in
    /// all, each drawn from an observed cell. Pairs left without a battle
    /// are dropped.
    #[must_use]
    pub fn draw<R: rand::Rng + ?Sized>(&self, c: &Comparisons, rng: &mut R) -> Vec<PairCount> {
        let mut counts: Vec<u64> = self
            .cells
            .iter()
            .map(|cell| match cell {
                CellDraw::Empty => 0,
                CellDraw::Table(t) => self.tables[*t].sample(rng),
                CellDraw::Sampler(p) => poisson_count(p.sample(rng)),
            })
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

    /// The tables draw Poisson(n): a chi-square test of 200,000 draws
    /// against statrs' probabilities, for small and large counts.
    #[test]
    fn tables_draw_the_poisson_law() {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let mut rng = ReplicateRng::seed_from_u64(5);
        for n in [1u64, 3, 11, 12, 60, 777, 5_000, MAX_TABULATED] {
            let table = Inversion::new(n).expect("a table");
            let law = statrs::distribution::Poisson::new(n as f64).expect("law");
            let draws = 200_000;
            let mut seen: HashMap<u64, f64> = HashMap::new();
            for _ in 0..draws {
                *seen.entry(table.sample(&mut rng)).or_default() += 1.0;
            }
            // Bins of expected count ≥ 5 around the mean, the tails lumped.
            let expected = |k: u64| law.pmf(k) * f64::from(draws);
            let mean = n as f64;
            let lo = (0..=n).find(|&k| expected(k) >= 5.0).expect("a bin");
            let hi = (n..).find(|&k| expected(k + 1) < 5.0).expect("a bin");
            let mut bins = vec![(
                if lo == 0 { 0.0 } else { law.cdf(lo - 1) } * f64::from(draws),
                seen.iter()
                    .filter(|(k, _)| **k < lo)
                    .map(|(_, c)| c)
                    .sum::<f64>(),
            )];
            for k in lo..=hi {
                bins.push((expected(k), seen.get(&k).copied().unwrap_or(0.0)));
            }
            bins.push((
                law.sf(hi) * f64::from(draws),
                seen.iter()
                    .filter(|(k, _)| **k > hi)
                    .map(|(_, c)| c)
                    .sum::<f64>(),
            ));
            let bins: Vec<(f64, f64)> = bins.into_iter().filter(|(e, _)| *e > 1e-9).collect();
            let stat: f64 = bins.iter().map(|(e, o)| (o - e).powi(2) / e).sum();
            let critical = ChiSquared::new((bins.len() - 1) as f64)
                .expect("chi-square")
                .inverse_cdf(0.999);
            assert!(
                stat < critical,
                "n = {n}: chi-square {stat:.1} >= {critical:.1}"
            );
            // The draws' mean is n, within five standard errors.
            let got = seen.iter().map(|(k, c)| *k as f64 * c).sum::<f64>() / f64::from(draws);
            assert!(
                (got - mean).abs() < 5.0 * (mean / f64::from(draws)).sqrt(),
                "n = {n}: {got}"
            );
        }
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
            // Counts past `MAX_TABULATED` draw from `rand_distr`, beside tables.
            vec![(150_000, 3, 0), (MAX_TABULATED + 1, 0, 40)],
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
