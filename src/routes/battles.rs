//! `POST /api/v1/battles` and `GET /api/v1/battles/{id}`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::body::{self, BodyLimit};
use super::voter;
use crate::arena::{Arena, BattleView};
use crate::error::ApiError;
use crate::markdown::to_safe_html;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBattle {
    question_id: Option<i32>,
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
struct BattleBody {
    id: Uuid,
    status: String,
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
    let view = arena
        .start_battle(request.question_id, Some(voter_id))
        .await?;
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
