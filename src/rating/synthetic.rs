//! Battles drawn from a known Bradley-Terry model, for benchmarks and for
//! checking that the engine recovers the truth. Seeded, so every run of a
//! benchmark sees the same data.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::domain::Verdict;
use crate::rating::{Comparisons, ComparisonsBuilder};

/// A synthetic arena: true ratings (mean 1000) and a generator of battles.
#[derive(Debug)]
pub struct SyntheticArena {
    pub ratings: Vec<f64>,
    /// Tie propensity `t`: a battle is a tie with probability `2·t·min(p, 1 - p)`,
    /// where `p` is A's Bradley-Terry win probability, and A wins with
    /// `p - P(tie)/2`. A's expected score stays `p`, so the data follow the
    /// Bradley-Terry model with ties as half wins, which is what the engine fits.
    pub tie_rate: f64,
    rng: StdRng,
}

impl SyntheticArena {
    /// `models` models with ratings spread uniformly over ±`spread` points.
    #[must_use]
    pub fn new(models: usize, spread: f64, tie_rate: f64, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let raw: Vec<f64> = (0..models)
            .map(|_| rng.random_range(-spread..=spread))
            .collect();
        let mean = raw.iter().sum::<f64>() / models.max(1) as f64;
        Self {
            ratings: raw.iter().map(|r| 1000.0 + r - mean).collect(),
            tie_rate,
            rng,
        }
    }

    /// The name of model `i`.
    #[must_use]
    pub fn name(i: usize) -> String {
        format!("model-{i:04}")
    }

    /// `battles` battles, counted; every model is registered, in index order.
    pub fn counts(&mut self, battles: usize) -> Comparisons {
        let mut b = ComparisonsBuilder::default();
        for i in 0..self.ratings.len() {
            b.add_model(&Self::name(i));
        }
        for _ in 0..battles {
            let (x, y, v) = self.battle();
            b.add_indexed(x as u32, y as u32, v, 1);
        }
        b.build()
    }

    /// One battle between a uniformly drawn pair (see `tie_rate` for ties).
    pub fn battle(&mut self) -> (usize, usize, Verdict) {
        let m = self.ratings.len();
        let a = self.rng.random_range(0..m);
        let mut b = self.rng.random_range(0..m - 1);
        if b >= a {
            b += 1;
        }
        let p = 1.0 / (1.0 + 10f64.powf((self.ratings[b] - self.ratings[a]) / 400.0));
        let tie = (2.0 * self.tie_rate * p.min(1.0 - p)).clamp(0.0, 1.0);
        let u: f64 = self.rng.random();
        let v = if u < tie {
            if self.rng.random_bool(0.5) {
                Verdict::Tie
            } else {
                Verdict::TieBothBad
            }
        } else if u < tie + (p - tie / 2.0) {
            Verdict::ModelA
        } else {
            Verdict::ModelB
        };
        (a, b, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rating::{BtConfig, fit};

    #[test]
    fn the_engine_recovers_the_generators_ratings() {
        let mut arena = SyntheticArena::new(5, 400.0, 0.3, 11);
        let c = arena.counts(100_000);
        let cfg = BtConfig::default();
        let r = cfg.to_ratings(&fit(&c, &cfg, None).beta);
        for (got, want) in r.iter().zip(&arena.ratings) {
            assert!((got - want).abs() < 10.0, "{r:?} vs {:?}", arena.ratings);
        }
    }
}
