//! `POST /api/v1/battles/{id}/vote`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::battles::battle_id;
use super::body::{self, BodyLimit};
use super::voter;
use crate::arena::Arena;
use crate::domain::Verdict;
use crate::error::ApiError;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteRequest {
    verdict: String,
}

#[derive(Serialize)]
struct VoteBody {
    battle_id: Uuid,
    verdict: &'static str,
    counted: bool,
    not_counted_reason: Option<String>,
    model_a: String,
    model_b: String,
    model_a_display: String,
    model_b_display: String,
}

#[tracing::instrument(skip_all, fields(battle = %path))]
pub(super) async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    limit: web::Data<BodyLimit>,
    arena: web::Data<Arena>,
) -> Result<HttpResponse, ApiError> {
    let id = battle_id(&path)?;
    let bytes = body::read(payload, **limit).await?;
    let request: VoteRequest = body::parse(&bytes, false)?;
    let verdict = Verdict::parse(&request.verdict)
        .map_err(|m| ApiError::bad_request("invalid_verdict", m))?;
    let outcome = arena.vote(id, verdict, voter::existing(&req)).await?;
    Ok(HttpResponse::Ok().json(VoteBody {
        battle_id: outcome.battle_id,
        verdict: outcome.verdict.as_str(),
        counted: outcome.counted,
        not_counted_reason: outcome.not_counted_reason,
        model_a: outcome.model_a.name,
        model_b: outcome.model_b.name,
        model_a_display: outcome.model_a.display_name,
        model_b_display: outcome.model_b.display_name,
    }))
}
