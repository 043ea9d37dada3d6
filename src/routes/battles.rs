//! `POST /api/v1/battles` and `GET /api/v1/battles/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::body::{self, BodyLimit};
use super::voter;
use crate::arena::{Arena, BattleView, LivePick};
use crate::error::ApiError;
use crate::markdown::to_safe_html;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBattle {
    /// A question-bank battle on this question.
    question_id: Option<i32>,
    /// A live battle on the voter's own prompt.
    prompt: Option<String>,
    /// `anonymous` (default) or `named`, with `model_a` and `model_b`.
    mode: Option<String>,
    model_a: Option<String>,
    model_b: Option<String>,
}

#[derive(Serialize)]
struct TurnBody {
    prompt: String,
    prompt_html: String,
    a: String,
    a_html: String,
    b: String,
    b_html: String,
}

/// A battle on the wire. `prompt`, `a` and `b` are the first turn's Markdown;
/// `turns` carries the whole conversation with sanitised HTML. Model names appear
/// only once the battle is closed.
#[derive(Serialize)]
pub(super) struct BattleBody {
    id: Uuid,
    status: String,
    mode: String,
    live: bool,
    pending: bool,
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
        let first = v.turns.first();
        let pick =
            |f: fn(&crate::arena::Turn) -> &String| first.map(f).cloned().unwrap_or_default();
        let (prompt, a, b) = (pick(|t| &t.prompt), pick(|t| &t.a), pick(|t| &t.b));
        let turns = v
            .turns
            .iter()
            .map(|t| TurnBody {
                prompt_html: to_safe_html(&t.prompt),
                a_html: to_safe_html(&t.a),
                b_html: to_safe_html(&t.b),
                prompt: t.prompt.clone(),
                a: t.a.clone(),
                b: t.b.clone(),
            })
            .collect();
        let (model_a, model_b) = match v.models {
            Some((ma, mb)) => (Some(ma.name), Some(mb.name)),
            None => (None, None),
        };
        Self {
            id: v.id,
            status: v.status,
            mode: v.mode,
            live: v.live,
            pending: v.pending,
            void_reason: v.void_reason,
            question_id: v.question_id,
            question_set: v.question_set,
            category: v.category,
            language: v.language,
            prompt,
            a,
            b,
            turns,
            model_a,
            model_b,
        }
    }
}

fn live_pick(
    mode: Option<&str>,
    model_a: Option<String>,
    model_b: Option<String>,
) -> Result<LivePick, ApiError> {
    match (mode.unwrap_or("anonymous"), model_a, model_b) {
        ("anonymous", None, None) => Ok(LivePick::Anonymous),
        ("anonymous", _, _) => Err(ApiError::bad_request(
            "invalid_body",
            "an anonymous battle draws its models; choose them with mode \"named\"",
        )),
        ("named", Some(a), Some(b)) => Ok(LivePick::Named(a, b)),
        ("named", _, _) => Err(ApiError::bad_request(
            "invalid_body",
            "a named battle needs model_a and model_b",
        )),
        (other, _, _) => Err(ApiError::bad_request(
            "invalid_mode",
            format!("unknown mode {other:?}; use \"anonymous\" or \"named\""),
        )),
    }
}

/// Parses a battle id from the path; a malformed id names no battle.
pub(super) fn battle_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::not_found("battle_not_found", format!("no battle with id {raw:?}")))
}

#[tracing::instrument(skip_all)]
pub(super) async fn create(
    req: HttpRequest,
    payload: web::Payload,
    limit: web::Data<BodyLimit>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body::read(payload, **limit).await?;
    let request: CreateBattle = body::parse(&bytes, true)?;
    let (voter_id, cookie) = voter::get_or_issue(&req);
    let view = match request.prompt {
        Some(prompt) => {
            if request.question_id.is_some() {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    "give either a prompt (live battle) or a question_id, not both",
                ));
            }
            let pick = live_pick(request.mode.as_deref(), request.model_a, request.model_b)?;
            arena
                .start_live_battle(&prompt, pick, Some(voter_id))
                .await?
        }
        None => {
            if request.mode.is_some() || request.model_a.is_some() || request.model_b.is_some() {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    "mode, model_a and model_b need a prompt (live battles only)",
                ));
            }
            arena
                .start_battle(request.question_id, Some(voter_id))
                .await?
        }
    };
    let mut response = HttpResponse::Created();
    if let Some(c) = cookie {
        response.cookie(c);
    }
    Ok(response.json(BattleBody::from(view)))
}

#[tracing::instrument(skip(arena))]
pub(super) async fn get(
    path: web::Path<String>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let id = battle_id(&path)?;
    let view = arena.battle(id).await?;
    Ok(HttpResponse::Ok().json(BattleBody::from(view)))
}
