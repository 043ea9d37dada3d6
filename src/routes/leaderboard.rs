//! `GET /api/v1/leaderboard`.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use actix_web::http::StatusCode;

use crate::arena::Arena;
use crate::error::ApiError;

#[derive(Serialize)]
struct RowBody {
    model: String,
    display_name: String,
    rating: f64,
    ci_lower: f64,
    ci_upper: f64,
    votes: u64,
    rank: usize,
    elo: f64,
    provisional: bool,
}

#[derive(Serialize)]
struct LeaderboardBody {
    method: &'static str,
    total_votes: u64,
    bootstrap_rounds: usize,
    computed_at: String,
    rows: Vec<RowBody>,
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
        rows: board
            .rows
            .iter()
            .map(|r| RowBody {
                model: r.model.clone(),
                display_name: r.display_name.clone(),
                rating: r.rating,
                ci_lower: r.ci_lower,
                ci_upper: r.ci_upper,
                votes: r.votes,
                rank: r.rank,
                elo: r.elo,
                provisional: r.provisional,
            })
            .collect(),
    }))
}
