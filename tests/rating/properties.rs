//! Invariances that must hold for any data.

use std::collections::HashMap;

use goldarena::domain::Verdict;
use goldarena::rating::bradley_terry::determined;
use goldarena::rating::{BtConfig, EloConfig, fit, online_elo};
use proptest::prelude::*;

use crate::comparisons_of;

type Battles = Vec<(String, String, Verdict)>;

fn battles() -> impl Strategy<Value = Battles> {
    prop::collection::vec((0u8..6, 0u8..6, 0usize..4), 1..150).prop_map(|raw| {
        raw.into_iter()
            .filter(|(a, b, _)| a != b)
            .map(|(a, b, v)| (format!("m{a}"), format!("m{b}"), Verdict::ALL[v]))
            .collect()
    })
}

fn bt(battles: &Battles) -> HashMap<String, f64> {
    let c = comparisons_of(battles);
    let cfg = BtConfig::default();
    let f = fit(&c, &cfg, None);
    c.models()
        .iter()
        .cloned()
        .zip(cfg.to_ratings(&f.beta))
        .collect()
}

fn flip(v: Verdict) -> Verdict {
    match v {
        Verdict::ModelA => Verdict::ModelB,
        Verdict::ModelB => Verdict::ModelA,
        tie => tie,
    }
}

fn assert_same(x: &HashMap<String, f64>, y: &HashMap<String, f64>) -> Result<(), TestCaseError> {
    prop_assert_eq!(x.len(), y.len());
    for (model, r) in x {
        let other = y[model];
        // Ratings pinned only by the ridge are huge; compare them relatively.
        let tolerance = 1e-6 * r.abs().max(1.0);
        prop_assert!(
            (r - other).abs() < tolerance,
            "{}: {} vs {}",
            model,
            r,
            other
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn swapping_sides_in_every_battle_changes_nothing(b in battles()) {
        let swapped: Battles = b.iter().map(|(x, y, v)| (y.clone(), x.clone(), flip(*v))).collect();
        assert_same(&bt(&b), &bt(&swapped))?;
    }

    #[test]
    fn the_order_of_battles_does_not_matter_for_bradley_terry(b in battles(), seed in any::<u64>()) {
        let mut shuffled = b.clone();
        // A deterministic shuffle driven by the generated seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        assert_same(&bt(&b), &bt(&shuffled))?;
    }

    #[test]
    fn ratings_are_finite_and_centred_on_the_determined_models(b in battles()) {
        let r = bt(&b);
        prop_assert!(r.values().all(|x| x.is_finite()));
        // Each piece is centred on its models with a finite estimate (all of its
        // models when it has none), so those average 1000 overall.
        let c = comparisons_of(&b);
        let finite = determined(&c);
        let chosen: Vec<f64> = c
            .models()
            .iter()
            .zip(&finite)
            .filter(|(_, d)| **d || !finite.iter().any(|x| *x))
            .map(|(m, _)| r[m])
            .collect();
        if chosen.is_empty() {
            return Ok(());
        }
        let mean = chosen.iter().sum::<f64>() / chosen.len() as f64;
        let scale = r.values().map(|x| x.abs()).fold(1.0, f64::max);
        prop_assert!((mean - 1000.0).abs() < 1e-6 * scale, "mean {}", mean);
    }

    #[test]
    fn online_elo_is_zero_sum(b in battles()) {
        let r = online_elo(
            b.iter().map(|(x, y, v)| (x.clone(), y.clone(), v.score_a())),
            EloConfig::default(),
        );
        let total: f64 = r.values().map(|x| x - 1000.0).sum();
        prop_assert!(total.abs() < 1e-6);
    }
}
