//! Bootstrap confidence intervals for Bradley-Terry ratings.
//!
//! A replicate resamples the N battles with replacement. On aggregated counts that
//! is one multinomial draw of N over the (pair, outcome) cells, done here as a
//! chain of conditional binomials: the same distribution as resampling battle by
//! battle, at a cost that grows with the number of cells, not of battles.
//!
//! Each replicate has its own random generator, seeded from `(seed, replicate)`,
//! so the result for a seed does not depend on how many threads run it.
//!
//! # Gauge
//! Ratings are only defined up to a shift. Re-centring every replicate on the mean
//! of all models lets one sparse model move everyone: with two battles it can win
//! both in a replicate, fly off towards the ridge limit, and drag the mean (and so
//! every other model) with it. Each replicate is therefore shifted so that the
//! *well-sampled* models (at least 20 battles and at least a tenth of the median
//! model's battles; all models when none qualifies) have the same mean as in the
//! full-data fit. With an anchor, the anchor model is pinned instead.
//!
//! A model with no battle in a replicate, or cut off from the rest of its piece of
//! the comparison graph, has no rating in that replicate; its interval comes from
//! the replicates where it has one (as pandas' `quantile` skips NaN in the
//! reference implementation).

use std::sync::OnceLock;

use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use super::bradley_terry::{BtConfig, Curvature, components, fit, fit_near};
use super::comparisons::{Comparisons, PairCount};

/// The generator of a replicate: xoshiro256++, small and fast (a replicate
/// draws tens of thousands of uniforms), and good enough for simulation; no
/// secret depends on it.
pub type ReplicateRng = rand::rngs::Xoshiro256PlusPlus;

/// How replicates are put on a common scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gauge {
    /// Match the full fit's mean over the well-sampled models (the default).
    WellSampled,
    /// Pin model `index` to `beta` (natural-log units).
    Anchor { index: usize, beta: f64 },
}

/// Minimum battles for a model to fix the gauge, besides a tenth of the median.
pub const GAUGE_MIN_BATTLES: u64 = 20;

/// Draws a bootstrap replicate of the battles: N draws with replacement, as a
/// multinomial over the (pair, outcome) cells. It is drawn in two stages with the
/// same distribution: the pair totals as a multinomial over the pairs, then each
/// pair's total split over its three outcomes. Pairs left without a battle are
/// dropped.
#[must_use]
pub fn resample(c: &Comparisons, rng: &mut ReplicateRng) -> Vec<PairCount> {
    let mut remaining_draws = c.battles();
    let mut remaining_mass = remaining_draws;
    let mut out = Vec::with_capacity(c.pairs().len());
    for p in c.pairs() {
        let total = p.total();
        let n = conditional(remaining_draws, total, remaining_mass, rng);
        remaining_mass -= total;
        remaining_draws -= n;
        if n == 0 {
            continue;
        }
        let wins_a = conditional(n, p.wins_a, total, rng);
        let wins_b = conditional(n - wins_a, p.wins_b, total - p.wins_a, rng);
        out.push(PairCount {
            a: p.a,
            b: p.b,
            wins_a,
            wins_b,
            ties: n - wins_a - wins_b,
        });
    }
    out
}

/// One step of a multinomial chain: how many of `draws` fall into a cell holding
/// `cell` of the `mass` still unassigned, i.e. Binomial(draws, cell / mass).
fn conditional(draws: u64, cell: u64, mass: u64, rng: &mut ReplicateRng) -> u64 {
    if draws == 0 || cell == 0 {
        0
    } else if cell >= mass {
        draws
    } else {
        binomial(draws, cell as f64 / mass as f64, rng)
    }
}

/// An exact Binomial(n, p) draw: inversion (the BINV algorithm, about n·p cheap
/// steps, with a table instead of a division per step) for means below 16, and
/// Hörmann's BTRD rejection sampler ([`btrd`]) above. BTPE (`rand_distr`) was
/// the sampler above 64 before: BTRD, used from a mean of 16, made the
/// 1000-round bootstrap of 1M battles over 100 models, file to table, about
/// 14 % faster as a whole process (median of four paired runs).
fn binomial(n: u64, p: f64, rng: &mut ReplicateRng) -> u64 {
    if p > 0.5 {
        return n - binomial(n, 1.0 - p, rng);
    }
    let mean = n as f64 * p;
    if mean >= 16.0 {
        return btrd(n, p, rng);
    }
    let q = 1.0 - p;
    let s = p / q;
    let a = (n as f64 + 1.0) * s;
    // P(X = 0) = qⁿ; with mean < 64 and p <= 1/2 it is above e^-89, no underflow.
    let mut r = (n as f64 * (-p).ln_1p()).exp();
    let mut u: f64 = rng.random();
    let mut x = 0u64;
    while u > r {
        u -= r;
        x += 1;
        if x > n {
            // Rounding left a sliver of probability past n: restart the draw.
            x = 0;
            r = (n as f64 * (-p).ln_1p()).exp();
            u = rng.random();
            continue;
        }
        // Division is the slow step of this loop; a table of 1/x replaces it.
        r *= a * reciprocal(x) - s;
    }
    x
}

/// Binomial(n, p) for p <= 1/2 and a mean of at least 10: Hörmann's BTRD,
/// transformed rejection with decomposition ("The generation of binomial
/// random variates", J. Statist. Comput. Simul. 46, 1993). Most draws take
/// one uniform and no logarithm; the rest are accepted against the exact
/// probabilities (a product near the mode, Stirling's series further out).
/// It draws from the same distribution as `rand_distr`'s BTPE, in fewer steps.
fn btrd(n: u64, p: f64, rng: &mut ReplicateRng) -> u64 {
    let nf = n as f64;
    let q = 1.0 - p;
    let m = ((nf + 1.0) * p).floor();
    let r = p / q;
    let nr = (nf + 1.0) * r;
    let npq = nf * p * q;
    let sqrt_npq = npq.sqrt();
    let b = 1.15 + 2.53 * sqrt_npq;
    let a = -0.0873 + 0.0248 * b + 0.01 * p;
    let c = nf * p + 0.5;
    let alpha = (2.83 + 5.1 / b) * sqrt_npq;
    let v_r = 0.92 - 4.2 / b;
    let u_rv_r = 0.86 * v_r;
    loop {
        let mut v: f64 = rng.random();
        // The box in the middle: accepted at once.
        if v <= u_rv_r {
            let u = v / v_r - 0.43;
            return ((2.0 * a / (0.5 - u.abs()) + b) * u + c).floor() as u64;
        }
        let u = if v >= v_r {
            rng.random::<f64>() - 0.5
        } else {
            let u = v / v_r - 0.93;
            v = rng.random::<f64>() * v_r;
            0.5f64.copysign(u) - u
        };
        let us = 0.5 - u.abs();
        let kf = ((2.0 * a / us + b) * u + c).floor();
        if kf < 0.0 || kf > nf {
            continue;
        }
        v *= alpha / (a / (us * us) + b);
        let km = (kf - m).abs();
        if km <= 15.0 {
            // f(k)/f(m) by the recursion f(i)/f(i-1) = (n+1-i)p / (i q).
            let mut f = 1.0;
            if m < kf {
                let mut i = m + 1.0;
                while i <= kf {
                    f *= nr / i - r;
                    i += 1.0;
                }
            } else {
                let mut i = kf + 1.0;
                while i <= m {
                    v *= nr / i - r;
                    i += 1.0;
                }
            }
            if v <= f {
                return kf as u64;
            }
            continue;
        }
        // Squeeze on the log scale, then the exact test.
        let v = v.ln();
        let rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) * km / npq + 0.5);
        let t = -km * km / (2.0 * npq);
        if v < t - rho {
            return kf as u64;
        }
        if v > t + rho {
            continue;
        }
        let nm = nf - m + 1.0;
        let h = (m + 0.5) * ((m + 1.0) / (r * nm)).ln() + stirling_tail(m) + stirling_tail(nf - m);
        let nk = nf - kf + 1.0;
        if v <= h + (nf + 1.0) * (nm / nk).ln() + (kf + 0.5) * (nk * r / (kf + 1.0)).ln()
            - stirling_tail(kf)
            - stirling_tail(nf - kf)
        {
            return kf as u64;
        }
    }
}

/// ln(k!) − [(k + ½)·ln(k + 1) − (k + 1) + ½·ln(2π)]: the error of Stirling's
/// formula for ln(k!), exact below 10 and from its series above.
fn stirling_tail(k: f64) -> f64 {
    const TABLE: [f64; 10] = [
        0.081_061_466_795_327_26,
        0.041_340_695_955_409_29,
        0.027_677_925_684_998_34,
        0.020_790_672_103_765_09,
        0.016_644_691_189_821_19,
        0.013_876_128_823_070_75,
        0.011_896_709_945_891_77,
        0.010_411_265_261_972_09,
        0.009_255_462_182_712_733,
        0.008_330_563_433_362_87,
    ];
    if k < 10.0 {
        return TABLE[k as usize];
    }
    let k1 = k + 1.0;
    let k1sq = k1 * k1;
    (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / k1sq) / k1sq) / k1
}

/// 1/x, from a table for the small x the inversion loop visits.
fn reciprocal(x: u64) -> f64 {
    const SIZE: usize = 4096;
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..SIZE)
            .map(|i| if i == 0 { 0.0 } else { 1.0 / i as f64 })
            .collect()
    });
    usize::try_from(x)
        .ok()
        .and_then(|i| table.get(i))
        .copied()
        .unwrap_or_else(|| 1.0 / x as f64)
}

/// The models that fix a replicate's gauge (see the module docs).
#[must_use]
pub fn well_sampled(model_battles: &[u64]) -> Vec<bool> {
    let mut sorted: Vec<u64> = model_battles.iter().copied().filter(|&n| n > 0).collect();
    sorted.sort_unstable();
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0);
    let threshold = GAUGE_MIN_BATTLES.max(median / 10);
    let chosen: Vec<bool> = model_battles.iter().map(|&n| n >= threshold).collect();
    if chosen.iter().any(|&c| c) {
        chosen
    } else {
        model_battles.iter().map(|&n| n > 0).collect()
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of replicate `round` under `seed`.
#[must_use]
pub fn replicate_rng(seed: u64, round: usize) -> ReplicateRng {
    ReplicateRng::seed_from_u64(splitmix64(seed ^ splitmix64(round as u64)))
}

/// Runs `rounds` bootstrap replicates in parallel and returns, for each, the
/// strengths (natural-log units) on the full fit's gauge; `NaN` marks a model
/// without a rating in that replicate. `progress` is called once per replicate.
#[must_use]
pub fn replicates(
    c: &Comparisons,
    full: &[f64],
    config: &BtConfig,
    gauge: Gauge,
    rounds: usize,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Vec<Vec<f64>> {
    let m = c.models().len();
    let setting = GaugeSetting {
        gauge,
        reference: well_sampled(&c.model_battles()),
        pieces: components(m, c.pairs().iter().map(|p| (p.a as usize, p.b as usize))),
    };
    let curvature = Curvature::at(c, config, full);
    // Replicates are re-gauged below; their own centring would be wasted work.
    let config = &BtConfig {
        center_on_determined: false,
        ..*config
    };
    (0..rounds)
        .into_par_iter()
        .map(|round| {
            let sample = c.with_pairs(resample(c, &mut replicate_rng(seed, round)));
            let beta = match &curvature {
                Some(k) => fit_near(&sample, config, full, k).beta,
                None => fit(&sample, config, Some(full)).beta,
            };
            let beta = setting.apply(&sample, full, beta);
            progress();
            beta
        })
        .collect()
}

struct GaugeSetting {
    gauge: Gauge,
    reference: Vec<bool>,
    /// Connected pieces of the full data.
    pieces: Vec<Vec<usize>>,
}

impl GaugeSetting {
    /// Puts a replicate's fit on the full fit's gauge, piece by piece, and marks
    /// with NaN the models that have no rating in it.
    fn apply(&self, sample: &Comparisons, full: &[f64], mut beta: Vec<f64>) -> Vec<f64> {
        let m = beta.len();
        let battles = sample.model_battles();
        let mut piece_of = vec![0; m];
        let sample_pieces = components(
            m,
            sample.pairs().iter().map(|p| (p.a as usize, p.b as usize)),
        );
        for (k, piece) in sample_pieces.iter().enumerate() {
            for &i in piece {
                piece_of[i] = k;
            }
        }
        for piece in &self.pieces {
            // The largest part of this piece that is still connected in the replicate.
            let mut size = vec![0usize; sample_pieces.len()];
            for &i in piece.iter().filter(|&&i| battles[i] > 0) {
                size[piece_of[i]] += 1;
            }
            let best = (0..size.len()).max_by_key(|&k| (size[k], usize::MAX - k));
            let keep = |i: usize| battles[i] > 0 && Some(piece_of[i]) == best;
            let shift = match self.gauge {
                Gauge::Anchor {
                    index,
                    beta: pinned,
                } if piece.contains(&index) => keep(index).then(|| pinned - beta[index]),
                _ => {
                    let mut members: Vec<usize> = piece
                        .iter()
                        .copied()
                        .filter(|&i| keep(i) && self.reference[i])
                        .collect();
                    if members.is_empty() {
                        members = piece.iter().copied().filter(|&i| keep(i)).collect();
                    }
                    (!members.is_empty()).then(|| {
                        members.iter().map(|&i| full[i] - beta[i]).sum::<f64>()
                            / members.len() as f64
                    })
                }
            };
            for &i in piece {
                beta[i] = match shift {
                    Some(s) if keep(i) => beta[i] + s,
                    _ => f64::NAN,
                };
            }
        }
        beta
    }
}

/// The `q`-quantile (0..=1) of the finite values, interpolated linearly between
/// order statistics as numpy and pandas do by default; `None` when there is none.
#[must_use]
pub fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return None;
    }
    finite.sort_unstable_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (finite.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(finite[lo] + (finite[hi] - finite[lo]) * (pos - lo as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;

    fn sample_data() -> Comparisons {
        Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 40),
            ("a", "b", Verdict::ModelB, 25),
            ("b", "c", Verdict::ModelA, 33),
            ("b", "c", Verdict::Tie, 30),
            ("a", "c", Verdict::TieBothBad, 12),
        ])
    }

    #[test]
    fn a_replicate_keeps_the_number_of_battles_and_only_observed_cells() {
        let c = sample_data();
        for round in 0..50 {
            let pairs = resample(&c, &mut replicate_rng(7, round));
            assert_eq!(pairs.iter().map(PairCount::total).sum::<u64>(), c.battles());
            // Cells that were empty stay empty (b-c never had a win for c; a-c only ties).
            for p in &pairs {
                if (p.a, p.b) == (1, 2) {
                    assert_eq!(p.wins_b, 0);
                }
                if (p.a, p.b) == (0, 2) {
                    assert_eq!(p.wins_a + p.wins_b, 0);
                }
            }
        }
    }

    #[test]
    fn cell_means_match_the_data() {
        // E[cell] = N · cell / N = cell.
        let c = sample_data();
        let rounds = 4000;
        let mut sum = 0u64;
        for round in 0..rounds {
            let pairs = resample(&c, &mut replicate_rng(11, round));
            sum += pairs
                .iter()
                .find(|p| (p.a, p.b) == (0, 1))
                .map_or(0, |p| p.wins_a);
        }
        let mean = sum as f64 / rounds as f64;
        // Binomial(140, 40/140) sd ~ 5.3; the mean of 4000 has sd ~ 0.085.
        assert!((mean - 40.0).abs() < 0.4, "{mean}");
    }

    #[test]
    fn results_depend_on_the_seed_only() {
        let c = sample_data();
        let cfg = BtConfig::default();
        let full = fit(&c, &cfg, None).beta;
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| replicates(&c, &full, &cfg, Gauge::WellSampled, 64, 42, &|| {}))
        };
        let one = run(1);
        assert_eq!(one, run(3));
        let other = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool")
            .install(|| replicates(&c, &full, &cfg, Gauge::WellSampled, 64, 43, &|| {}));
        assert_ne!(one, other);
    }

    #[test]
    fn binomial_draws_have_the_right_mean_and_variance() {
        for (n, p) in [
            (30u64, 0.2),
            (1_000_000, 2e-5),
            (50, 0.9),
            (400, 0.25),
            (7, 0.5),
            (200, 0.3),
        ] {
            let mut rng = replicate_rng(99, n as usize);
            let k = 20_000;
            let draws: Vec<f64> = (0..k).map(|_| binomial(n, p, &mut rng) as f64).collect();
            let mean = draws.iter().sum::<f64>() / k as f64;
            let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
            let (m0, v0) = (n as f64 * p, n as f64 * p * (1.0 - p));
            // Standard error of the mean is sqrt(v0 / k); allow 5 of them.
            assert!(
                (mean - m0).abs() < 5.0 * (v0 / k as f64).sqrt(),
                "n={n} p={p}: mean {mean} vs {m0}"
            );
            assert!(
                (var / v0 - 1.0).abs() < 0.1,
                "n={n} p={p}: variance {var} vs {v0}"
            );
            assert!(draws.iter().all(|&x| x <= n as f64));
        }
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

    /// BTRD against the exact binomial probabilities, 200,000 draws per
    /// case; and the same for rand_distr's BTPE, as a check of the check.
    #[test]
    fn btrd_draws_follow_the_binomial_probabilities() {
        use rand_distr::{Binomial, Distribution};
        for (n, p) in [
            (200u64, 0.4),
            (1_000, 0.3),
            (500, 0.5),
            (100_000, 0.002),
            (160, 0.45),
            (110, 0.1),
        ] {
            let mut rng = replicate_rng(7, n as usize);
            let (stat, limit) = chi_square(n, p, 200_000, &mut || btrd(n, p, &mut rng));
            assert!(
                stat < limit,
                "BTRD n={n} p={p}: chi-square {stat:.1} >= {limit:.1}"
            );
            let mut rng = replicate_rng(8, n as usize);
            let btpe = Binomial::new(n, p).expect("btpe");
            let (stat, limit) = chi_square(n, p, 200_000, &mut || btpe.sample(&mut rng));
            assert!(
                stat < limit,
                "BTPE n={n} p={p}: chi-square {stat:.1} >= {limit:.1}"
            );
        }
    }

    /// The sampler the bootstrap calls, over both of its paths (inversion for
    /// small means, BTRD above) and both sides of p = 1/2, by the same test.
    #[test]
    fn binomial_draws_follow_the_binomial_probabilities_on_both_paths() {
        for (n, p) in [
            (30u64, 0.2),
            (1_000_000, 0.000_012),
            (40, 0.3),
            (25, 0.9),
            (120, 0.1),
            (300, 0.97),
            (2_000, 0.5),
        ] {
            let mut rng = replicate_rng(11, n as usize);
            let (stat, limit) = chi_square(n, p, 100_000, &mut || binomial(n, p, &mut rng));
            assert!(
                stat < limit,
                "n={n} p={p}: chi-square {stat:.1} >= {limit:.1}"
            );
        }
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0, f64::NAN];
        assert_eq!(quantile(&mut v, 0.0), Some(1.0));
        assert_eq!(quantile(&mut v, 1.0), Some(4.0));
        assert_eq!(quantile(&mut v, 0.5), Some(2.5));
        assert!((quantile(&mut v, 0.025).unwrap_or_default() - 1.075).abs() < 1e-12);
        assert_eq!(quantile(&mut [f64::NAN], 0.5), None);
    }

    #[test]
    fn the_gauge_ignores_sparse_models() {
        assert_eq!(
            well_sampled(&[100, 90, 2, 0]),
            vec![true, true, false, false]
        );
        assert_eq!(well_sampled(&[3, 2, 0]), vec![true, true, false]);
        // Median 4000 (the upper middle): the threshold is 400.
        assert_eq!(
            well_sampled(&[5000, 4000, 300, 100]),
            vec![true, true, false, false]
        );
        assert_eq!(
            well_sampled(&[5000, 4000, 3000, 500, 100]),
            vec![true, true, true, true, false]
        );
    }
}
