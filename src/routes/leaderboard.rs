//! `GET /api/v1/leaderboard`.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use actix_web::http::StatusCode;

use crate::arena::Arena;
use crate::arena::leaderboard::Row;
use crate::error::ApiError;

#[derive(Serialize)]
struct LeaderboardBody<'a> {
    method: &'static str,
    total_votes: u64,
    bootstrap_rounds: usize,
    computed_at: String,
    rows: &'a [Row],
}

#[tracing::instrument(skip_all)]
pub(super) async fn get(arena: web::Data<Arena>) -> Result<HttpResponse, ApiError> {
    let board = arena.leaderboard().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "leaderboard_not_ready",
            "the leaderboard is being computed; try again in a moment",
        )
    })?;
    Ok(HttpResponse::Ok().json(LeaderboardBody {
        method: board.method,
        total_votes: board.total_votes,
        bootstrap_rounds: board.bootstrap_rounds,
        computed_at: board.computed_at.to_rfc3339(),
        rows: &board.rows,
    }))
}
