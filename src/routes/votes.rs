//! `POST /api/v1/battles/{id}/vote`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::extract::{BattleIdPath, JsonBody, RequestBody};
use super::views::VoteBody;
use super::voter;
use crate::arena::Arena;
use crate::domain::Verdict;
use crate::error::{ApiError, ErrorCode};

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
    req: HttpRequest,
    BattleIdPath(id): BattleIdPath,
    JsonBody(request): JsonBody<VoteRequest>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let verdict = Verdict::parse(&request.verdict)
        .map_err(|m| ApiError::new(ErrorCode::InvalidVerdict, m))?;
    let outcome = arena.vote(id, verdict, voter::existing(&req)).await?;
    Ok(HttpResponse::Ok().json(VoteBody::from(outcome)))
}
