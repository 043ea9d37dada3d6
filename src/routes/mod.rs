//! Thin HTTP handlers: parse the request, call the arena, shape the response.

mod battles;
mod body;
mod frontend;
mod health;
mod leaderboard;
mod models;
mod voter;
mod votes;

use actix_web::http::StatusCode;
use actix_web::web;

pub use body::BodyLimit;

use crate::arena::ArenaError;
use crate::error::ApiError;

/// Mounts the JSON API under `/api/v1` and the web pages at `/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .service(api_resource("/health").route(web::get().to(health::health)))
            .service(api_resource("/models").route(web::get().to(models::list)))
            .service(api_resource("/leaderboard").route(web::get().to(leaderboard::get)))
            .service(api_resource("/battles").route(web::post().to(battles::create)))
            .service(api_resource("/battles/{id}").route(web::get().to(battles::get)))
            .service(api_resource("/battles/{id}/vote").route(web::post().to(votes::create)))
            .default_service(web::to(api_not_found)),
    )
    .configure(frontend::configure);
}

fn api_resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

async fn api_not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("not_found", "no such API endpoint"))
}

async fn method_not_allowed() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that HTTP method",
    ))
}

impl From<ArenaError> for ApiError {
    fn from(e: ArenaError) -> Self {
        let message = e.to_string();
        match e {
            ArenaError::BattleNotFound(_) => ApiError::not_found("battle_not_found", message),
            ArenaError::BattleClosed { .. } => {
                ApiError::new(StatusCode::CONFLICT, "battle_closed", message)
            }
            ArenaError::QuestionNotFound(_) => ApiError::not_found("question_not_found", message),
            ArenaError::QuestionNotPlayable(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "question_not_playable",
                message,
            ),
            ArenaError::NoBattleAvailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "no_battle_available",
                message,
            ),
            ArenaError::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}
