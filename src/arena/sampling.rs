//! Pair sampling: which two models meet in a battle, and on which side.

use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, RngExt};

/// A model that may be drawn, with its sampling weight (> 0 to be drawable).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub model_id: i32,
    pub weight: f64,
}

/// Draws two different models, each draw proportional to the sampling weights
/// (the second draw without the first model), then puts them on random sides.
/// Returns `(model_a, model_b)`, or `None` when fewer than two candidates have a
/// positive, finite weight.
#[must_use]
pub fn draw_pair<R: Rng + ?Sized>(candidates: &[Candidate], rng: &mut R) -> Option<(i32, i32)> {
    let mut pool: Vec<Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| c.weight.is_finite() && c.weight > 0.0)
        .collect();
    pool.sort_by_key(|c| c.model_id);
    pool.dedup_by_key(|c| c.model_id);
    if pool.len() < 2 {
        return None;
    }
    let first = draw_one(&pool, rng)?;
    let first = pool.swap_remove(first);
    let second = pool[draw_one(&pool, rng)?];
    if rng.random_bool(0.5) {
        Some((first.model_id, second.model_id))
    } else {
        Some((second.model_id, first.model_id))
    }
}

fn draw_one<R: Rng + ?Sized>(pool: &[Candidate], rng: &mut R) -> Option<usize> {
    let index = WeightedIndex::new(pool.iter().map(|c| c.weight)).ok()?;
    Some(index.sample(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::collections::HashMap;

    fn cands(weights: &[(i32, f64)]) -> Vec<Candidate> {
        weights
            .iter()
            .map(|&(model_id, weight)| Candidate { model_id, weight })
            .collect()
    }

    #[test]
    fn never_pairs_a_model_with_itself() {
        let mut rng = StdRng::seed_from_u64(1);
        let pool = cands(&[(1, 1.0), (2, 1.0), (3, 5.0)]);
        for _ in 0..2000 {
            let (a, b) = draw_pair(&pool, &mut rng).expect("three candidates");
            assert_ne!(a, b);
        }
    }

    #[test]
    fn needs_two_drawable_models() {
        let mut rng = StdRng::seed_from_u64(2);
        assert_eq!(draw_pair(&cands(&[(1, 1.0)]), &mut rng), None);
        assert_eq!(draw_pair(&cands(&[(1, 1.0), (1, 1.0)]), &mut rng), None);
        assert_eq!(draw_pair(&cands(&[(1, 1.0), (2, 0.0)]), &mut rng), None);
        assert_eq!(
            draw_pair(&cands(&[(1, 1.0), (2, f64::NAN)]), &mut rng),
            None
        );
        assert_eq!(draw_pair(&[], &mut rng), None);
    }

    #[test]
    fn sides_are_balanced() {
        let mut rng = StdRng::seed_from_u64(3);
        let pool = cands(&[(1, 1.0), (2, 1.0)]);
        let n = 20_000;
        let a_is_1 = (0..n)
            .filter(|_| draw_pair(&pool, &mut rng).expect("two candidates").0 == 1)
            .count();
        // Binomial(20000, 0.5): sd ~ 71, so +-400 is more than 5 sd.
        assert!(
            (a_is_1 as i64 - n / 2).abs() < 400,
            "model 1 on side A {a_is_1} times"
        );
    }

    #[test]
    fn appearances_follow_the_weights() {
        // Weights 1, 1, 2: P(model appears) = P(first) + P(second).
        // P(3 first) = 1/2; P(3 second) = P(1 first)*2/3 + P(2 first)*2/3 = 1/3 -> 5/6.
        // P(1 appears) = 1/4 + (1/4)(1/3) + (1/2)(1/2) = 7/12.
        let mut rng = StdRng::seed_from_u64(4);
        let pool = cands(&[(1, 1.0), (2, 1.0), (3, 2.0)]);
        let n = 30_000;
        let mut seen: HashMap<i32, usize> = HashMap::new();
        for _ in 0..n {
            let (a, b) = draw_pair(&pool, &mut rng).expect("three candidates");
            *seen.entry(a).or_default() += 1;
            *seen.entry(b).or_default() += 1;
        }
        let freq = |m: i32| seen[&m] as f64 / n as f64;
        assert!((freq(3) - 5.0 / 6.0).abs() < 0.015, "model 3: {}", freq(3));
        assert!((freq(1) - 7.0 / 12.0).abs() < 0.015, "model 1: {}", freq(1));
        assert!((freq(2) - 7.0 / 12.0).abs() < 0.015, "model 2: {}", freq(2));
    }
}
