//! `GET /api/v1/health`: 200 when the database answers, 503
//! (`database_unavailable`) when it does not; with the age of the leaderboard
//! and each background task's last success and restarts.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::error::{ApiError, ErrorCode};
use crate::leaderboard::LeaderboardCache;
use crate::store;
use crate::tasks::Tasks;

pub(super) async fn health(
    db: web::Data<DatabaseConnection>,
    cache: web::Data<LeaderboardCache>,
    tasks: web::Data<Tasks>,
) -> Result<HttpResponse, ApiError> {
    match store::ping(db.get_ref()).await {
        Ok(()) => {
            let board = cache.get();
            Ok(HttpResponse::Ok().json(json!({
                "status": "ok",
                "database": "ok",
                "leaderboard": {
                    "computed_at": board.as_ref().map(|b| b.computed_at),
                    "age_secs": board
                        .as_ref()
                        .map(|b| (chrono::Utc::now() - b.computed_at).num_milliseconds().max(0) as f64 / 1000.0),
                    "total_votes": board.as_ref().map(|b| b.total_votes),
                },
                "tasks": tasks.report(),
            })))
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "health check failed");
            Err(ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the database does not answer",
            ))
        }
    }
}
