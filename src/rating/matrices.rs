//! The matrices behind the leaderboard plots: battle counts, observed win
//! fractions, predicted win probabilities and average win rates. Indexed like
//! [`Comparisons::models`].

use super::bradley_terry::win_probability;
use super::comparisons::Comparisons;

/// `counts[i][j]`: battles between models `i` and `j` (symmetric, zero diagonal).
#[must_use]
pub fn battle_counts(c: &Comparisons) -> Vec<Vec<u64>> {
    let m = c.models().len();
    let mut out = vec![vec![0; m]; m];
    for p in c.pairs() {
        let (a, b) = (p.a as usize, p.b as usize);
        out[a][b] = p.total();
        out[b][a] = p.total();
    }
    out
}

/// `fraction[i][j]`: share of the decisive battles between `i` and `j` that `i`
/// won (ties left out); `None` when they have no decisive battle.
#[must_use]
pub fn win_fractions(c: &Comparisons) -> Vec<Vec<Option<f64>>> {
    let m = c.models().len();
    let mut out = vec![vec![None; m]; m];
    for p in c.pairs() {
        let decisive = p.wins_a + p.wins_b;
        if decisive > 0 {
            let (a, b) = (p.a as usize, p.b as usize);
            let fa = p.wins_a as f64 / decisive as f64;
            out[a][b] = Some(fa);
            out[b][a] = Some(1.0 - fa);
        }
    }
    out
}

/// `probability[i][j]`: the probability that `i` beats `j` predicted from
/// strengths `beta` (natural-log units, as [`super::bradley_terry::BtFit::beta`]);
/// the diagonal is `None`.
#[must_use]
pub fn predicted_win_probabilities(beta: &[f64]) -> Vec<Vec<Option<f64>>> {
    (0..beta.len())
        .map(|i| {
            (0..beta.len())
                .map(|j| (i != j).then(|| win_probability(beta, i, j)))
                .collect()
        })
        .collect()
}

/// Each model's average of its win fractions over the opponents it has a
/// decisive battle with (the Chatbot Arena's "average win rate"); `None` for a
/// model without any decisive battle.
#[must_use]
pub fn average_win_rates(fractions: &[Vec<Option<f64>>]) -> Vec<Option<f64>> {
    fractions
        .iter()
        .map(|row| {
            let known: Vec<f64> = row.iter().flatten().copied().collect();
            (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;

    #[test]
    fn hand_computed_matrices() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 3),
            ("a", "b", Verdict::ModelB, 1),
            ("a", "b", Verdict::Tie, 2),
            ("c", "a", Verdict::TieBothBad, 2),
        ]);
        assert_eq!(
            battle_counts(&c),
            vec![vec![0, 6, 2], vec![6, 0, 0], vec![2, 0, 0]]
        );
        let f = win_fractions(&c);
        assert_eq!(f[0][1], Some(0.75));
        assert_eq!(f[1][0], Some(0.25));
        assert_eq!(f[0][2], None, "ties only");
        assert_eq!(average_win_rates(&f), vec![Some(0.75), Some(0.25), None]);
        let p = predicted_win_probabilities(&[0.0, 0.0, 2f64.ln()]);
        assert_eq!(p[0][0], None);
        assert!((p[0][1].unwrap_or_default() - 0.5).abs() < 1e-12);
        assert!((p[2][0].unwrap_or_default() - 2.0 / 3.0).abs() < 1e-12);
    }
}
