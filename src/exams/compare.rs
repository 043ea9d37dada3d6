//! The arena beside an exam: each model's arena rating against its exam
//! accuracy, Spearman's ρ between the two with its 95% interval, and the
//! models on which the two orders disagree most.

use serde::Serialize;

use crate::rating::proportion::{ranks, spearman, spearman_interval};

/// A model as the arena ranks it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArenaStanding {
    pub model: String,
    pub display_name: String,
    pub rating: f64,
    pub rank: usize,
}

/// A model's whole-exam score.
#[derive(Debug, Clone, PartialEq)]
pub struct ExamScore {
    pub model: String,
    pub accuracy: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub n: u64,
    pub contamination: &'static str,
}

/// One model in both: its place in each order among the models compared
/// (1 = best; ties share the mean place).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparedModel {
    pub model: String,
    pub display_name: String,
    pub arena_rating: f64,
    /// Rank (UB) on the arena's board.
    pub arena_rank: usize,
    pub accuracy: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub questions: u64,
    pub contamination: &'static str,
    pub arena_place: f64,
    pub exam_place: f64,
    /// `exam_place − arena_place`: positive when the exam places the model
    /// lower than the arena does.
    pub place_gap: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RankCorrelation {
    pub rho: f64,
    pub p_value: f64,
    /// 95% interval (Fisher's z, Fieller–Hartley–Pearson variance); `None`
    /// below four models.
    pub ci_lower: Option<f64>,
    pub ci_upper: Option<f64>,
    pub n: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub exam: String,
    /// Models in both, best arena rating first.
    pub models: Vec<ComparedModel>,
    /// `None` below three models, or when either order is all ties.
    pub spearman: Option<RankCorrelation>,
    /// The models whose two places differ most (at most three, none that agree).
    pub disagreements: Vec<String>,
    /// Ranked in the arena but without answers to this exam, and the reverse.
    pub arena_only: Vec<String>,
    pub exam_only: Vec<String>,
}

/// Places from best (1) down, ties sharing their mean place.
fn places(values: &[f64]) -> Vec<f64> {
    let negated: Vec<f64> = values.iter().map(|v| -v).collect();
    ranks(&negated)
}

/// Lines up the ranked arena models with the exam's scores by model name.
#[must_use]
pub fn compare(exam: &str, arena: &[ArenaStanding], scores: &[ExamScore]) -> Comparison {
    let mut both: Vec<(&ArenaStanding, &ExamScore)> = arena
        .iter()
        .filter_map(|a| scores.iter().find(|s| s.model == a.model).map(|s| (a, s)))
        .collect();
    both.sort_by(|x, y| y.0.rating.total_cmp(&x.0.rating));
    let ratings: Vec<f64> = both.iter().map(|(a, _)| a.rating).collect();
    let accuracies: Vec<f64> = both.iter().map(|(_, s)| s.accuracy).collect();
    let (arena_places, exam_places) = (places(&ratings), places(&accuracies));
    let models: Vec<ComparedModel> = both
        .iter()
        .zip(arena_places.iter().zip(&exam_places))
        .map(|((a, s), (ap, ep))| ComparedModel {
            model: a.model.clone(),
            display_name: a.display_name.clone(),
            arena_rating: a.rating,
            arena_rank: a.rank,
            accuracy: s.accuracy,
            ci_lower: s.ci_lower,
            ci_upper: s.ci_upper,
            questions: s.n,
            contamination: s.contamination,
            arena_place: *ap,
            exam_place: *ep,
            place_gap: ep - ap,
        })
        .collect();
    let spearman = spearman(&ratings, &accuracies).map(|c| {
        let ci = spearman_interval(&c, 0.95);
        RankCorrelation {
            rho: c.value,
            p_value: c.p_value,
            ci_lower: ci.map(|x| x.0),
            ci_upper: ci.map(|x| x.1),
            n: c.n,
        }
    });
    let mut apart: Vec<&ComparedModel> = models.iter().filter(|m| m.place_gap != 0.0).collect();
    apart.sort_by(|a, b| b.place_gap.abs().total_cmp(&a.place_gap.abs()));
    Comparison {
        exam: exam.to_owned(),
        disagreements: apart.iter().take(3).map(|m| m.model.clone()).collect(),
        arena_only: arena
            .iter()
            .filter(|a| !scores.iter().any(|s| s.model == a.model))
            .map(|a| a.model.clone())
            .collect(),
        exam_only: scores
            .iter()
            .filter(|s| !arena.iter().any(|a| a.model == s.model))
            .map(|s| s.model.clone())
            .collect(),
        models,
        spearman,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(model: &str, rating: f64, rank: usize) -> ArenaStanding {
        ArenaStanding {
            model: model.to_owned(),
            display_name: model.to_uppercase(),
            rating,
            rank,
        }
    }

    fn score(model: &str, accuracy: f64) -> ExamScore {
        ExamScore {
            model: model.to_owned(),
            accuracy,
            ci_lower: accuracy - 0.05,
            ci_upper: accuracy + 0.05,
            n: 100,
            contamination: "unknown",
        }
    }

    #[test]
    fn one_swapped_pair_gives_the_hand_computed_rho_and_names_the_swapped_models() {
        let arena = [
            standing("a", 1200.0, 1),
            standing("b", 1100.0, 2),
            standing("c", 1000.0, 2),
            standing("d", 900.0, 3),
            standing("e", 800.0, 4),
            standing("arena-only", 700.0, 5),
        ];
        // The exam swaps b and c: ρ = 1 − 6·2/(5·24) = 0.9.
        let scores = [
            score("a", 0.9),
            score("b", 0.6),
            score("c", 0.7),
            score("d", 0.5),
            score("e", 0.4),
            score("exam-only", 0.99),
        ];
        let c = compare("x", &arena, &scores);
        let rho = c.spearman.expect("rho");
        assert!((rho.rho - 0.9).abs() < 1e-12);
        assert_eq!(rho.n, 5);
        let (lo, hi) = (rho.ci_lower.expect("lo"), rho.ci_upper.expect("hi"));
        assert!(lo < 0.9 && 0.9 < hi && hi <= 1.0, "[{lo}, {hi}]");
        assert_eq!(c.models.len(), 5);
        assert_eq!(c.models[0].model, "a");
        let b = c.models.iter().find(|m| m.model == "b").expect("b");
        assert_eq!((b.arena_place, b.exam_place, b.place_gap), (2.0, 3.0, 1.0));
        let mut apart = c.disagreements.clone();
        apart.sort();
        assert_eq!(apart, ["b", "c"]);
        assert_eq!(c.arena_only, ["arena-only"]);
        assert_eq!(c.exam_only, ["exam-only"]);
    }

    #[test]
    fn too_few_models_give_no_correlation() {
        let c = compare(
            "x",
            &[standing("a", 1.0, 1), standing("b", 0.0, 2)],
            &[score("a", 0.5), score("b", 0.4)],
        );
        assert_eq!(c.spearman, None);
        assert_eq!(c.models.len(), 2);
    }
}
