//! `GET /api/v1/leaderboard`.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::arena::{Arena, leaderboard};
use crate::error::ApiError;

#[derive(Serialize)]
struct RowBody {
    model: String,
    display_name: String,
    rating: f64,
    ci_lower: Option<f64>,
    ci_upper: Option<f64>,
    votes: u64,
    rank: usize,
    elo: f64,
}

#[derive(Serialize)]
struct LeaderboardBody {
    method: &'static str,
    total_votes: u64,
    rows: Vec<RowBody>,
}

#[tracing::instrument(skip_all)]
pub(super) async fn get(arena: web::Data<Arena>) -> Result<HttpResponse, ApiError> {
    let board = leaderboard::compute(arena.db()).await?;
    Ok(HttpResponse::Ok().json(LeaderboardBody {
        method: board.method,
        total_votes: board.total_votes,
        rows: board
            .rows
            .into_iter()
            .map(|r| RowBody {
                model: r.model,
                display_name: r.display_name,
                rating: r.rating,
                ci_lower: r.ci_lower,
                ci_upper: r.ci_upper,
                votes: r.votes,
                rank: r.rank,
                elo: r.elo,
            })
            .collect(),
    }))
}
