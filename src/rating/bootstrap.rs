//! Bootstrap confidence intervals for Bradley-Terry ratings.
//!
//! A replicate resamples the N battles with replacement. On aggregated counts that
//! is one multinomial draw of N over the (pair, outcome) cells
//! ([`super::resample`]): the same distribution as resampling battle by battle,
//! at a cost that grows with the number of cells, not of battles.
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

use rand::SeedableRng;
use rayon::prelude::*;

use super::bradley_terry::{BtConfig, Curvature, components, fit, fit_near};
use super::comparisons::Comparisons;
use super::resample::Resampler;

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
    let resampler = Resampler::new(c);
    // Replicates are re-gauged below; their own centring would be wasted work.
    let config = &BtConfig {
        center_on_determined: false,
        ..*config
    };
    (0..rounds)
        .into_par_iter()
        .map(|round| {
            let sample = c.with_pairs(resampler.draw(c, &mut replicate_rng(seed, round)));
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
            let pairs = Resampler::new(&c).draw(&c, &mut replicate_rng(7, round));
            assert_eq!(
                pairs
                    .iter()
                    .map(crate::rating::PairCount::total)
                    .sum::<u64>(),
                c.battles()
            );
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
            let pairs = Resampler::new(&c).draw(&c, &mut replicate_rng(11, round));
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
