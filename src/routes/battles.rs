//! `POST /api/v1/battles` and `GET /api/v1/battles/{id}`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::extract::{BattleIdPath, JsonBody, RequestBody};
use super::views::BattleBody;
use super::voter::Voter;
use crate::arena::{Arena, LivePick};
use crate::error::{ApiError, ErrorCode};
use crate::integrity::{Action, Integrity};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBattle {
    /// A question-bank battle on this question.
    question_id: Option<i32>,
    /// A live battle on the voter's own prompt.
    prompt: Option<String>,
    /// `anonymous` (default) or `named`, with `model_a` and `model_b`.
    mode: Option<String>,
    model_a: Option<String>,
    model_b: Option<String>,
}

impl RequestBody for CreateBattle {
    const OPTIONAL: bool = true;
    const CHECKS_OWN_TEXT: bool = true;
}

fn live_pick(
    mode: Option<&str>,
    model_a: Option<String>,
    model_b: Option<String>,
) -> Result<LivePick, ApiError> {
    match (mode.unwrap_or("anonymous"), model_a, model_b) {
        ("anonymous", None, None) => Ok(LivePick::Anonymous),
        ("anonymous", _, _) => Err(ApiError::new(
            ErrorCode::InvalidBody,
            "an anonymous battle draws its models; choose them with mode \"named\"",
        )),
        ("named", Some(a), Some(b)) => Ok(LivePick::Named(a, b)),
        ("named", _, _) => Err(ApiError::new(
            ErrorCode::InvalidBody,
            "a named battle needs model_a and model_b",
        )),
        (other, _, _) => Err(ApiError::new(
            ErrorCode::InvalidMode,
            format!("unknown mode {other:?}; use \"anonymous\" or \"named\""),
        )),
    }
}

#[tracing::instrument(skip_all)]
pub(super) async fn create(
    voter: Voter,
    JsonBody(request): JsonBody<CreateBattle>,
    arena: web::Data<Arena>,
    integrity: web::Data<Integrity>,
) -> Result<HttpResponse, ApiError> {
    let view = match request.prompt {
        Some(prompt) => {
            if request.question_id.is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    "give either a prompt (live battle) or a question_id, not both",
                ));
            }
            let pick = live_pick(request.mode.as_deref(), request.model_a, request.model_b)?;
            voter.limit(&integrity, Action::Live)?;
            arena
                .start_live_battle(&prompt, pick, &voter.client)
                .await?
        }
        None => {
            if request.mode.is_some() || request.model_a.is_some() || request.model_b.is_some() {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    "mode, model_a and model_b need a prompt (live battles only)",
                ));
            }
            voter.limit(&integrity, Action::Battle)?;
            arena
                .start_battle(request.question_id, &voter.client)
                .await?
        }
    };
    let mut response = HttpResponse::Created();
    if let Some(c) = voter.cookie() {
        response.cookie(c);
    }
    Ok(response.json(BattleBody::from(view)))
}

#[tracing::instrument(skip(arena))]
pub(super) async fn get(
    BattleIdPath(id): BattleIdPath,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let view = arena.battle(id).await?;
    Ok(HttpResponse::Ok().json(BattleBody::from(view)))
}
