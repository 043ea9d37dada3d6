//! Wire types: what the API sends, built from the arena's and the
//! leaderboard's values. Nothing outside `routes` derives `Serialize` for the
//! wire.

use serde::Serialize;
use uuid::Uuid;

use crate::arena::{BattleView, LiveInfo, Turn, VoteOutcome};
use crate::leaderboard::{Leaderboard, Row};
use crate::markdown::to_safe_html;
use crate::store::entities::models;

#[derive(Serialize)]
pub(super) struct TurnBody {
    prompt: String,
    prompt_html: String,
    a: String,
    a_html: String,
    b: String,
    b_html: String,
}

impl From<&Turn> for TurnBody {
    fn from(t: &Turn) -> Self {
        Self {
            prompt_html: to_safe_html(&t.prompt),
            a_html: to_safe_html(&t.a),
            b_html: to_safe_html(&t.b),
            prompt: t.prompt.clone(),
            a: t.a.clone(),
            b: t.b.clone(),
        }
    }
}

/// A battle on the wire. `prompt`, `a` and `b` are the first turn's Markdown;
/// `turns` carries the whole conversation with sanitised HTML. Model names appear
/// only once the battle is closed.
#[derive(Serialize)]
pub(super) struct BattleBody {
    id: Uuid,
    status: &'static str,
    mode: &'static str,
    live: bool,
    pending: bool,
    /// A model could not answer the latest turn: regenerate it to go on.
    failed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    void_reason: Option<String>,
    question_id: Option<i32>,
    question_set: Option<String>,
    category: Option<String>,
    language: Option<String>,
    prompt: String,
    a: String,
    b: String,
    turns: Vec<TurnBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_a: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model_b: Option<String>,
}

impl From<BattleView> for BattleBody {
    fn from(v: BattleView) -> Self {
        let first = v.turns.first().cloned().unwrap_or_default();
        let (model_a, model_b) = match v.models {
            Some((ma, mb)) => (Some(ma.name), Some(mb.name)),
            None => (None, None),
        };
        Self {
            id: v.id,
            status: v.status.as_str(),
            mode: v.mode.as_str(),
            live: v.live,
            pending: v.pending,
            failed: v.failed,
            failed_reason: v
                .failed
                .then_some(crate::arena::live::generation::FAILED_TURN_REASON),
            void_reason: v.void_reason,
            question_id: v.question_id,
            question_set: v.question_set,
            category: v.category,
            language: v.language,
            turns: v.turns.iter().map(TurnBody::from).collect(),
            prompt: first.prompt,
            a: first.a,
            b: first.b,
            model_a,
            model_b,
        }
    }
}

/// The answer to a vote: both models revealed.
#[derive(Serialize)]
pub(super) struct VoteBody {
    battle_id: Uuid,
    verdict: &'static str,
    counted: bool,
    /// A stable code: `identity_leak`, `too_fast`, `daily_cap`, ...
    not_counted_reason: Option<&'static str>,
    /// What the code means for this vote, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_counted_detail: Option<String>,
    model_a: String,
    model_b: String,
    model_a_display: String,
    model_b_display: String,
    /// Live battles: how each answer of the latest turn was generated.
    stats: Option<StatsBody>,
}

#[derive(Serialize)]
struct StatsBody {
    a: Option<AnswerStatsBody>,
    b: Option<AnswerStatsBody>,
}

#[derive(Serialize)]
struct AnswerStatsBody {
    latency_ms: Option<i32>,
    first_token_ms: Option<i32>,
    completion_tokens: Option<i32>,
    finish_reason: String,
}

impl From<crate::arena::live::generation::AnswerStats> for AnswerStatsBody {
    fn from(s: crate::arena::live::generation::AnswerStats) -> Self {
        Self {
            latency_ms: s.latency_ms,
            first_token_ms: s.first_token_ms,
            completion_tokens: s.completion_tokens,
            finish_reason: s.finish_reason.as_str().to_owned(),
        }
    }
}

impl From<VoteOutcome> for VoteBody {
    fn from(o: VoteOutcome) -> Self {
        Self {
            battle_id: o.battle_id,
            verdict: o.verdict.as_str(),
            counted: o.counted,
            not_counted_reason: o.not_counted.as_ref().map(|(r, _)| r.as_str()),
            not_counted_detail: o.not_counted.map(|(_, d)| d),
            model_a: o.model_a.name,
            model_b: o.model_b.name,
            model_a_display: o.model_a.display_name,
            model_b_display: o.model_b.display_name,
            stats: o.stats.map(|[a, b]| StatsBody {
                a: a.map(AnswerStatsBody::from),
                b: b.map(AnswerStatsBody::from),
            }),
        }
    }
}

#[derive(Serialize)]
pub(super) struct LeaderboardBody<'a> {
    method: &'static str,
    /// `overall`, `category:medical`, `language:cmn`, ...
    scope: &'a str,
    /// How the intervals were computed: `sandwich` or `bootstrap`.
    ci_method: &'static str,
    /// Battles a model needs before it is ranked.
    min_votes: u64,
    /// Whether the vote-integrity rules decided which votes count.
    integrity: bool,
    total_votes: u64,
    bootstrap_rounds: usize,
    computed_at: String,
    /// The model the gaps are measured against (`[leaderboard]
    /// reference_model`), when it has battles here.
    reference_model: Option<&'a str>,
    rows: Vec<RowBody<'a>>,
    /// With `?style_control=true`: the battles the style fit used and the
    /// style coefficients (nats per standard deviation, 95% sandwich bounds).
    #[serde(skip_serializing_if = "Option::is_none")]
    style_control: Option<StyleBoardBody<'a>>,
}

#[derive(Serialize)]
struct StyleBoardBody<'a> {
    battles: u64,
    coefficients: &'a [crate::rating::Coefficient],
}

#[derive(Serialize)]
struct StyleRowBody {
    rating: f64,
    ci_lower: f64,
    ci_upper: f64,
    /// Rank (StyleCtrl), among the same ranked models.
    rank: Option<usize>,
    /// Places climbed with style held equal: plain rank − Rank (StyleCtrl).
    rank_delta: Option<i64>,
}

#[derive(Serialize)]
struct RowBody<'a> {
    model: &'a str,
    display_name: &'a str,
    organization: Option<&'a str>,
    license: Option<&'a str>,
    rating: f64,
    ci_lower: f64,
    ci_upper: f64,
    /// Battles the model took part in (`battles`; `votes` is the older name).
    votes: u64,
    battles: u64,
    wins: f64,
    win_rate: f64,
    /// `ranked`, `preliminary` or `not_comparable`.
    status: &'static str,
    status_reason: Option<&'a str>,
    /// Only ranked models have a rank.
    rank: Option<usize>,
    elo: f64,
    provisional: bool,
    deprecated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    style_control: Option<StyleRowBody>,
    /// This rating minus the reference model's, with the 95% interval of the
    /// difference (null without a reference model).
    gap_to_reference: Option<crate::rating::Gap>,
}

impl<'a> From<&'a Row> for RowBody<'a> {
    fn from(r: &'a Row) -> Self {
        Self {
            model: &r.model,
            display_name: &r.display_name,
            organization: r.organization.as_deref(),
            license: r.license.as_deref(),
            rating: r.rating,
            ci_lower: r.ci_lower,
            ci_upper: r.ci_upper,
            votes: r.votes,
            battles: r.battles,
            wins: r.wins,
            win_rate: r.win_rate,
            status: r.standing.as_str(),
            status_reason: r.standing_reason.as_deref(),
            rank: r.rank,
            elo: r.elo,
            provisional: r.provisional,
            deprecated: r.deprecated,
            gap_to_reference: r.gap,
            style_control: r.style.as_ref().map(|s| StyleRowBody {
                rating: s.rating,
                ci_lower: s.ci_lower,
                ci_upper: s.ci_upper,
                rank: s.rank,
                rank_delta: r
                    .rank
                    .zip(s.rank)
                    .map(|(plain, style)| plain as i64 - style as i64),
            }),
        }
    }
}

impl<'a> LeaderboardBody<'a> {
    pub(super) fn new(b: &'a Leaderboard, integrity: bool, show_deprecated: bool) -> Self {
        Self {
            method: b.method,
            scope: &b.scope,
            ci_method: b.ci_method,
            min_votes: b.min_votes,
            integrity,
            total_votes: b.total_votes,
            bootstrap_rounds: b.bootstrap_rounds,
            computed_at: b.computed_at.to_rfc3339(),
            reference_model: b.reference_model.as_deref(),
            rows: b
                .rows
                .iter()
                .filter(|r| show_deprecated || !r.deprecated)
                .map(RowBody::from)
                .collect(),
            style_control: b.style.as_ref().map(|s| StyleBoardBody {
                battles: s.battles,
                coefficients: &s.coefficients,
            }),
        }
    }
}

/// `GET /arena`: what the battle page offers.
#[derive(Serialize)]
pub(super) struct ArenaInfoBody {
    live: LiveBody,
}

#[derive(Serialize)]
struct LiveBody {
    enabled: bool,
    /// Live models not sitting out a cool-down.
    models: usize,
    max_prompt_chars: usize,
    max_turns: usize,
    /// Every live model, for a named battle (`mode: named`).
    choices: Vec<ChoiceBody>,
}

#[derive(Serialize)]
struct ChoiceBody {
    name: String,
    display_name: String,
    /// `false` while the model sits out a failure cool-down.
    available: bool,
}

impl From<LiveInfo> for ArenaInfoBody {
    fn from(i: LiveInfo) -> Self {
        Self {
            live: LiveBody {
                enabled: i.enabled,
                models: i.available_models,
                max_prompt_chars: i.max_prompt_chars,
                max_turns: i.max_turns,
                choices: i
                    .models
                    .into_iter()
                    .map(|c| ChoiceBody {
                        name: c.name,
                        display_name: c.display_name,
                        available: c.available,
                    })
                    .collect(),
            },
        }
    }
}

/// A model as the public sees it: no endpoint, no key variable.
#[derive(Serialize)]
pub(super) struct ModelBody {
    name: String,
    display_name: String,
    organization: Option<String>,
    license: Option<String>,
    provider: &'static str,
    active: bool,
    sampling_weight: f64,
}

impl From<models::Model> for ModelBody {
    fn from(m: models::Model) -> Self {
        Self {
            name: m.name,
            display_name: m.display_name,
            organization: m.organization,
            license: m.license,
            provider: m.provider.as_str(),
            active: m.active,
            sampling_weight: m.sampling_weight,
        }
    }
}

/// `POST /battles/{id}/stop`.
#[derive(Serialize)]
pub(super) struct StoppedBody {
    pub battle_id: Uuid,
    /// Whether anything was being generated on this instance.
    pub stopped: bool,
}

/// A snapshot as listed: what it holds, not its rows.
#[derive(Serialize)]
pub(super) struct SnapshotBody<'a> {
    id: i32,
    taken_at: String,
    label: Option<&'a str>,
    /// Taken by the schedule (`slot` is the start of its slot), or on demand.
    scheduled: bool,
    slot: Option<&'a str>,
    scope: &'a str,
    method: &'a str,
    ci_method: &'a str,
    seed: u64,
    bootstrap_rounds: usize,
    min_votes: u64,
    filters: &'a serde_json::Value,
    software_version: &'a str,
    vote_count: u64,
    input_sha256: &'a str,
    reference_model: Option<&'a str>,
    models: usize,
}

impl<'a> From<&'a crate::leaderboard::Snapshot> for SnapshotBody<'a> {
    fn from(s: &'a crate::leaderboard::Snapshot) -> Self {
        Self {
            id: s.id,
            taken_at: s.taken_at.to_rfc3339(),
            label: s.label.as_deref(),
            scheduled: s.slot.is_some(),
            slot: s.slot.as_deref(),
            scope: &s.scope,
            method: &s.method,
            ci_method: &s.ci_method,
            seed: s.seed,
            bootstrap_rounds: s.bootstrap_rounds,
            min_votes: s.min_votes,
            filters: &s.filters,
            software_version: &s.software_version,
            vote_count: s.vote_count,
            input_sha256: &s.input_sha256,
            reference_model: s.reference_model.as_deref(),
            models: s.rows.len(),
        }
    }
}
