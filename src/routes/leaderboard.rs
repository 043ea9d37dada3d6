//! `GET /api/v1/leaderboard`.

use actix_web::{HttpResponse, web};

use super::views::LeaderboardBody;
use crate::domain::Scope;
use crate::error::{ApiError, ErrorCode};
use crate::integrity::Integrity;
use crate::leaderboard::LeaderboardCache;

/// `?show_deprecated=true` lists deprecated models too (they are in every
/// fit either way).
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct BoardQuery {
    #[serde(default)]
    show_deprecated: bool,
    /// A category's board (`?category=medical`), from its own counts.
    category: Option<String>,
    /// A language's board (`?language=cmn`).
    language: Option<String>,
}

#[tracing::instrument(skip_all)]
pub(super) async fn get(
    cache: web::Data<LeaderboardCache>,
    integrity: web::Data<Integrity>,
    query: web::Query<BoardQuery>,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let scope = match (&query.category, &query.language) {
        (Some(_), Some(_)) => {
            return Err(ApiError::new(
                ErrorCode::InvalidBody,
                "choose one scope: category or language",
            ));
        }
        (Some(c), None) => Some(Scope::Category(c.clone())),
        (None, Some(l)) => Some(Scope::Language(l.clone())),
        (None, None) => None,
    };
    let board = match scope {
        Some(scope) => cache.scoped(db.get_ref(), &scope).await?,
        None => cache.get(),
    };
    let board = board.ok_or_else(|| {
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
