//! A campaign's results: the expert leaderboard (overall and per axis), the
//! win/tie/lose table against the baseline, safety flags, and agreement.
//! Judgments are stored in each item's own orientation (its first model is
//! `model_a`), so everything here is computed in that orientation.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::rubric::Rubric;
use crate::domain::Verdict;
use crate::rating::agreement::{Metric, cohen_kappa, fleiss_kappa, krippendorff_alpha_interval};
use crate::rating::proportion::wilson;
use crate::rating::{Comparisons, TableOptions, bradley_terry_table};
use crate::store::campaigns::CampaignData;
use crate::store::entities::campaigns;

/// A value with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardRow {
    pub model: String,
    pub rating: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub judgments: u64,
    pub rank: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Board {
    pub rows: Vec<BoardRow>,
}

/// One model against the baseline, in %.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinTieLose {
    pub model: String,
    pub baseline: String,
    pub judgments: u64,
    pub win: Interval,
    pub tie: Interval,
    pub lose: Interval,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyRow {
    pub model: String,
    pub answers_judged: u64,
    pub flagged: u64,
    pub rate: Interval,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlaggedAnswer {
    pub item_id: i32,
    pub model: String,
    pub rater: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Over the items with exactly `raters_per_item` judgments.
    pub fleiss_kappa: Option<f64>,
    pub krippendorff_alpha: Option<Interval>,
    /// `nominal` for the preference, `ordinal` for an axis (A better < tie < B better).
    pub metric: &'static str,
    pub items: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub rater_a: String,
    pub rater_b: String,
    pub items: usize,
    pub cohen_kappa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterAgreement {
    pub rater: String,
    /// Items with a strict majority among the other raters.
    pub items: usize,
    pub with_majority: Option<f64>,
    /// Gold items judged, and the share judged as the gold says.
    pub gold_items: usize,
    pub gold_accuracy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreements {
    pub preference: Agreement,
    pub axes: BTreeMap<String, Agreement>,
    pub raters: Vec<PairAgreement>,
    pub majority: Vec<RaterAgreement>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub items: usize,
    pub assigned: usize,
    pub judged: usize,
    pub skipped: usize,
    pub per_rater: BTreeMap<String, (usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignResults {
    pub campaign: i32,
    pub status: String,
    pub rubric: String,
    pub leaderboard: Board,
    pub axes: BTreeMap<String, Board>,
    pub win_tie_lose: Vec<WinTieLose>,
    pub safety: Vec<SafetyRow>,
    pub flagged: Vec<FlaggedAnswer>,
    pub agreement: Agreements,
    pub progress: Progress,
    /// Filled in by the service, which reads the crowd's counts.
    pub expert_vs_crowd: Option<super::crowd::ExpertVsCrowd>,
}

/// One judgment as exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportRow {
    pub item_id: i32,
    pub question_id: i32,
    pub model_a: String,
    pub model_b: String,
    pub rater: String,
    pub preference: String,
    pub axes: BTreeMap<String, String>,
    pub shown_swapped: bool,
    pub safety_a: Option<String>,
    pub safety_b: Option<String>,
    pub comment: Option<String>,
    pub rubric: String,
    pub judged_at: String,
}

/// A stable pseudonym for a rater within a campaign.
fn pseudonym(campaign: i32, expert: i32) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("goldarena campaign {campaign} rater {expert}").as_bytes());
    format!(
        "rater-{}",
        digest
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn board(counts: &HashMap<(String, String, Verdict), u64>) -> Board {
    let comparisons = Comparisons::from_counts(
        counts
            .iter()
            .map(|((a, b, v), n)| (a.as_str(), b.as_str(), *v, *n)),
    );
    let options = TableOptions {
        bootstrap_rounds: 500,
        ..TableOptions::default()
    };
    let rows = bradley_terry_table(&comparisons, &options, &|| {})
        .map(|t| {
            t.rows
                .into_iter()
                .map(|r| BoardRow {
                    model: r.model,
                    rating: r.rating,
                    ci_lower: r.ci_lower,
                    ci_upper: r.ci_upper,
                    judgments: r.votes,
                    rank: r.rank,
                })
                .collect()
        })
        .unwrap_or_default();
    Board { rows }
}

fn interval(k: f64, n: f64) -> Interval {
    wilson(k, n, 0.95).map_or(
        Interval {
            value: 0.0,
            lower: 0.0,
            upper: 1.0,
        },
        |p| Interval {
            value: p.value,
            lower: p.lower,
            upper: p.upper,
        },
    )
}

/// Category index of a verdict for agreement: the preference as nominal
/// (4 values), an axis as ordinal (A better, tie, B better).
fn category(v: Verdict, ordinal: bool) -> usize {
    match (v, ordinal) {
        (Verdict::ModelA, _) => 0,
        (Verdict::Tie, true) => 1,
        (Verdict::ModelB, true) => 2,
        (Verdict::ModelB, false) => 1,
        (Verdict::Tie, false) => 2,
        (Verdict::TieBothBad, _) => 3,
    }
}

fn agreement(
    per_item: &BTreeMap<i32, Vec<usize>>,
    categories: usize,
    raters: usize,
    ordinal: bool,
) -> Agreement {
    let full: Vec<Vec<u32>> = per_item
        .values()
        .filter(|v| v.len() == raters)
        .map(|v| {
            let mut counts = vec![0u32; categories];
            for &c in v {
                counts[c] += 1;
            }
            counts
        })
        .collect();
    let units: Vec<Vec<usize>> = per_item
        .values()
        .filter(|v| v.len() >= 2)
        .cloned()
        .collect();
    let metric = if ordinal {
        Metric::Ordinal
    } else {
        Metric::Nominal
    };
    Agreement {
        fleiss_kappa: fleiss_kappa(&full),
        krippendorff_alpha: krippendorff_alpha_interval(&units, categories, metric, 500, 0).map(
            |e| Interval {
                value: e.value,
                lower: e.lower,
                upper: e.upper,
            },
        ),
        metric: if ordinal { "ordinal" } else { "nominal" },
        items: units.len(),
    }
}

/// Computes the results from the campaign's stored data.
#[must_use]
pub fn compute(
    campaign: &campaigns::Model,
    rubric: &Rubric,
    data: &CampaignData,
    names: &HashMap<i32, String>,
) -> CampaignResults {
    let name = |id: i32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("model-{id}"))
    };
    let items: HashMap<i32, &crate::store::entities::campaign_items::Model> =
        data.items.iter().map(|i| (i.id, i)).collect();
    let mut overall: HashMap<(String, String, Verdict), u64> = HashMap::new();
    let mut per_axis: BTreeMap<String, HashMap<(String, String, Verdict), u64>> = BTreeMap::new();
    let mut pref_by_item: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    let mut axis_by_item: BTreeMap<String, BTreeMap<i32, Vec<usize>>> = BTreeMap::new();
    let mut by_rater: HashMap<i32, HashMap<i32, usize>> = HashMap::new();
    let mut wtl: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    let mut safety: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut flagged = Vec::new();
    let baseline = campaign.baseline.clone();
    for j in &data.judgments {
        let Some(item) = items.get(&j.item_id) else {
            continue;
        };
        let Ok(pref) = Verdict::parse(&j.preference) else {
            continue;
        };
        let (a, b) = (name(item.model_a), name(item.model_b));
        *overall.entry((a.clone(), b.clone(), pref)).or_default() += 1;
        let c = category(pref, false);
        pref_by_item.entry(j.item_id).or_default().push(c);
        by_rater
            .entry(j.expert_id)
            .or_default()
            .insert(j.item_id, c);
        let axes: BTreeMap<String, String> = serde_json::from_str(&j.axes).unwrap_or_default();
        for axis in &rubric.axes {
            if let Some(v) = axes.get(&axis.key).and_then(|v| Verdict::parse(v).ok()) {
                *per_axis
                    .entry(axis.key.clone())
                    .or_default()
                    .entry((a.clone(), b.clone(), v))
                    .or_default() += 1;
                axis_by_item
                    .entry(axis.key.clone())
                    .or_default()
                    .entry(j.item_id)
                    .or_default()
                    .push(category(v, true));
            }
        }
        if baseline.as_deref() == Some(b.as_str()) {
            let slot = match pref {
                Verdict::ModelA => 0,
                Verdict::ModelB => 2,
                Verdict::Tie | Verdict::TieBothBad => 1,
            };
            wtl.entry(a.clone()).or_default()[slot] += 1;
        }
        for (model, flag) in [(&a, &j.safety_a), (&b, &j.safety_b)] {
            let s = safety.entry(model.clone()).or_default();
            s.0 += 1;
            if let Some(reason) = flag {
                s.1 += 1;
                flagged.push(FlaggedAnswer {
                    item_id: j.item_id,
                    model: model.clone(),
                    rater: pseudonym(campaign.id, j.expert_id),
                    reason: reason.clone(),
                });
            }
        }
    }
    let raters = usize::try_from(campaign.raters_per_item).unwrap_or(1);
    let mut pairs = Vec::new();
    let mut ids: Vec<i32> = by_rater.keys().copied().collect();
    ids.sort_unstable();
    for (i, &x) in ids.iter().enumerate() {
        for &y in &ids[i + 1..] {
            let shared: Vec<(usize, usize)> = by_rater[&x]
                .iter()
                .filter_map(|(item, &cx)| by_rater[&y].get(item).map(|&cy| (cx, cy)))
                .collect();
            if !shared.is_empty() {
                pairs.push(PairAgreement {
                    rater_a: pseudonym(campaign.id, x),
                    rater_b: pseudonym(campaign.id, y),
                    items: shared.len(),
                    cohen_kappa: cohen_kappa(&shared, 4),
                });
            }
        }
    }
    let majority = ids
        .iter()
        .map(|&r| {
            let mut agree = 0usize;
            let mut total = 0usize;
            for (item, &mine) in &by_rater[&r] {
                let mut counts = [0usize; 4];
                for (&other, labels) in &by_rater {
                    if other != r
                        && let Some(&c) = labels.get(item)
                    {
                        counts[c] += 1;
                    }
                }
                let max = counts.iter().copied().max().unwrap_or(0);
                if max > 0 && counts.iter().filter(|&&c| c == max).count() == 1 {
                    total += 1;
                    if counts[mine] == max {
                        agree += 1;
                    }
                }
            }
            let gold: Vec<bool> = data
                .judgments
                .iter()
                .filter(|j| j.expert_id == r)
                .filter_map(|j| {
                    items
                        .get(&j.item_id)
                        .and_then(|i| i.gold.as_deref())
                        .map(|g| g == j.preference)
                })
                .collect();
            RaterAgreement {
                rater: pseudonym(campaign.id, r),
                items: total,
                with_majority: (total > 0).then(|| agree as f64 / total as f64),
                gold_items: gold.len(),
                gold_accuracy: (!gold.is_empty())
                    .then(|| gold.iter().filter(|g| **g).count() as f64 / gold.len() as f64),
            }
        })
        .collect();
    let mut per_rater: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for a in &data.assignments {
        let e = per_rater
            .entry(pseudonym(campaign.id, a.expert_id))
            .or_default();
        e.1 += 1;
        if a.status != "pending" {
            e.0 += 1;
        }
    }
    CampaignResults {
        campaign: campaign.id,
        status: campaign.status.clone(),
        rubric: rubric.id.clone(),
        leaderboard: board(&overall),
        axes: per_axis
            .iter()
            .map(|(k, c)| (k.clone(), board(c)))
            .collect(),
        win_tie_lose: wtl
            .into_iter()
            .map(|(model, [w, t, l])| {
                let n = (w + t + l) as f64;
                WinTieLose {
                    model,
                    baseline: baseline.clone().unwrap_or_default(),
                    judgments: w + t + l,
                    win: interval(w as f64, n),
                    tie: interval(t as f64, n),
                    lose: interval(l as f64, n),
                }
            })
            .collect(),
        safety: safety
            .into_iter()
            .map(|(model, (n, f))| SafetyRow {
                model,
                answers_judged: n,
                flagged: f,
                rate: interval(f as f64, n as f64),
            })
            .collect(),
        flagged,
        agreement: Agreements {
            preference: agreement(&pref_by_item, 4, raters, false),
            axes: axis_by_item
                .iter()
                .map(|(k, v)| (k.clone(), agreement(v, 3, raters, true)))
                .collect(),
            raters: pairs,
            majority,
        },
        expert_vs_crowd: None,
        progress: Progress {
            items: data.items.len(),
            assigned: data.assignments.len(),
            judged: data.judgments.len(),
            skipped: data
                .assignments
                .iter()
                .filter(|a| a.status == "skipped")
                .count(),
            per_rater,
        },
    }
}

/// The judgments as exported: one per line, in the item's orientation.
#[must_use]
pub fn export_rows(
    campaign: &campaigns::Model,
    data: &CampaignData,
    names: &HashMap<i32, String>,
) -> Vec<ExportRow> {
    let name = |id: i32| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("model-{id}"))
    };
    let items: HashMap<i32, &crate::store::entities::campaign_items::Model> =
        data.items.iter().map(|i| (i.id, i)).collect();
    let swapped: HashMap<i32, bool> = data
        .assignments
        .iter()
        .map(|a| (a.id, a.shown_swapped))
        .collect();
    data.judgments
        .iter()
        .filter_map(|j| {
            let item = items.get(&j.item_id)?;
            Some(ExportRow {
                item_id: j.item_id,
                question_id: item.question_id,
                model_a: name(item.model_a),
                model_b: name(item.model_b),
                rater: pseudonym(campaign.id, j.expert_id),
                preference: j.preference.clone(),
                axes: serde_json::from_str(&j.axes).unwrap_or_default(),
                shown_swapped: swapped.get(&j.assignment_id).copied().unwrap_or(false),
                safety_a: j.safety_a.clone(),
                safety_b: j.safety_b.clone(),
                comment: j.comment.clone(),
                rubric: j.rubric_version.clone(),
                judged_at: j.created_at.to_rfc3339(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;
    use crate::store::entities::{assignments, campaign_items, judgments};

    fn campaign() -> campaigns::Model {
        campaigns::Model {
            id: 1,
            name: "sim".into(),
            question_set: "sim".into(),
            models: "[]".into(),
            baseline: None,
            raters_per_item: 3,
            rubric: "medical-v1".into(),
            experts: None,
            specialties: "[]".into(),
            status: "open".into(),
            created_by: "test".into(),
            created_at: chrono::Utc::now(),
            gold: None,
            gold_gate: None,
        }
    }

    /// Raters who judge by a known Bradley-Terry model: the expert board's
    /// intervals cover the true ratings about as often as they should.
    #[test]
    fn the_expert_board_recovers_known_ratings() {
        let truth = [1120.0, 1040.0, 960.0, 880.0];
        let names: HashMap<i32, String> = (0..4).map(|i| (i, format!("m{i}"))).collect();
        let rubric = Rubric::medical_v1();
        let (mut covered, mut total) = (0usize, 0usize);
        for seed in 0..20u64 {
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut items = Vec::new();
            let mut assigned = Vec::new();
            let mut judged = Vec::new();
            let mut next_id = 1;
            for q in 0..60 {
                for a in 0..4 {
                    for b in a + 1..4 {
                        let item = next_id;
                        next_id += 1;
                        items.push(campaign_items::Model {
                            id: item,
                            campaign_id: 1,
                            question_id: q,
                            model_a: a,
                            model_b: b,
                            gold: None,
                        });
                        for rater in 0..3 {
                            let p = 1.0
                                / (1.0
                                    + 10f64.powf((truth[b as usize] - truth[a as usize]) / 400.0));
                            let pref = if rng.random::<f64>() < p {
                                "model_a"
                            } else {
                                "model_b"
                            };
                            let assignment = item * 10 + rater;
                            assigned.push(assignments::Model {
                                id: assignment,
                                campaign_id: 1,
                                item_id: item,
                                expert_id: rater,
                                shown_swapped: false,
                                position: 0,
                                status: "done".into(),
                                skip_reason: None,
                                assigned_at: chrono::Utc::now(),
                            });
                            judged.push(judgments::Model {
                                id: assignment,
                                assignment_id: assignment,
                                campaign_id: 1,
                                item_id: item,
                                expert_id: rater,
                                preference: pref.into(),
                                axes: "{}".into(),
                                safety_a: None,
                                safety_b: None,
                                comment: None,
                                rubric_version: "medical-v1".into(),
                                created_at: chrono::Utc::now(),
                            });
                        }
                    }
                }
            }
            let data = CampaignData {
                items,
                assignments: assigned,
                judgments: judged,
            };
            let results = compute(&campaign(), &rubric, &data, &names);
            // The board is centred on its models' mean, as the truth is (1000).
            for row in &results.leaderboard.rows {
                let i: usize = row.model[1..].parse().expect("index");
                total += 1;
                if row.ci_lower <= truth[i] && truth[i] <= row.ci_upper {
                    covered += 1;
                }
            }
            assert_eq!(results.progress.judged, 1080);
        }
        let rate = covered as f64 / total as f64;
        assert!(rate >= 0.85, "coverage {covered}/{total}");
    }
}
