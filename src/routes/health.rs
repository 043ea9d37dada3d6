//! `GET /api/v1/health`: 200 when the database answers, 503 when it does not.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::arena::Arena;
use crate::error::ApiError;
use crate::store;

pub(super) async fn health(arena: web::Data<Arena>) -> Result<HttpResponse, ApiError> {
    match store::ping(arena.db()).await {
        Ok(()) => Ok(HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"}))),
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "health check failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database does not answer",
            ))
        }
    }
}
