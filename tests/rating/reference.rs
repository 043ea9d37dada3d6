//! Agreement with the Chatbot Arena's published method. The expected values come
//! from `tests/reference/chatbot_arena_bt.py`, which reproduces FastChat's
//! `compute_mle_elo` (scikit-learn logistic regression on the pivoted counts),
//! converged tightly.

use std::collections::HashMap;

use goldarena::domain::Verdict;
use goldarena::rating::{BtConfig, Comparisons, fit};

use crate::{comparisons_of, pandalm_battles};

fn ratings_by_name(c: &Comparisons) -> HashMap<String, f64> {
    let cfg = BtConfig::default();
    let f = fit(c, &cfg, None);
    assert!(f.converged && f.gradient_norm <= 1e-8, "{f:?}");
    c.models()
        .iter()
        .cloned()
        .zip(cfg.to_ratings(&f.beta))
        .collect()
}

fn assert_close(got: &HashMap<String, f64>, expected: &[(&str, f64)], tolerance: f64) {
    for (model, want) in expected {
        let have = got[*model];
        assert!(
            (have - want).abs() < tolerance,
            "{model}: {have} vs reference {want}"
        );
    }
}

#[test]
fn pandalm_human_votes_match_the_chatbot_arena_reference() {
    let Some(battles) = pandalm_battles() else {
        return;
    };
    assert_eq!(battles.len(), 2997);
    let got = ratings_by_name(&comparisons_of(&battles));
    assert_close(
        &got,
        &[
            ("llama-7b", 1120.805462),
            ("pythia-6.9b", 1015.009230),
            ("bloom-7b", 997.768876),
            ("opt-7b", 962.768606),
            ("cerebras-gpt-6.7B", 903.647826),
        ],
        1e-3,
    );
}

#[test]
fn a_small_hand_made_set_matches_the_chatbot_arena_reference() {
    let rows = [
        ("a", "b", Verdict::ModelA, 7),
        ("a", "b", Verdict::ModelB, 3),
        ("a", "b", Verdict::Tie, 2),
        ("b", "c", Verdict::ModelA, 6),
        ("b", "c", Verdict::ModelB, 4),
        ("c", "a", Verdict::TieBothBad, 3),
        ("a", "c", Verdict::ModelA, 2),
        ("a", "c", Verdict::ModelB, 1),
        ("d", "a", Verdict::ModelA, 1),
        ("a", "d", Verdict::ModelA, 2),
        ("d", "b", Verdict::Tie, 1),
    ];
    let got = ratings_by_name(&Comparisons::from_counts(rows));
    // d has 4 battles: the 1e-6 ridge moves it by a few thousandths of a point.
    assert_close(
        &got,
        &[
            ("a", 1081.138718),
            ("b", 991.619815),
            ("c", 958.146017),
            ("d", 969.095450),
        ],
        1e-2,
    );
}

/// arena-rank 0.1.1's `compute_ratings_and_cis(ci_method="sandwich")` on the
/// PandaLM human votes, from `tests/reference/arena_rank_sandwich.py`: each
/// model's rating and the half-width of its 95% interval. arena-rank adds a
/// ridge of 1e-5 x battles to the Hessian, which moves the widths by about
/// 0.002 points; GoldArena needs none.
#[test]
fn pandalm_sandwich_intervals_match_arena_rank() {
    use goldarena::rating::{CiMethod, TableOptions, bradley_terry_table};
    let Some(battles) = pandalm_battles() else {
        return;
    };
    let table = bradley_terry_table(
        &comparisons_of(&battles),
        &TableOptions {
            ci: CiMethod::Sandwich,
            ..TableOptions::default()
        },
        &|| {},
    )
    .expect("table");
    let reference = [
        ("bloom-7b", 997.768844, 14.932259),
        ("cerebras-gpt-6.7B", 903.647828, 16.165185),
        ("llama-7b", 1120.805477, 16.040646),
        ("opt-7b", 962.768619, 15.404606),
        ("pythia-6.9b", 1015.009232, 15.191662),
    ];
    assert_eq!(table.rows.len(), reference.len());
    for (model, rating, half) in reference {
        let row = table
            .rows
            .iter()
            .find(|r| r.model == model)
            .expect("model in the table");
        assert!(
            (row.rating - rating).abs() < 1e-3,
            "{model}: rating {} vs {rating}",
            row.rating
        );
        let (up, down) = (row.ci_upper - row.rating, row.rating - row.ci_lower);
        assert!(
            (up - half).abs() < 0.01,
            "{model}: upper half-width {up} vs {half}"
        );
        assert!(
            (down - half).abs() < 0.01,
            "{model}: lower half-width {down} vs {half}"
        );
    }
}
