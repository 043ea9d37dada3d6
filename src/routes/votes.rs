//! `POST /api/v1/battles/{id}/vote`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::extract::{BattleIdPath, JsonBody, RequestBody};
use super::views::VoteBody;
use super::voter::Voter;
use crate::arena::Arena;
use crate::domain::Verdict;
use crate::error::{ApiError, ErrorCode};
use crate::integrity::{Action, Integrity};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VoteRequest {
    verdict: String,
}

impl RequestBody for VoteRequest {
    const OPTIONAL: bool = false;
}

#[tracing::instrument(skip_all, fields(battle = %id))]
pub(super) async fn create(
    voter: Voter,
    BattleIdPath(id): BattleIdPath,
    JsonBody(request): JsonBody<VoteRequest>,
    arena: web::Data<Arena>,
    integrity: web::Data<Integrity>,
) -> Result<HttpResponse, ApiError> {
    let verdict = Verdict::parse(&request.verdict)
        .map_err(|m| ApiError::new(ErrorCode::InvalidVerdict, m))?;
    voter.limit(&integrity, Action::Vote)?;
    let outcome = arena.vote(id, verdict, Some(voter.id())).await?;
    Ok(HttpResponse::Ok().json(VoteBody::from(outcome)))
}
