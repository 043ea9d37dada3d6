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
