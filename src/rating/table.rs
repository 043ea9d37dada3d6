//! Rating tables: the full-data rating, the bootstrap interval and the rank of
//! every model, for Bradley-Terry and for online Elo.

use statrs::distribution::{ContinuousCDF, Normal};

use super::bootstrap::{Gauge, quantile, replicates, well_sampled};
use super::bradley_terry::{BtConfig, determined, fit};
use super::comparisons::Comparisons;
use super::elo::{EloConfig, online_elo};
use super::rank::rank_upper_bound;
use super::sandwich::{Centre, covariance, standard_errors};
use rand::RngExt;
use rayon::prelude::*;

/// How the 95% intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CiMethod {
    /// Percentiles of a seeded bootstrap over the battles (FastChat).
    #[default]
    Bootstrap,
    /// The robust sandwich estimator with the normal quantile (arena-rank).
    Sandwich,
}

impl CiMethod {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bootstrap => "bootstrap",
            Self::Sandwich => "sandwich",
        }
    }

    /// # Errors
    /// Names the accepted methods.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "bootstrap" => Ok(Self::Bootstrap),
            "sandwich" => Ok(Self::Sandwich),
            other => Err(format!(
                "unknown interval method {other:?}; use sandwich or bootstrap"
            )),
        }
    }
}

/// Which method produced a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    BradleyTerry,
    Elo,
    /// Contextual Bradley-Terry: style held equal.
    StyleControl,
    /// Bradley-Terry with the tie rate fitted (Davidson 1970).
    Davidson,
}

impl Method {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BradleyTerry => "bt",
            Self::Elo => "elo",
            Self::StyleControl => "bt_style_control",
            Self::Davidson => "bt_davidson",
        }
    }
}

/// One model's line (serialised as a row of `ratings --format json`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RatingRow {
    pub model: String,
    pub rating: f64,
    /// 2.5th percentile of the bootstrap ratings (= `rating` without bootstrap).
    pub ci_lower: f64,
    /// 97.5th percentile.
    pub ci_upper: f64,
    pub votes: u64,
    /// Rank (UB): 1 + models whose lower bound is above this one's upper bound.
    pub rank: usize,
    /// The data do not pin this rating down yet: for Bradley-Terry, the model won
    /// or lost every battle against the main group (no finite estimate, see
    /// [`super::bradley_terry::determined`]).
    pub provisional: bool,
    /// With a reference model: this rating minus the reference's, with the
    /// 95% interval of the difference (from the covariance, or the bootstrap
    /// replicates of the difference; never from two separate intervals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap: Option<Gap>,
}

/// A difference of ratings with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gap {
    pub value: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

/// A leaderboard, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingTable {
    pub method: Method,
    pub ci_method: CiMethod,
    pub battles: u64,
    pub bootstrap_rounds: usize,
    pub seed: u64,
    pub rows: Vec<RatingRow>,
}

/// Options shared by both methods.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOptions {
    pub bootstrap_rounds: usize,
    pub seed: u64,
    /// Pin this model to this rating.
    pub anchor: Option<(String, f64)>,
    pub bt: BtConfig,
    pub elo: EloConfig,
    /// Bradley-Terry only; Elo always bootstraps.
    pub ci: CiMethod,
    /// Report every model's gap to this one (Bradley-Terry only).
    pub reference: Option<String>,
}

impl Default for TableOptions {
    fn default() -> Self {
        Self {
            bootstrap_rounds: 1000,
            seed: 0,
            anchor: None,
            bt: BtConfig::default(),
            elo: EloConfig::default(),
            ci: CiMethod::Bootstrap,
            reference: None,
        }
    }
}

/// Why a table could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("anchor model {0:?} has no battles")]
    UnknownAnchor(String),
    #[error("reference model {0:?} has no battles")]
    UnknownReference(String),
    #[error("style control reports ratings centred on 1000; it takes no anchor")]
    AnchorWithStyleControl,
}

/// The normal quantile of a two-sided 95% interval (statrs).
fn z95() -> f64 {
    Normal::new(0.0, 1.0).map_or(1.959_963_984_540_054, |n| n.inverse_cdf(0.975))
}

/// A style coefficient with its 95% sandwich interval, in natural-log units
/// per standard deviation of the feature.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Coefficient {
    pub feature: String,
    pub value: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

/// A style-controlled table: ratings with style held equal (sandwich
/// intervals, Rank (UB) among them), and the style coefficients.
///
/// # Errors
/// `AnchorWithStyleControl` when `options` has an anchor.
pub fn style_control_table(
    d: &super::contextual::StyledBattles,
    config: &super::contextual::ContextualConfig,
    options: &TableOptions,
) -> Result<(RatingTable, Vec<Coefficient>), TableError> {
    if options.anchor.is_some() {
        return Err(TableError::AnchorWithStyleControl);
    }
    let fit = super::contextual::fit_contextual(d, config);
    let z = z95();
    let k = d.models.len();
    let per_nat = options.bt.points_per_nat();
    let se = |i: usize| {
        fit.covariance
            .as_ref()
            .map_or(0.0, |c| c[(i, i)].max(0.0).sqrt())
    };
    let ratings = options.bt.to_ratings(&fit.theta);
    let intervals = (0..k)
        .map(|i| {
            let half = z * per_nat * se(i);
            (ratings[i] - half, ratings[i] + half)
        })
        .collect();
    let votes = d.model_battles();
    let mut wins = vec![0.0; k];
    for i in 0..d.len() {
        wins[d.a[i] as usize] += d.score[i];
        wins[d.b[i] as usize] += 1.0 - d.score[i];
    }
    // Won (or lost) every battle: no finite estimate, as in the plain fit.
    let provisional = (0..k)
        .map(|i| votes[i] > 0 && (wins[i] == 0.0 || wins[i] == votes[i] as f64))
        .collect();
    let table = assemble(
        Estimates {
            method: Method::StyleControl,
            models: &d.models,
            ratings,
            samples: Vec::new(),
            intervals: Some(intervals),
            votes,
            provisional,
            battles: d.len() as u64,
            gaps: None,
        },
        options,
    );
    let coefficients = d
        .feature_names
        .iter()
        .zip(&fit.beta)
        .enumerate()
        .map(|(j, (name, &value))| {
            let half = z * se(k + j);
            Coefficient {
                feature: name.clone(),
                value,
                ci_lower: value - half,
                ci_upper: value + half,
            }
        })
        .collect();
    Ok((table, coefficients))
}

/// What a method computed, before ranking.
struct Estimates<'a> {
    method: Method,
    models: &'a [String],
    ratings: Vec<f64>,
    samples: Vec<Vec<f64>>,
    /// Intervals given directly (sandwich), instead of from `samples`.
    intervals: Option<Vec<(f64, f64)>>,
    votes: Vec<u64>,
    provisional: Vec<bool>,
    battles: u64,
    /// Each model's gap to the reference, when there is one.
    gaps: Option<Vec<Gap>>,
}

fn assemble(e: Estimates<'_>, options: &TableOptions) -> RatingTable {
    let Estimates {
        method,
        models,
        ratings,
        mut samples,
        intervals: given,
        votes,
        provisional,
        battles,
        gaps,
    } = e;
    let ci_method = if given.is_some() {
        CiMethod::Sandwich
    } else {
        CiMethod::Bootstrap
    };
    let intervals: Vec<(f64, f64)> = given.unwrap_or_else(|| {
        (0..models.len())
            .map(|i| {
                let lo = quantile(&mut samples[i], 0.025).unwrap_or(ratings[i]);
                let hi = quantile(&mut samples[i], 0.975).unwrap_or(ratings[i]);
                (lo, hi)
            })
            .collect()
    });
    let mut rows: Vec<RatingRow> = (0..models.len())
        .filter(|&i| votes[i] > 0)
        .map(|i| RatingRow {
            model: models[i].clone(),
            rating: ratings[i],
            ci_lower: intervals[i].0,
            ci_upper: intervals[i].1,
            votes: votes[i],
            rank: 0,
            provisional: provisional[i],
            gap: gaps.as_ref().map(|g| g[i]),
        })
        .collect();
    // Ranks among the models that are listed (those with votes).
    let listed: Vec<(f64, f64)> = rows.iter().map(|r| (r.ci_lower, r.ci_upper)).collect();
    for (row, rank) in rows.iter_mut().zip(rank_upper_bound(&listed)) {
        row.rank = rank;
    }
    rows.sort_by(|a, b| {
        b.rating
            .total_cmp(&a.rating)
            .then_with(|| a.model.cmp(&b.model))
    });
    RatingTable {
        method,
        ci_method,
        battles,
        bootstrap_rounds: if ci_method == CiMethod::Sandwich {
            0
        } else {
            options.bootstrap_rounds
        },
        seed: options.seed,
        rows,
    }
}

/// Bradley-Terry ratings with bootstrap intervals. `progress` is called once per
/// replicate.
///
/// # Errors
/// When the anchor names a model without battles.
pub fn bradley_terry_table(
    c: &Comparisons,
    options: &TableOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<RatingTable, TableError> {
    let cfg = &options.bt;
    let mut full = fit(c, cfg, None).beta;
    let votes = c.model_battles();
    let gauge = match &options.anchor {
        Some((name, value)) => {
            let index = c
                .index_of(name)
                .filter(|&i| votes[i] > 0)
                .ok_or_else(|| TableError::UnknownAnchor(name.clone()))?;
            let pinned = (value - cfg.initial) / cfg.points_per_nat();
            let shift = pinned - full[index];
            for b in &mut full {
                *b += shift;
            }
            Gauge::Anchor {
                index,
                beta: pinned,
            }
        }
        None => Gauge::WellSampled,
    };
    let provisional: Vec<bool> = determined(c).iter().map(|d| !d).collect();
    if options.ci == CiMethod::Sandwich {
        let centre = match gauge {
            Gauge::Anchor { index, .. } => Centre::Anchor(index),
            Gauge::WellSampled => Centre::Chosen(well_sampled(&votes)),
        };
        let ratings = cfg.to_ratings(&full);
        let z = z95();
        let cov = covariance(c, &full, 0.0, &centre);
        let se = cov.as_ref().map(standard_errors);
        let gaps = reference_index(c, options)?.map(|r| {
            (0..full.len())
                .map(|i| {
                    // Var(θi − θr) from the covariance: gauge-free.
                    let half = cov.as_ref().map_or(f64::INFINITY, |v| {
                        let var = v[(i, i)] + v[(r, r)] - 2.0 * v[(i, r)];
                        z * cfg.points_per_nat() * var.max(0.0).sqrt()
                    });
                    let value = ratings[i] - ratings[r];
                    Gap {
                        value,
                        ci_lower: value - half,
                        ci_upper: value + half,
                    }
                })
                .collect()
        });
        let intervals = (0..full.len())
            .map(|i| {
                let half = se
                    .as_ref()
                    .map_or(f64::INFINITY, |s| z * cfg.points_per_nat() * s[i]);
                (ratings[i] - half, ratings[i] + half)
            })
            .collect();
        return Ok(assemble(
            Estimates {
                method: Method::BradleyTerry,
                models: c.models(),
                ratings,
                samples: Vec::new(),
                intervals: Some(intervals),
                votes,
                provisional,
                battles: c.battles(),
                gaps,
            },
            options,
        ));
    }
    let reference = reference_index(c, options)?;
    let reps = replicates(
        c,
        &full,
        cfg,
        gauge,
        options.bootstrap_rounds,
        options.seed,
        progress,
    );
    let samples: Vec<Vec<f64>> = (0..full.len())
        .map(|i| {
            reps.iter()
                .map(|r| cfg.initial + cfg.points_per_nat() * r[i])
                .collect()
        })
        .collect();
    let ratings = cfg.to_ratings(&full);
    let gaps = reference.map(|r| {
        (0..full.len())
            .map(|i| {
                // Percentiles of the replicates' differences.
                let mut diffs: Vec<f64> = reps
                    .iter()
                    .map(|rep| cfg.points_per_nat() * (rep[i] - rep[r]))
                    .collect();
                let value = ratings[i] - ratings[r];
                Gap {
                    value,
                    ci_lower: quantile(&mut diffs, 0.025).unwrap_or(value),
                    ci_upper: quantile(&mut diffs, 0.975).unwrap_or(value),
                }
            })
            .collect()
    });
    Ok(assemble(
        Estimates {
            method: Method::BradleyTerry,
            models: c.models(),
            ratings,
            samples,
            intervals: None,
            votes,
            provisional,
            battles: c.battles(),
            gaps,
        },
        options,
    ))
}

/// The index of the reference model, `None` without one.
///
/// # Errors
/// `UnknownReference` when it has no battles.
fn reference_index(c: &Comparisons, options: &TableOptions) -> Result<Option<usize>, TableError> {
    let Some(name) = &options.reference else {
        return Ok(None);
    };
    let votes = c.model_battles();
    c.index_of(name)
        .filter(|&i| votes[i] > 0)
        .map(Some)
        .ok_or_else(|| TableError::UnknownReference(name.clone()))
}

/// Online Elo over `battles` (model indices into `models`, score of the first
/// model) in the order given. Bootstrap replicates follow the Chatbot Arena's
/// convention for Elo: draw N battles with replacement, in the drawn order, and
/// rerun online Elo; and, as FastChat's `elo_analysis.py` reports its `elo`
/// system, the rating is then the median of the replicates (the online Elo of
/// the battles in their own order, with no rounds).
///
/// # Errors
/// When the anchor names a model without battles.
pub fn elo_table(
    models: &[String],
    battles: &[(u32, u32, f64)],
    options: &TableOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<RatingTable, TableError> {
    let m = models.len();
    let run = |sequence: &mut dyn Iterator<Item = (u32, u32, f64)>| -> Vec<f64> {
        let r = online_elo(sequence, options.elo);
        (0..m)
            .map(|i| r.get(&(i as u32)).copied().unwrap_or(f64::NAN))
            .collect::<Vec<f64>>()
    };
    let mut votes = vec![0u64; m];
    for &(a, b, _) in battles {
        votes[a as usize] += 1;
        votes[b as usize] += 1;
    }
    let anchor = match &options.anchor {
        Some((name, value)) => Some((
            models
                .iter()
                .position(|x| x == name)
                .filter(|&i| votes[i] > 0)
                .ok_or_else(|| TableError::UnknownAnchor(name.clone()))?,
            *value,
        )),
        None => None,
    };
    let pin = |r: &mut Vec<f64>| {
        if let Some((i, value)) = anchor {
            let shift = value - r[i];
            for x in r.iter_mut() {
                *x += shift;
            }
        }
    };
    let mut ratings = run(&mut battles.iter().copied());
    pin(&mut ratings);
    let n = battles.len();
    let reps: Vec<Vec<f64>> = (0..options.bootstrap_rounds)
        .into_par_iter()
        .map(|round| {
            let mut rng = super::bootstrap::replicate_rng(options.seed, round);
            let mut drawn = (0..n).map(|_| battles[rng.random_range(0..n)]);
            let mut r = run(&mut drawn);
            pin(&mut r);
            progress();
            r
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = (0..m)
        .map(|i| reps.iter().map(|r| r[i]).collect())
        .collect();
    for (rating, sample) in ratings.iter_mut().zip(samples.iter_mut()) {
        if let Some(median) = super::bootstrap::quantile(sample, 0.5) {
            *rating = median;
        }
    }
    Ok(assemble(
        Estimates {
            method: Method::Elo,
            models,
            ratings,
            samples,
            intervals: None,
            provisional: vec![false; m],
            votes,
            battles: n as u64,
            gaps: None,
        },
        options,
    ))
}

/// A Davidson table: ratings on the Bradley-Terry scale with the tie rate
/// fitted explicitly (sandwich intervals, Rank (UB)), and the fit itself.
///
/// # Errors
/// `UnknownAnchor` when the anchor names a model without battles.
pub fn davidson_table(
    c: &Comparisons,
    options: &TableOptions,
) -> Result<(RatingTable, super::davidson::DavidsonFit), TableError> {
    let fit = super::davidson::fit_davidson(c);
    let theta = &fit.theta;
    let votes = c.model_battles();
    // An anchor shifts every rating (and interval) by the same amount.
    let shift = match &options.anchor {
        Some((name, value)) => {
            let i = c
                .index_of(name)
                .filter(|&i| votes[i] > 0)
                .ok_or_else(|| TableError::UnknownAnchor(name.clone()))?;
            let per_nat = options.bt.points_per_nat();
            value - (options.bt.initial + per_nat * theta[i])
        }
        None => 0.0,
    };
    let z = z95();
    let per_nat = options.bt.points_per_nat();
    let ratings: Vec<f64> = options
        .bt
        .to_ratings(theta)
        .iter()
        .map(|r| r + shift)
        .collect();
    let intervals = (0..theta.len())
        .map(|i| {
            let se = fit
                .covariance
                .as_ref()
                .map_or(0.0, |v| v[(i, i)].max(0.0).sqrt());
            (ratings[i] - z * per_nat * se, ratings[i] + z * per_nat * se)
        })
        .collect();
    let provisional = determined(c).into_iter().map(|d| !d).collect();
    let table = assemble(
        Estimates {
            method: Method::Davidson,
            models: c.models(),
            ratings,
            samples: Vec::new(),
            intervals: Some(intervals),
            votes,
            provisional,
            battles: c.battles(),
            gaps: None,
        },
        options,
    );
    Ok((table, fit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Verdict;

    #[test]
    fn no_bootstrap_gives_point_intervals_and_plain_ranks() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 30),
            ("a", "b", Verdict::ModelB, 10),
            ("b", "c", Verdict::ModelA, 30),
            ("b", "c", Verdict::ModelB, 10),
        ]);
        let options = TableOptions {
            bootstrap_rounds: 0,
            ..TableOptions::default()
        };
        let t = bradley_terry_table(&c, &options, &|| {}).expect("table");
        let names: Vec<&str> = t.rows.iter().map(|r| r.model.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(t.rows.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(
            t.rows
                .iter()
                .all(|r| r.ci_lower == r.rating && r.ci_upper == r.rating)
        );
        assert_eq!(t.rows[1].votes, 80);
        assert_eq!(t.battles, 80);
    }

    #[test]
    fn the_anchor_is_pinned_in_every_replicate() {
        let c = Comparisons::from_counts([
            ("a", "b", Verdict::ModelA, 30),
            ("a", "b", Verdict::ModelB, 20),
            ("b", "c", Verdict::ModelA, 25),
            ("b", "c", Verdict::ModelB, 25),
        ]);
        let options = TableOptions {
            bootstrap_rounds: 50,
            anchor: Some(("b".into(), 1200.0)),
            ..TableOptions::default()
        };
        let t = bradley_terry_table(&c, &options, &|| {}).expect("table");
        let b = t.rows.iter().find(|r| r.model == "b").expect("b");
        assert!((b.rating - 1200.0).abs() < 1e-9);
        assert!((b.ci_lower - 1200.0).abs() < 1e-9 && (b.ci_upper - 1200.0).abs() < 1e-9);
        let bad = TableOptions {
            anchor: Some(("nobody".into(), 1.0)),
            ..options
        };
        assert!(bradley_terry_table(&c, &bad, &|| {}).is_err());
    }

    #[test]
    fn elo_table_matches_online_elo_and_brackets_it() {
        let models = vec!["x".to_owned(), "y".to_owned()];
        let battles: Vec<(u32, u32, f64)> = (0..200)
            .map(|i| (0, 1, if i % 4 == 0 { 0.0 } else { 1.0 }))
            .collect();
        let options = TableOptions {
            bootstrap_rounds: 100,
            seed: 3,
            ..TableOptions::default()
        };
        let t = elo_table(&models, &battles, &options, &|| {}).expect("table");
        let x = &t.rows[0];
        assert_eq!(x.model, "x");
        // As FastChat reports Elo: the median of the replicates, which the
        // interval brackets; the online Elo of the battles in their own order
        // is near it.
        let direct = online_elo(battles.iter().copied(), EloConfig::default());
        assert!(x.ci_lower < x.rating && x.rating < x.ci_upper, "{x:?}");
        assert!(
            (x.rating - direct[&0]).abs() < 30.0,
            "{x:?} vs {}",
            direct[&0]
        );
        assert_eq!(x.votes, 200);
        // With no rounds, the online Elo itself.
        let no_rounds = TableOptions {
            bootstrap_rounds: 0,
            ..TableOptions::default()
        };
        let once = elo_table(&models, &battles, &no_rounds, &|| {}).expect("table");
        assert!((once.rows[0].rating - direct[&0]).abs() < 1e-9);
    }

    #[test]
    fn an_empty_input_gives_an_empty_table() {
        let t = bradley_terry_table(&Comparisons::default(), &TableOptions::default(), &|| {})
            .expect("table");
        assert!(t.rows.is_empty());
        let e = elo_table(&[], &[], &TableOptions::default(), &|| {}).expect("table");
        assert!(e.rows.is_empty());
    }
}
