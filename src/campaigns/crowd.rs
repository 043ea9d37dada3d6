//! Experts against the crowd: the rank correlation of the two boards, and the
//! per-pair agreement where the same two models met on the same question,
//! once before experts and once before the arena's voters.
//!
//! The per-pair agreement follows MT-Bench (Zheng et al., 2023, §4.2): the
//! probability that a randomly chosen expert judgment and a randomly chosen
//! crowd vote on a randomly chosen (question, pair) agree. Verdicts fall in
//! three classes, "A better", "B better" and "tie" ("both bad" is a tie).
//! With ties, all three classes count (chance level about 1/3). Without ties,
//! only (expert, crowd) pairs where neither is a tie count (chance level 1/2).
//! Each (question, pair) weighs the same, whatever its number of votes.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::domain::Verdict;
use crate::store::campaigns::CrowdVote;
use crate::store::entities::campaign_items;

/// A rank correlation with its two-sided p-value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    pub value: f64,
    pub p_value: f64,
}

/// Agreement between expert judgments and crowd votes on shared questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrowdAgreement {
    /// Questions where both the experts and the crowd judged the pair.
    pub questions: usize,
    pub expert_judgments: usize,
    pub crowd_votes: usize,
    /// Three classes (A, B, tie); chance about 1/3.
    pub with_ties: Option<f64>,
    /// Questions with at least one decisive expert and crowd verdict.
    pub questions_without_ties: usize,
    /// Decisive verdicts only; chance 1/2.
    pub without_ties: Option<f64>,
}

/// The agreement on one pair of models (named in alphabetical order; "A" is
/// `model_a`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairCrowdAgreement {
    pub model_a: String,
    pub model_b: String,
    #[serde(flatten)]
    pub agreement: CrowdAgreement,
}

/// The expert ranking against the crowd's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpertVsCrowd {
    /// The models both boards rated, in expert-board order.
    pub models: Vec<String>,
    pub kendall_tau: Option<Correlation>,
    pub spearman_rho: Option<Correlation>,
    /// Over every pair below.
    pub agreement: CrowdAgreement,
    pub pairs: Vec<PairCrowdAgreement>,
}

impl ExpertVsCrowd {
    /// Compares the expert board with the crowd's strengths by model name,
    /// and the expert judgments (item orientation) with the crowd's votes on
    /// the same questions.
    #[must_use]
    pub fn compare(
        expert: &[(String, f64)],
        crowd: &HashMap<String, f64>,
        judgments: &[(&campaign_items::Model, Verdict)],
        votes: &[CrowdVote],
        names: &HashMap<i32, String>,
    ) -> Self {
        let common: Vec<(&str, f64, f64)> = expert
            .iter()
            .filter_map(|(model, rating)| crowd.get(model).map(|c| (model.as_str(), *rating, *c)))
            .collect();
        let x: Vec<f64> = common.iter().map(|c| c.1).collect();
        let y: Vec<f64> = common.iter().map(|c| c.2).collect();
        let conv = |c: crate::rating::proportion::Correlation| Correlation {
            value: c.value,
            p_value: c.p_value,
        };
        let (agreement, pairs) = pair_agreement(judgments, votes, names);
        Self {
            models: common.iter().map(|c| c.0.to_owned()).collect(),
            kendall_tau: crate::rating::proportion::kendall(&x, &y).map(conv),
            spearman_rho: crate::rating::proportion::spearman(&x, &y).map(conv),
            agreement,
            pairs,
        }
    }
}

/// A verdict's class, seen from the lower model id's side: 0 = it wins,
/// 1 = the other wins, 2 = tie.
fn class(verdict: Verdict, first_is_low: bool) -> u8 {
    match (verdict, first_is_low) {
        (Verdict::ModelA, true) | (Verdict::ModelB, false) => 0,
        (Verdict::ModelA, false) | (Verdict::ModelB, true) => 1,
        (Verdict::Tie | Verdict::TieBothBad, _) => 2,
    }
}

/// The verdicts of one (question, pair): experts' and crowd's, by class.
#[derive(Default)]
struct Cell {
    experts: [usize; 3],
    crowd: [usize; 3],
}

impl Cell {
    /// (share agreeing with ties, share agreeing without ties) for this cell.
    fn shares(&self) -> (Option<f64>, Option<f64>) {
        let e: usize = self.experts.iter().sum();
        let c: usize = self.crowd.iter().sum();
        let with = (e > 0 && c > 0).then(|| {
            let same: usize = (0..3).map(|k| self.experts[k] * self.crowd[k]).sum();
            same as f64 / (e * c) as f64
        });
        let (e2, c2) = (
            self.experts[0] + self.experts[1],
            self.crowd[0] + self.crowd[1],
        );
        let without = (e2 > 0 && c2 > 0).then(|| {
            let same = self.experts[0] * self.crowd[0] + self.experts[1] * self.crowd[1];
            same as f64 / (e2 * c2) as f64
        });
        (with, without)
    }
}

fn summarise<'a>(cells: impl Iterator<Item = &'a Cell>) -> CrowdAgreement {
    let (mut questions, mut experts, mut crowd) = (0, 0, 0);
    let (mut with_sum, mut without_sum, mut without_n) = (0.0, 0.0, 0);
    for cell in cells {
        let (with, without) = cell.shares();
        let Some(with) = with else { continue };
        questions += 1;
        experts += cell.experts.iter().sum::<usize>();
        crowd += cell.crowd.iter().sum::<usize>();
        with_sum += with;
        if let Some(w) = without {
            without_sum += w;
            without_n += 1;
        }
    }
    CrowdAgreement {
        questions,
        expert_judgments: experts,
        crowd_votes: crowd,
        with_ties: (questions > 0).then(|| with_sum / questions as f64),
        questions_without_ties: without_n,
        without_ties: (without_n > 0).then(|| without_sum / without_n as f64),
    }
}

/// The overall and per-pair agreement between expert judgments and crowd
/// votes on the same (question, pair of models).
fn pair_agreement(
    judgments: &[(&campaign_items::Model, Verdict)],
    votes: &[CrowdVote],
    names: &HashMap<i32, String>,
) -> (CrowdAgreement, Vec<PairCrowdAgreement>) {
    // Keyed by (lower model id, higher model id, question).
    let mut cells: BTreeMap<(i32, i32, i32), Cell> = BTreeMap::new();
    let key = |a: i32, b: i32, q: i32| (a.min(b), a.max(b), q);
    for (item, verdict) in judgments {
        if item.model_a == item.model_b {
            continue;
        }
        let k = key(item.model_a, item.model_b, item.question_id);
        cells.entry(k).or_default().experts[usize::from(class(*verdict, item.model_a == k.0))] += 1;
    }
    for v in votes {
        let k = key(v.model_a, v.model_b, v.question_id);
        // Only the cells the experts judged.
        if let Some(cell) = cells.get_mut(&k) {
            cell.crowd[usize::from(class(v.verdict, v.model_a == k.0))] += 1;
        }
    }
    let name = |id: i32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("model-{id}"))
    };
    let mut by_pair: BTreeMap<(i32, i32), Vec<&Cell>> = BTreeMap::new();
    for ((lo, hi, _), cell) in &cells {
        by_pair.entry((*lo, *hi)).or_default().push(cell);
    }
    let mut pairs: Vec<PairCrowdAgreement> = by_pair
        .into_iter()
        .filter_map(|((lo, hi), cells)| {
            let agreement = summarise(cells.into_iter());
            (agreement.questions > 0).then(|| {
                let (a, b) = (name(lo), name(hi));
                // Named in alphabetical order.
                let swap = b < a;
                // Agreement is symmetric in the sides: nothing to flip.
                let (model_a, model_b) = if swap { (b, a) } else { (a, b) };
                PairCrowdAgreement {
                    model_a,
                    model_b,
                    agreement,
                }
            })
        })
        .collect();
    pairs.sort_by(|x, y| (&x.model_a, &x.model_b).cmp(&(&y.model_a, &y.model_b)));
    (summarise(cells.values()), pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i32, q: i32, a: i32, b: i32) -> campaign_items::Model {
        campaign_items::Model {
            id,
            campaign_id: 1,
            question_id: q,
            model_a: a,
            model_b: b,
            gold: None,
        }
    }

    fn vote(q: i32, a: i32, b: i32, verdict: Verdict) -> CrowdVote {
        CrowdVote {
            question_id: q,
            model_a: a,
            model_b: b,
            verdict,
        }
    }

    #[test]
    fn per_pair_agreement_matches_a_hand_count() {
        use Verdict::{ModelA, ModelB, Tie, TieBothBad};
        let names: HashMap<i32, String> = [
            (1, "x".to_owned()),
            (2, "y".to_owned()),
            (3, "z".to_owned()),
        ]
        .into();
        // Question 10, x (1) vs y (2): two experts say x, one says tie.
        let i1 = item(1, 10, 1, 2);
        // Question 11, y vs x in the item's orientation: one expert says y.
        let i2 = item(2, 11, 2, 1);
        // Question 12, x vs z: one expert says z; no crowd vote there.
        let i3 = item(3, 12, 1, 3);
        let judgments = vec![
            (&i1, ModelA),
            (&i1, ModelA),
            (&i1, Tie),
            (&i2, ModelA),
            (&i3, ModelB),
        ];
        let votes = vec![
            // q10: x wins (as shown x/y), x wins (shown y/x), both bad.
            vote(10, 1, 2, ModelA),
            vote(10, 2, 1, ModelB),
            vote(10, 1, 2, TieBothBad),
            // q11: x wins.
            vote(11, 1, 2, ModelA),
            // Another question and a pair the experts did not judge: ignored.
            vote(13, 1, 2, ModelA),
            vote(10, 2, 3, ModelA),
        ];
        let (overall, pairs) = pair_agreement(&judgments, &votes, &names);
        // q10: experts [x, x, tie], crowd [x, x, tie]: with ties 2*2 + 1*1 of
        // 9 = 5/9; without ties 2*2 of 2*2 = 1. q11: expert y, crowd x: 0 and 0.
        assert_eq!(pairs.len(), 1);
        let p = &pairs[0];
        assert_eq!((p.model_a.as_str(), p.model_b.as_str()), ("x", "y"));
        assert_eq!(p.agreement.questions, 2);
        assert_eq!(p.agreement.expert_judgments, 4);
        assert_eq!(p.agreement.crowd_votes, 4);
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-12);
        assert!(close(p.agreement.with_ties, (5.0 / 9.0 + 0.0) / 2.0));
        assert!(close(p.agreement.without_ties, 0.5));
        assert_eq!(p.agreement.questions_without_ties, 2);
        // x vs z had no crowd vote: it is not a pair, and not in the overall.
        assert_eq!(overall, p.agreement);
    }

    #[test]
    fn without_shared_questions_there_is_no_agreement() {
        let (overall, pairs) = pair_agreement(&[], &[], &HashMap::new());
        assert!(pairs.is_empty());
        assert_eq!(overall.questions, 0);
        assert_eq!(overall.with_ties, None);
        assert_eq!(overall.without_ties, None);
    }
}
