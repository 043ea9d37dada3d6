//! Scoring exam answers: exact set match (with partial credit reported
//! apart for multiple-answer questions), majority vote over samples,
//! accuracy with Wilson intervals, and McNemar's paired test.

use std::collections::BTreeSet;

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use super::extract::Extraction;

/// One question's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub correct: bool,
    /// Multiple-answer questions: the share of the right letters chosen when
    /// no wrong one is (0 with any wrong letter), as such exams mark it; 1 or
    /// 0 for single-answer questions.
    pub partial: f64,
    pub unreadable: bool,
}

/// Scores `read` against the right letters `answer` (sorted, e.g. `ACD`).
#[must_use]
pub fn score(answer: &str, read: &Extraction) -> Score {
    let right: BTreeSet<char> = answer.chars().collect();
    match read {
        Extraction::Unreadable(_) => Score {
            correct: false,
            partial: 0.0,
            unreadable: true,
        },
        Extraction::Read(letters, _) => {
            let correct = *letters == right;
            let partial = if letters.is_subset(&right) && !right.is_empty() {
                letters.len() as f64 / right.len() as f64
            } else {
                0.0
            };
            Score {
                correct,
                partial,
                unreadable: false,
            }
        }
    }
}

/// The majority answer over samples: the most frequent readable letter set
/// (ties go to the one read first); unreadable when none could be read.
#[must_use]
pub fn majority(samples: &[Extraction]) -> Extraction {
    let mut counts: Vec<(&BTreeSet<char>, usize, &Extraction)> = Vec::new();
    for s in samples {
        if let Extraction::Read(letters, _) = s {
            match counts.iter_mut().find(|(l, _, _)| *l == letters) {
                Some(entry) => entry.1 += 1,
                None => counts.push((letters, 1, s)),
            }
        }
    }
    // `max_by_key` keeps the last maximum: search from the end to keep the first.
    counts.iter().rev().max_by_key(|(_, n, _)| *n).map_or(
        Extraction::Unreadable("no sample could be read"),
        |(_, _, e)| (*e).clone(),
    )
}

/// McNemar's test on paired outcomes: `b` questions only the first model
/// got right, `c` only the second. Exact (two-sided binomial) below 25
/// discordant pairs, else the chi-square with continuity correction.
/// Returns the p-value (1 without discordant pairs).
#[must_use]
pub fn mcnemar(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    if n < 25 {
        let Ok(binomial) = Binomial::new(0.5, n) else {
            return 1.0;
        };
        return (2.0 * binomial.cdf(b.min(c))).min(1.0);
    }
    let diff = (b as f64 - c as f64).abs() - 1.0;
    let statistic = diff.max(0.0).powi(2) / n as f64;
    ChiSquared::new(1.0).map_or(1.0, |chi| 1.0 - chi.cdf(statistic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exams::extract::Method;

    fn read(s: &str) -> Extraction {
        Extraction::Read(s.chars().collect(), Method::LoneLetter)
    }

    #[test]
    fn sets_score_exactly_with_partial_credit_apart() {
        assert!(score("B", &read("B")).correct);
        assert!(!score("B", &read("C")).correct);
        let some = score("ACD", &read("AC"));
        assert!(!some.correct);
        assert!((some.partial - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(score("ACD", &read("AB")).partial, 0.0);
        let unread = score("A", &Extraction::Unreadable("x"));
        assert!(!unread.correct && unread.unreadable);
    }

    #[test]
    fn the_majority_ignores_unreadable_samples_and_keeps_the_first_of_a_tie() {
        let samples = [
            read("A"),
            Extraction::Unreadable("x"),
            read("B"),
            read("B"),
            read("A"),
        ];
        assert_eq!(majority(&samples), read("A"));
        assert_eq!(majority(&[read("C"), read("B"), read("B")]), read("B"));
        assert!(matches!(
            majority(&[Extraction::Unreadable("x")]),
            Extraction::Unreadable(_)
        ));
    }

    /// Known values: exact, 2·P(X ≤ 5 | n = 20, ½) = 0.041389; chi-square
    /// with continuity correction for b = 40, c = 20: (19²)/60 = 6.0167,
    /// p = 0.014171.
    #[test]
    fn mcnemar_matches_known_values() {
        assert!(
            (mcnemar(5, 15) - 0.041_389).abs() < 1e-5,
            "{}",
            mcnemar(5, 15)
        );
        assert!(
            (mcnemar(40, 20) - 0.014_171).abs() < 1e-5,
            "{}",
            mcnemar(40, 20)
        );
        assert_eq!(mcnemar(0, 0), 1.0);
        assert!((mcnemar(3, 3) - 1.0).abs() < 1e-12);
    }
}
