//! Expert campaigns: an operator opens a blind study of model pairs over a
//! question set; experts judge their assigned items with a rubric, a safety
//! flag per answer and an overall preference; the results put an expert
//! leaderboard, a win/tie/lose table against a baseline and the raters'
//! agreement side by side.

pub mod assignment;
pub mod crowd;
pub mod results;
pub mod rubric;

use crate::store::db::BeginWrite;
use std::collections::{HashMap, HashSet};

use anyhow::Context;
use rand::seq::SliceRandom;
use sea_orm::{DatabaseConnection, Set};

use crate::auth::AuthUser;
use crate::domain::Verdict;
use crate::markdown::to_safe_html;
use crate::store;
use crate::store::campaigns::NewCampaign;
use crate::store::entities::{campaign_items, campaigns, judgments};
use assignment::{ExpertSpec, ItemSpec, assign};
pub use rubric::Rubric;

/// Why a campaign request was refused.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("no campaign with id {0}")]
    NotFound(i32),
    #[error("{0}")]
    Invalid(String),
    #[error("campaign {id} is {status}")]
    WrongStatus { id: i32, status: String },
    #[error("you are not a rater of campaign {0}")]
    NotARater(i32),
    #[error("campaign {id} has no item {item_id}")]
    ItemNotFound { id: i32, item_id: i32 },
    #[error("item {0} was judged already")]
    AlreadyJudged(i32),
    #[error(
        "your accuracy on the gold items ({accuracy:.0}%) is below the {needed:.0}% this campaign asks; ask its lead"
    )]
    GateFailed { accuracy: f64, needed: f64 },
    #[error("this campaign has a gold gate: judge your gold items first ({0} still waiting)")]
    GoldFirst(usize),
    #[error(
        "a different rubric is stored as {0:?}: rubrics never change, so give this one a new id (e.g. a higher version)"
    )]
    RubricExists(String),
    #[error(
        "item {item_id} is a gold item already, with {gold:?}: a gold verdict is not replaced (experts were measured against it)"
    )]
    GoldExists { item_id: i32, gold: String },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A gold verdict, at creation or by adjudication: what a careful expert
/// picks, so not "both bad".
fn gold_verdict(text: &str) -> Result<Verdict, String> {
    match Verdict::parse(text) {
        Ok(v @ (Verdict::ModelA | Verdict::ModelB | Verdict::Tie)) => Ok(v),
        _ => Err(format!(
            "gold verdict {text:?} must be model_a, model_b or tie"
        )),
    }
}

/// What an operator asks for.
#[derive(Debug, Clone)]
pub struct CampaignRequest {
    pub name: String,
    pub question_set: String,
    pub models: Vec<String>,
    pub baseline: Option<String>,
    pub raters_per_item: usize,
    pub rubric: String,
    pub experts: Option<Vec<String>>,
    pub specialties: Vec<String>,
    /// Pairs whose better answer is known.
    pub gold: Vec<GoldSpec>,
    /// Accuracy on the gold items an expert needs before judging the rest.
    pub gold_gate: Option<f64>,
}

/// A gold item: a question and two models of the campaign, and the verdict
/// an expert should give (`model_a` is `model_a` here).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldSpec {
    pub question_id: i32,
    pub model_a: String,
    pub model_b: String,
    pub verdict: String,
}

/// An item the experts disagree on, or that carries a safety flag.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Disputed {
    pub item_id: i32,
    pub question_id: i32,
    pub model_a: String,
    pub model_b: String,
    /// Judgments per preference, in the item's orientation.
    pub votes: HashMap<String, usize>,
    pub safety_flags: usize,
    pub why: &'static str,
}

/// An item as an expert sees it: no model names.
#[derive(Debug, Clone)]
pub struct NextItem {
    pub item_id: i32,
    pub question: Vec<String>,
    pub a_html: String,
    pub b_html: String,
    pub rubric: Rubric,
    pub done: usize,
    pub total: usize,
}

/// An expert's judgment as they gave it (sides as they were shown).
#[derive(Debug, Clone)]
pub struct JudgmentInput {
    pub item_id: i32,
    pub preference: String,
    pub axes: HashMap<String, String>,
    pub safety_a: Option<String>,
    pub safety_b: Option<String>,
    pub comment: Option<String>,
}

/// The campaign service.
#[derive(Clone)]
pub struct Campaigns {
    db: DatabaseConnection,
}

fn parse_list(json: &str) -> anyhow::Result<Vec<String>> {
    serde_json::from_str(json).context("stored list is not JSON")
}

/// A verdict as shown, in the item's own orientation.
fn orient(verdict: Verdict, swapped: bool) -> Verdict {
    match (verdict, swapped) {
        (Verdict::ModelA, true) => Verdict::ModelB,
        (Verdict::ModelB, true) => Verdict::ModelA,
        (v, _) => v,
    }
}

impl Campaigns {
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Creates a draft campaign after checking its models, baseline, question
    /// set and rubric.
    ///
    /// # Errors
    /// `Invalid`, or a database error.
    pub async fn create(
        &self,
        by: &str,
        req: CampaignRequest,
    ) -> Result<campaigns::Model, CampaignError> {
        let invalid = |m: String| Err(CampaignError::Invalid(m));
        if req.name.trim().is_empty() {
            return invalid("a campaign needs a name".to_owned());
        }
        if self.find_rubric(&req.rubric).await?.is_none() {
            let known: Vec<String> = self.rubrics().await?.into_iter().map(|r| r.id).collect();
            return invalid(format!(
                "unknown rubric {:?}; known: {}",
                req.rubric,
                known.join(", ")
            ));
        }
        if req.raters_per_item == 0 || req.raters_per_item > 20 {
            return invalid("raters_per_item must be between 1 and 20".to_owned());
        }
        let mut models = req.models.clone();
        models.sort();
        models.dedup();
        if let Some(b) = &req.baseline
            && !models.contains(b)
        {
            models.push(b.clone());
        }
        if models.len() < 2 {
            return invalid("a campaign needs at least two models".to_owned());
        }
        let known: HashSet<String> = store::models::list(&self.db)
            .await?
            .into_iter()
            .map(|m| m.name)
            .collect();
        if let Some(m) = models.iter().find(|m| !known.contains(*m)) {
            return invalid(format!("no model called {m:?}"));
        }
        if !store::questions::set_exists(&self.db, &req.question_set).await? {
            return invalid(format!("no question set called {:?}", req.question_set));
        }
        for g in &req.gold {
            if !models.contains(&g.model_a)
                || !models.contains(&g.model_b)
                || g.model_a == g.model_b
            {
                return invalid(format!(
                    "gold item on question {}: {} and {} must be two models of the campaign",
                    g.question_id, g.model_a, g.model_b
                ));
            }
            gold_verdict(&g.verdict).map_err(CampaignError::Invalid)?;
        }
        if let Some(g) = req.gold_gate
            && (!(0.0..=1.0).contains(&g) || req.gold.is_empty())
        {
            return invalid(
                "gold_gate is an accuracy between 0 and 1, and needs gold_items".to_owned(),
            );
        }
        let campaign = store::campaigns::insert(
            &self.db,
            NewCampaign {
                name: req.name.trim().to_owned(),
                question_set: req.question_set,
                models,
                baseline: req.baseline,
                raters_per_item: i32::try_from(req.raters_per_item).unwrap_or(1),
                rubric: req.rubric,
                experts: req
                    .experts
                    .map(|e| e.iter().map(|x| x.trim().to_lowercase()).collect()),
                specialties: req.specialties,
                created_by: by.to_owned(),
                gold: if req.gold.is_empty() {
                    None
                } else {
                    Some(serde_json::to_string(&req.gold).context("encode gold items")?)
                },
                gold_gate: req.gold_gate,
            },
        )
        .await?;
        Ok(campaign)
    }

    /// A rubric by id: a built-in one, or one an operator stored.
    ///
    /// # Errors
    /// On a database error, or a stored rubric that no longer parses.
    pub async fn find_rubric(&self, id: &str) -> anyhow::Result<Option<Rubric>> {
        if let Some(r) = Rubric::builtin(id) {
            return Ok(Some(r));
        }
        store::rubrics::find(&self.db, id)
            .await?
            .map(|r| Rubric::from_toml(&r.definition).map_err(anyhow::Error::msg))
            .transpose()
    }

    /// The rubric of a campaign (checked when the campaign was created).
    async fn rubric(&self, id: &str) -> Result<Rubric, CampaignError> {
        self.find_rubric(id)
            .await?
            .ok_or_else(|| CampaignError::Unexpected(anyhow::anyhow!("rubric {id:?} is gone")))
    }

    /// Every rubric a campaign may use: the built-in ones, then the stored ones.
    ///
    /// # Errors
    /// On a database error, or a stored rubric that no longer parses.
    pub async fn rubrics(&self) -> anyhow::Result<Vec<Rubric>> {
        let mut out: Vec<Rubric> = rubric::BUILTIN
            .iter()
            .filter_map(|id| Rubric::builtin(id))
            .collect();
        for stored in store::rubrics::list(&self.db).await? {
            out.push(Rubric::from_toml(&stored.definition).map_err(anyhow::Error::msg)?);
        }
        Ok(out)
    }

    /// Stores a custom rubric given as TOML. Returns it, and whether it is
    /// new: adding the same rubric again changes nothing.
    ///
    /// # Errors
    /// `Invalid` for a rubric that does not parse or breaks a rule,
    /// `RubricExists` for another rubric under the same id (built-in or
    /// stored), or a database error.
    pub async fn add_rubric(
        &self,
        actor: &crate::auth::Actor,
        toml: &str,
    ) -> Result<(Rubric, bool), CampaignError> {
        let rubric = Rubric::from_toml(toml).map_err(CampaignError::Invalid)?;
        match self.find_rubric(&rubric.id).await? {
            Some(same) if same == rubric && Rubric::builtin(&rubric.id).is_none() => {
                return Ok((rubric, false));
            }
            Some(_) => return Err(CampaignError::RubricExists(rubric.id)),
            None => {}
        }
        let txn = self.db.begin_write().await.context("begin")?;
        store::rubrics::insert(&txn, &rubric.id, toml, &actor.name).await?;
        crate::auth::users::audit(
            &txn,
            actor,
            "rubric.add",
            &format!("rubric {}", rubric.id),
            None,
            Some(serde_json::json!({ "axes": rubric.axes.iter().map(|a| &a.key).collect::<Vec<_>>() })),
        )
        .await?;
        txn.commit().await.context("commit")?;
        Ok((rubric, true))
    }

    /// # Errors
    /// `NotFound`, or a database error.
    pub async fn get(&self, id: i32) -> Result<campaigns::Model, CampaignError> {
        store::campaigns::find(&self.db, id)
            .await?
            .ok_or(CampaignError::NotFound(id))
    }

    /// Opens a draft: builds its items (each model against the baseline, or
    /// every pair of models, per question all of them answered) and assigns
    /// them to the experts, in one transaction.
    ///
    /// # Errors
    /// `NotFound`, `WrongStatus`, `Invalid` (no items, too few experts), or
    /// a database error.
    pub async fn open(&self, id: i32) -> Result<campaigns::Model, CampaignError> {
        let campaign = self.get(id).await?;
        if campaign.status != "draft" {
            return Err(CampaignError::WrongStatus {
                id,
                status: campaign.status,
            });
        }
        let names = parse_list(&campaign.models)?;
        let all = store::models::list(&self.db).await?;
        let ids: HashMap<String, i32> = all.iter().map(|m| (m.name.clone(), m.id)).collect();
        let model_ids: Vec<i32> = names.iter().filter_map(|n| ids.get(n).copied()).collect();
        let baseline = campaign.baseline.as_ref().and_then(|b| ids.get(b).copied());
        let pairs: Vec<(i32, i32)> = match baseline {
            Some(b) => model_ids
                .iter()
                .filter(|&&m| m != b)
                .map(|&m| (m, b))
                .collect(),
            None => {
                let mut p = Vec::new();
                for (i, &x) in model_ids.iter().enumerate() {
                    for &y in &model_ids[i + 1..] {
                        p.push((x, y));
                    }
                }
                p
            }
        };
        let questions =
            store::questions::questions_answered_by(&self.db, &campaign.question_set, &model_ids)
                .await?;
        if questions.is_empty() || pairs.is_empty() {
            return Err(CampaignError::Invalid(
                "no question of the set was answered by every model of the campaign".to_owned(),
            ));
        }
        let wanted: Option<Vec<String>> =
            campaign.experts.as_deref().map(parse_list).transpose()?;
        let experts: Vec<_> = store::campaigns::experts(&self.db)
            .await?
            .into_iter()
            .filter(|u| wanted.as_ref().is_none_or(|w| w.contains(&u.email)))
            .collect();
        let mut items = Vec::new();
        let mut specs = Vec::new();
        for (q, category) in &questions {
            for (n, &(x, y)) in pairs.iter().enumerate() {
                // Balance each pair's order over the questions.
                let (a, b) =
                    if (n + usize::try_from(*q).unwrap_or(0)) % 2 == 0 || baseline.is_some() {
                        (x, y)
                    } else {
                        (y, x)
                    };
                items.push((*q, a, b));
                specs.push(ItemSpec {
                    category: category.clone(),
                });
            }
        }
        // Gold items: which item each is, and in which orientation.
        let gold: Vec<GoldSpec> = match &campaign.gold {
            Some(json) => serde_json::from_str(json).context("stored gold items")?,
            None => Vec::new(),
        };
        let mut gold_of: HashMap<usize, String> = HashMap::new();
        for g in &gold {
            let (Some(&ga), Some(&gb)) = (ids.get(&g.model_a), ids.get(&g.model_b)) else {
                continue;
            };
            let found = items.iter().position(|&(q, a, b)| {
                q == g.question_id && ((a, b) == (ga, gb) || (a, b) == (gb, ga))
            });
            let Some(index) = found else {
                return Err(CampaignError::Invalid(format!(
                    "gold item on question {} ({} vs {}) is not an item of this campaign",
                    g.question_id, g.model_a, g.model_b
                )));
            };
            let verdict = Verdict::parse(&g.verdict).map_err(CampaignError::Invalid)?;
            let swapped = items[index].1 != ga;
            gold_of.insert(index, orient(verdict, swapped).as_str().to_owned());
        }
        let gated = campaign.gold_gate.is_some();
        let expert_specs: Vec<ExpertSpec> = experts
            .iter()
            .map(|u| ExpertSpec {
                specialties: store::users::decode_tags(&u.specialties).unwrap_or_default(),
            })
            .collect();
        let raters = usize::try_from(campaign.raters_per_item).unwrap_or(1);
        let mut rng = rand::rng();
        // Behind a gate, every expert judges every gold item first.
        let regular: Vec<usize> = (0..items.len())
            .filter(|i| !(gated && gold_of.contains_key(i)))
            .collect();
        let regular_specs: Vec<ItemSpec> = regular.iter().map(|&i| specs[i].clone()).collect();
        let mut plan = assign(&regular_specs, &expert_specs, raters, &mut rng)
            .map_err(|e| CampaignError::Invalid(e.to_string()))?;
        for a in &mut plan {
            a.item = regular[a.item];
        }
        if gated {
            for &item in gold_of.keys() {
                for expert in 0..experts.len() {
                    plan.push(assignment::Assignment {
                        item,
                        expert,
                        shown_swapped: rand::RngExt::random::<bool>(&mut rng),
                    });
                }
            }
        }
        let txn = self
            .db
            .begin_write()
            .await
            .context("failed to begin transaction")?;
        let mut item_ids = Vec::with_capacity(items.len());
        for (index, (q, a, b)) in items.iter().enumerate() {
            let item_id = store::campaigns::insert_item(&txn, id, *q, *a, *b).await?;
            if let Some(v) = gold_of.get(&index) {
                store::campaigns::set_gold(&txn, item_id, v).await?;
            }
            item_ids.push(item_id);
        }
        // Each expert's items in an order of their own.
        let mut by_expert: HashMap<usize, Vec<(usize, bool)>> = HashMap::new();
        for a in &plan {
            by_expert
                .entry(a.expert)
                .or_default()
                .push((a.item, a.shown_swapped));
        }
        let mut rows = Vec::with_capacity(plan.len());
        for (expert, mut list) in by_expert {
            list.shuffle(&mut rng);
            // Gated campaigns show the gold items first.
            if gated {
                list.sort_by_key(|(item, _)| !gold_of.contains_key(item));
            }
            for (position, (item, swapped)) in list.into_iter().enumerate() {
                rows.push((
                    item_ids[item],
                    experts[expert].id,
                    swapped,
                    i32::try_from(position).unwrap_or(i32::MAX),
                ));
            }
        }
        store::campaigns::insert_assignments(&txn, id, &rows).await?;
        if !store::campaigns::set_status(&txn, id, "draft", "open").await? {
            return Err(CampaignError::WrongStatus {
                id,
                status: "open".to_owned(),
            });
        }
        txn.commit().await.context("failed to commit")?;
        self.get(id).await
    }

    /// Closes an open campaign: no more judgments.
    ///
    /// # Errors
    /// `NotFound`, `WrongStatus`, or a database error.
    pub async fn close(&self, id: i32) -> Result<campaigns::Model, CampaignError> {
        let campaign = self.get(id).await?;
        if !store::campaigns::set_status(&self.db, id, "open", "closed").await? {
            return Err(CampaignError::WrongStatus {
                id,
                status: campaign.status,
            });
        }
        self.get(id).await
    }

    async fn open_for(
        &self,
        id: i32,
        expert: &AuthUser,
    ) -> Result<campaigns::Model, CampaignError> {
        let campaign = self.get(id).await?;
        if !store::campaigns::is_rater(&self.db, id, expert.id).await? {
            return Err(CampaignError::NotARater(id));
        }
        if campaign.status != "open" {
            return Err(CampaignError::WrongStatus {
                id,
                status: campaign.status,
            });
        }
        Ok(campaign)
    }

    /// The expert's next item, sides as they are to be shown, or `None` when
    /// they are done.
    ///
    /// # Errors
    /// `NotFound`, `NotARater`, `WrongStatus`, or a database error.
    pub async fn next(
        &self,
        id: i32,
        expert: &AuthUser,
    ) -> Result<Option<NextItem>, CampaignError> {
        let campaign = self.open_for(id, expert).await?;
        self.check_gate(&campaign, expert, None).await?;
        let Some(assignment) = store::campaigns::next_assignment(&self.db, id, expert.id).await?
        else {
            return Ok(None);
        };
        let item = store::campaigns::item(&self.db, assignment.item_id)
            .await?
            .context("assignment without item")?;
        let question = store::questions::find(&self.db, item.question_id)
            .await?
            .context("item without question")?;
        let answer = |model: i32| async move {
            store::questions::answer_turns(&self.db, item.question_id, model)
                .await
                .map(|t| to_safe_html(&t.unwrap_or_default().join("\n\n---\n\n")))
        };
        let (first, second) = (answer(item.model_a).await?, answer(item.model_b).await?);
        let (a_html, b_html) = if assignment.shown_swapped {
            (second, first)
        } else {
            (first, second)
        };
        let data = store::campaigns::data(&self.db, id).await?;
        let mine: Vec<_> = data
            .assignments
            .iter()
            .filter(|a| a.expert_id == expert.id)
            .collect();
        Ok(Some(NextItem {
            item_id: item.id,
            question: question.turns,
            a_html,
            b_html,
            rubric: self.rubric(&campaign.rubric).await?,
            done: mine.iter().filter(|a| a.status != "pending").count(),
            total: mine.len(),
        }))
    }

    /// Stores a judgment, in the item's own orientation.
    ///
    /// # Errors
    /// `NotFound`, `NotARater` (also for an item not assigned to the expert),
    /// `WrongStatus`, `Invalid` (a missing axis, an unknown verdict, an empty
    /// safety reason), `AlreadyJudged`, or a database error.
    pub async fn judge(
        &self,
        id: i32,
        expert: &AuthUser,
        input: JudgmentInput,
    ) -> Result<(), CampaignError> {
        let campaign = self.open_for(id, expert).await?;
        self.check_gate(&campaign, expert, Some(input.item_id))
            .await?;
        let rubric = self.rubric(&campaign.rubric).await?;
        let assignment = store::campaigns::assignment(&self.db, id, input.item_id, expert.id)
            .await?
            .ok_or(CampaignError::NotARater(id))?;
        let invalid = |m: String| CampaignError::Invalid(m);
        let preference = Verdict::parse(&input.preference).map_err(invalid)?;
        let swapped = assignment.shown_swapped;
        let mut axes = serde_json::Map::new();
        for axis in &rubric.axes {
            let v = input
                .axes
                .get(&axis.key)
                .ok_or_else(|| invalid(format!("axis {:?} is missing", axis.key)))?;
            let verdict = Verdict::parse(v).map_err(invalid)?;
            if verdict == Verdict::TieBothBad {
                return Err(invalid(format!(
                    "axis {:?} takes model_a, model_b or tie",
                    axis.key
                )));
            }
            axes.insert(axis.key.clone(), orient(verdict, swapped).as_str().into());
        }
        if let Some(extra) = input
            .axes
            .keys()
            .find(|k| !rubric.axes.iter().any(|a| &&a.key == k))
        {
            return Err(invalid(format!("unknown axis {extra:?}")));
        }
        let reason = |r: Option<String>| -> Result<Option<String>, CampaignError> {
            match r {
                Some(r) if r.trim().is_empty() => {
                    Err(invalid("a safety flag needs a short reason".to_owned()))
                }
                other => Ok(other.map(|r| r.trim().to_owned())),
            }
        };
        let (shown_a, shown_b) = (reason(input.safety_a)?, reason(input.safety_b)?);
        let (safety_a, safety_b) = if swapped {
            (shown_b, shown_a)
        } else {
            (shown_a, shown_b)
        };
        let txn = self
            .db
            .begin_write()
            .await
            .context("failed to begin transaction")?;
        if !store::campaigns::finish_assignment(&txn, assignment.id, "done", None).await? {
            return Err(CampaignError::AlreadyJudged(input.item_id));
        }
        store::campaigns::insert_judgment(
            &txn,
            judgments::ActiveModel {
                assignment_id: Set(assignment.id),
                campaign_id: Set(id),
                item_id: Set(input.item_id),
                expert_id: Set(expert.id),
                preference: Set(orient(preference, swapped).as_str().to_owned()),
                axes: Set(serde_json::Value::Object(axes).to_string()),
                safety_a: Set(safety_a),
                safety_b: Set(safety_b),
                comment: Set(input.comment.filter(|c| !c.trim().is_empty())),
                rubric_version: Set(rubric.id.clone()),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            },
        )
        .await?;
        txn.commit().await.context("failed to commit")?;
        Ok(())
    }

    /// Behind a gate, the gold items come first: while any given to the
    /// expert waits, only gold items (`item`, when one is named) may be
    /// judged. Once all are done, the expert goes on only with enough of them
    /// right (a gold item skipped before skipping them was refused counts as
    /// wrong).
    async fn check_gate(
        &self,
        campaign: &campaigns::Model,
        expert: &AuthUser,
        item: Option<i32>,
    ) -> Result<(), CampaignError> {
        let Some(needed) = campaign.gold_gate else {
            return Ok(());
        };
        let data = store::campaigns::data(&self.db, campaign.id).await?;
        let gold: HashMap<i32, &str> = data
            .items
            .iter()
            .filter_map(|i| i.gold.as_deref().map(|g| (i.id, g)))
            .collect();
        let mine = || data.assignments.iter().filter(|a| a.expert_id == expert.id);
        let gold_pending = mine()
            .filter(|a| a.status == "pending" && gold.contains_key(&a.item_id))
            .count();
        if gold_pending > 0 {
            return match item {
                Some(i) if !gold.contains_key(&i) => Err(CampaignError::GoldFirst(gold_pending)),
                _ => Ok(()),
            };
        }
        let judged = data
            .judgments
            .iter()
            .filter(|j| j.expert_id == expert.id)
            .filter_map(|j| gold.get(&j.item_id).map(|g| *g == j.preference));
        let skipped = mine()
            .filter(|a| a.status == "skipped" && gold.contains_key(&a.item_id))
            .map(|_| false);
        let results: Vec<bool> = judged.chain(skipped).collect();
        if results.is_empty() {
            return Ok(());
        }
        let accuracy = results.iter().filter(|r| **r).count() as f64 / results.len() as f64;
        if accuracy + 1e-12 < needed {
            return Err(CampaignError::GateFailed {
                accuracy: 100.0 * accuracy,
                needed: 100.0 * needed,
            });
        }
        Ok(())
    }

    /// Items the experts disagree on (no two-thirds majority for one
    /// preference) or that carry a safety flag, and are not gold yet.
    ///
    /// # Errors
    /// `NotFound`, or a database error.
    pub async fn disputed(&self, id: i32) -> Result<Vec<Disputed>, CampaignError> {
        self.get(id).await?;
        let data = store::campaigns::data(&self.db, id).await?;
        let names: HashMap<i32, String> = store::models::list(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        let mut out = Vec::new();
        for item in data.items.iter().filter(|i| i.gold.is_none()) {
            let judgments: Vec<_> = data
                .judgments
                .iter()
                .filter(|j| j.item_id == item.id)
                .collect();
            if judgments.is_empty() {
                continue;
            }
            let mut votes: HashMap<String, usize> = HashMap::new();
            for j in &judgments {
                *votes.entry(j.preference.clone()).or_default() += 1;
            }
            let top = votes.values().copied().max().unwrap_or(0);
            let flags = judgments
                .iter()
                .map(|j| usize::from(j.safety_a.is_some()) + usize::from(j.safety_b.is_some()))
                .sum::<usize>();
            let disagree = judgments.len() >= 2 && 3 * top < 2 * judgments.len();
            let why = match (disagree, flags > 0) {
                (true, true) => "disagreement and safety flag",
                (true, false) => "disagreement",
                (false, true) => "safety flag",
                (false, false) => continue,
            };
            let name = |m: i32| names.get(&m).cloned().unwrap_or_default();
            out.push(Disputed {
                item_id: item.id,
                question_id: item.question_id,
                model_a: name(item.model_a),
                model_b: name(item.model_b),
                votes,
                safety_flags: flags,
                why,
            });
        }
        Ok(out)
    }

    /// An operator's resolution of a disputed item: stored as a gold item.
    /// The same resolution again changes nothing. Returns whether the item
    /// became gold now.
    ///
    /// # Errors
    /// `NotFound`, `ItemNotFound` (an item of another campaign), `Invalid` (a
    /// bad verdict), `GoldExists` (the item has another gold verdict, given
    /// when the campaign was made or by an earlier resolution), or a database
    /// error.
    pub async fn resolve(
        &self,
        id: i32,
        item_id: i32,
        verdict: &str,
    ) -> Result<bool, CampaignError> {
        self.get(id).await?;
        let v = gold_verdict(verdict).map_err(CampaignError::Invalid)?;
        let item = store::campaigns::item(&self.db, item_id)
            .await?
            .filter(|i| i.campaign_id == id)
            .ok_or(CampaignError::ItemNotFound { id, item_id })?;
        // The write takes only an item without gold: of two resolutions at
        // once, the second then finds the first's verdict, as if it came later.
        let gold = if store::campaigns::set_gold(&self.db, item.id, v.as_str()).await? {
            return Ok(true);
        } else if item.gold.is_some() {
            item.gold
        } else {
            store::campaigns::item(&self.db, item_id)
                .await?
                .and_then(|i| i.gold)
        };
        match gold {
            Some(gold) if gold == v.as_str() => Ok(false),
            Some(gold) => Err(CampaignError::GoldExists { item_id, gold }),
            None => Err(CampaignError::ItemNotFound { id, item_id }),
        }
    }

    /// Skips an item, with a reason.
    ///
    /// # Errors
    /// As [`Campaigns::judge`].
    pub async fn skip(
        &self,
        id: i32,
        expert: &AuthUser,
        item_id: i32,
        reason: &str,
    ) -> Result<(), CampaignError> {
        let campaign = self.open_for(id, expert).await?;
        if reason.trim().is_empty() {
            return Err(CampaignError::Invalid(
                "give a reason for skipping".to_owned(),
            ));
        }
        let assignment = store::campaigns::assignment(&self.db, id, item_id, expert.id)
            .await?
            .ok_or(CampaignError::NotARater(id))?;
        if campaign.gold_gate.is_some() {
            // Skipping the gold items one would get wrong would pass the gate.
            let gold = store::campaigns::item(&self.db, item_id)
                .await?
                .is_some_and(|i| i.gold.is_some());
            if gold {
                return Err(CampaignError::Invalid(
                    "a gold item cannot be skipped in a campaign with a gold gate".to_owned(),
                ));
            }
            self.check_gate(&campaign, expert, Some(item_id)).await?;
        }
        if !store::campaigns::finish_assignment(
            &self.db,
            assignment.id,
            "skipped",
            Some(reason.trim().to_owned()),
        )
        .await?
        {
            return Err(CampaignError::AlreadyJudged(item_id));
        }
        Ok(())
    }

    /// The campaign's results.
    ///
    /// # Errors
    /// `NotFound`, or a database error.
    pub async fn results(&self, id: i32) -> Result<results::CampaignResults, CampaignError> {
        let campaign = self.get(id).await?;
        let data = store::campaigns::data(&self.db, id).await?;
        let names: HashMap<i32, String> = store::models::list(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        let rubric = self.rubric(&campaign.rubric).await?;
        let mut out = results::compute(&campaign, &rubric, &data, &names);
        let items: HashMap<i32, &campaign_items::Model> =
            data.items.iter().map(|i| (i.id, i)).collect();
        let judged: Vec<(&campaign_items::Model, Verdict)> = data
            .judgments
            .iter()
            .filter_map(|j| Some((*items.get(&j.item_id)?, Verdict::parse(&j.preference).ok()?)))
            .collect();
        let expert: Vec<(String, f64)> = out
            .leaderboard
            .rows
            .iter()
            .map(|r| (r.model.clone(), r.rating))
            .collect();
        out.expert_vs_crowd = Some(crowd::ExpertVsCrowd::compare(
            &expert,
            &self.crowd_strengths(&names).await?,
            &judged,
            &store::campaigns::crowd_votes(&self.db, id).await?,
            &names,
        ));
        Ok(out)
    }

    /// The crowd's Bradley-Terry strengths by model name, from the arena's
    /// overall pair counts.
    async fn crowd_strengths(
        &self,
        names: &HashMap<i32, String>,
    ) -> anyhow::Result<HashMap<String, f64>> {
        use crate::domain::Scope;
        use crate::rating::{BtConfig, Comparisons, fit};
        let counts = store::counts::pair_counts(&self.db, &Scope::Overall).await?;
        let name = |id: i32| {
            names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("model-{id}"))
        };
        let rows: Vec<(String, String, Verdict, u64)> = counts
            .iter()
            .map(|c| (name(c.model_a), name(c.model_b), c.verdict, c.count))
            .collect();
        let comparisons = Comparisons::from_counts(
            rows.iter()
                .map(|(a, b, v, n)| (a.as_str(), b.as_str(), *v, *n)),
        );
        let beta = fit(&comparisons, &BtConfig::default(), None).beta;
        Ok(comparisons.models().iter().cloned().zip(beta).collect())
    }

    /// One line per judgment, in the item's orientation, raters pseudonymous.
    ///
    /// # Errors
    /// `NotFound`, or a database error.
    pub async fn export(&self, id: i32) -> Result<Vec<results::ExportRow>, CampaignError> {
        let campaign = self.get(id).await?;
        let data = store::campaigns::data(&self.db, id).await?;
        let names: HashMap<i32, String> = store::models::list(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect();
        Ok(results::export_rows(&campaign, &data, &names))
    }
}
