//! `GET /api/v1/leaderboard`.

use actix_web::{HttpResponse, web};

use super::views::LeaderboardBody;
use crate::error::{ApiError, ErrorCode};
use crate::integrity::Integrity;
use crate::leaderboard::LeaderboardCache;

/// `?show_deprecated=true` lists deprecated models too (they are in every
/// fit either way).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct BoardQuery {
    #[serde(default)]
    show_deprecated: bool,
}

#[tracing::instrument(skip_all)]
pub(super) async fn get(
    cache: web::Data<LeaderboardCache>,
    integrity: web::Data<Integrity>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let board = cache.get().ok_or_else(|| {
        ApiError::new(
            ErrorCode::LeaderboardNotReady,
            "the leaderboard is being computed; try again in a moment",
        )
    })?;
    Ok(HttpResponse::Ok().json(LeaderboardBody::new(
        &board,
        integrity.enabled(),
        query.show_deprecated,
    )))
}
