//! `GET /api/v1/health`: 200 when the database answers, 503 when it does not.

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::error::{ApiError, ErrorCode};
use crate::store;

pub(super) async fn health(db: web::Data<DatabaseConnection>) -> Result<HttpResponse, ApiError> {
    match store::ping(db.get_ref()).await {
        Ok(()) => Ok(HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"}))),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "health check failed");
            Err(ApiError::new(
                ErrorCode::DatabaseUnavailable,
                "the database does not answer",
            ))
        }
    }
}
