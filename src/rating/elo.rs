//! Online Elo with the Chatbot Arena conventions.

use std::collections::HashMap;
use std::hash::Hash;

/// Parameters of the online Elo update. `Default` gives the Chatbot Arena's
/// K = 4, base 10, scale 400, initial rating 1000.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EloConfig {
    pub k: f64,
    pub base: f64,
    pub scale: f64,
    pub initial: f64,
}

impl Default for EloConfig {
    fn default() -> Self {
        Self {
            k: 4.0,
            base: 10.0,
            scale: 400.0,
            initial: 1000.0,
        }
    }
}

impl EloConfig {
    /// Probability that a player rated `ra` beats one rated `rb`.
    #[must_use]
    pub fn expected(&self, ra: f64, rb: f64) -> f64 {
        1.0 / (1.0 + self.base.powf((rb - ra) / self.scale))
    }
}

/// Online Elo kept up to date one battle at a time, so that a served
/// leaderboard applies only the votes cast since its last refresh instead of
/// replaying every vote ever cast.
#[derive(Debug, Clone)]
pub struct OnlineElo<K> {
    config: EloConfig,
    ratings: HashMap<K, f64>,
    battles: u64,
}

impl<K: Eq + Hash + Clone> OnlineElo<K> {
    #[must_use]
    pub fn new(config: EloConfig) -> Self {
        Self {
            config,
            ratings: HashMap::new(),
            battles: 0,
        }
    }

    /// Applies one battle: `score_a` in `[0, 1]` (1 win, 0 loss, 0.5 tie).
    pub fn update(&mut self, a: K, b: K, score_a: f64) {
        let ra = *self.ratings.entry(a.clone()).or_insert(self.config.initial);
        let rb = *self.ratings.entry(b.clone()).or_insert(self.config.initial);
        let delta = self.config.k * (score_a - self.config.expected(ra, rb));
        if let Some(r) = self.ratings.get_mut(&a) {
            *r += delta;
        }
        if let Some(r) = self.ratings.get_mut(&b) {
            *r -= delta;
        }
        self.battles += 1;
    }

    /// How many battles have been applied.
    #[must_use]
    pub fn battles(&self) -> u64 {
        self.battles
    }

    /// A model's rating: the initial rating before its first battle.
    #[must_use]
    pub fn rating(&self, model: &K) -> f64 {
        self.ratings
            .get(model)
            .copied()
            .unwrap_or(self.config.initial)
    }

    /// Every rated model's rating.
    #[must_use]
    pub fn ratings(&self) -> &HashMap<K, f64> {
        &self.ratings
    }
}

/// Runs online Elo over `battles` in the order given (callers pass time order).
/// Each battle is `(model_a, model_b, score_a)` with `score_a` in `[0, 1]`
/// (1 win, 0 loss, 0.5 tie). Returns each model's final rating.
///
/// ```
/// use goldarena::rating::{online_elo, EloConfig};
/// let r = online_elo([("x", "y", 1.0)], EloConfig::default());
/// assert!((r["x"] - 1002.0).abs() < 1e-9);
/// assert!((r["y"] - 998.0).abs() < 1e-9);
/// ```
#[must_use]
pub fn online_elo<K, I>(battles: I, config: EloConfig) -> HashMap<K, f64>
where
    K: Eq + Hash + Clone,
    I: IntoIterator<Item = (K, K, f64)>,
{
    let mut elo = OnlineElo::new(config);
    for (a, b, score_a) in battles {
        elo.update(a, b, score_a);
    }
    elo.ratings
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-9;

    #[test]
    fn matches_a_hand_computed_sequence() {
        // 1) x beats y from 1000/1000: expected 0.5, x +2, y -2 -> 1002 / 998.
        // 2) y ties z (998 vs 1000): e_y = 1/(1+10^(2/400)) = 0.497121...,
        //    delta = 4*(0.5-0.497121) = 0.011513 -> y 998.011513, z 999.988487.
        // 3) z beats x (999.988487 vs 1002): e_z = 1/(1+10^(2.011513/400)) = 0.497105...,
        //    delta = 4*(1-0.497105) = 2.011580 -> z 1002.000067, x 999.988420.
        let r = online_elo(
            [("x", "y", 1.0), ("y", "z", 0.5), ("z", "x", 1.0)],
            EloConfig::default(),
        );
        let e_y = 1.0 / (1.0 + 10f64.powf(2.0 / 400.0));
        let d2 = 4.0 * (0.5 - e_y);
        let y = 998.0 + d2;
        let z = 1000.0 - d2;
        let e_z = 1.0 / (1.0 + 10f64.powf((1002.0 - z) / 400.0));
        let d3 = 4.0 * (1.0 - e_z);
        assert!((r["y"] - y).abs() < EPS);
        assert!((r["z"] - (z + d3)).abs() < EPS);
        assert!((r["x"] - (1002.0 - d3)).abs() < EPS);
        assert!((r["y"] - 998.011_513).abs() < 1e-5);
        assert!((r["z"] - 1_002.000_067).abs() < 1e-5);
    }

    #[test]
    fn ratings_are_zero_sum_around_the_initial_value() {
        let battles = (0..50).map(|i| (i % 3, (i + 1) % 3, f64::from(i % 2)));
        let r = online_elo(battles, EloConfig::default());
        let total: f64 = r.values().sum();
        assert!((total - 3000.0).abs() < 1e-6);
    }

    #[test]
    fn no_battles_give_no_ratings() {
        let r = online_elo(Vec::<(u8, u8, f64)>::new(), EloConfig::default());
        assert!(r.is_empty());
    }

    #[test]
    fn incremental_updates_equal_one_replay() {
        let battles = [
            ("x", "y", 1.0),
            ("y", "z", 0.5),
            ("z", "x", 1.0),
            ("x", "z", 0.0),
        ];
        let mut elo = OnlineElo::new(EloConfig::default());
        for (a, b, s) in &battles[..2] {
            elo.update(*a, *b, *s);
        }
        for (a, b, s) in &battles[2..] {
            elo.update(*a, *b, *s);
        }
        let replay = online_elo(battles, EloConfig::default());
        assert_eq!(elo.battles(), 4);
        for (m, r) in &replay {
            assert!((elo.rating(m) - r).abs() < EPS);
        }
        assert!((elo.rating(&"never") - 1000.0).abs() < EPS);
    }
}
