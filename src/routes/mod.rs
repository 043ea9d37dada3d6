//! Thin HTTP handlers: parse the request, call the arena, shape the response.

mod battles;
mod body;
mod frontend;
mod health;
mod leaderboard;
mod live;
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
            .service(api_resource("/battles/{id}/stream").route(web::get().to(live::stream)))
            .service(api_resource("/battles/{id}/turns").route(web::post().to(live::add_turn)))
            .service(
                api_resource("/battles/{id}/regenerate").route(web::post().to(live::regenerate)),
            )
            .service(api_resource("/battles/{id}/stop").route(web::post().to(live::stop)))
            .service(api_resource("/arena").route(web::get().to(live::info)))
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
            ArenaError::EmptyPrompt => ApiError::bad_request("empty_prompt", message),
            ArenaError::PromptTooLong { .. } => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "prompt_too_long", message)
            }
            ArenaError::NoLiveModels | ArenaError::LiveDisabled => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_live_models", message)
            }
            ArenaError::ModelNotFound(_) => ApiError::not_found("model_not_found", message),
            ArenaError::SameModel => ApiError::bad_request("same_model", message),
            ArenaError::NotLive(_) => ApiError::new(StatusCode::CONFLICT, "not_live", message),
            ArenaError::TurnLimit { .. } => {
                ApiError::new(StatusCode::CONFLICT, "turn_limit_reached", message)
            }
            ArenaError::AnswersPending(_) => {
                ApiError::new(StatusCode::CONFLICT, "answers_pending", message)
            }
            ArenaError::NotYourBattle(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "not_your_battle", message)
            }
            ArenaError::BattleChanged(_) => {
                ApiError::new(StatusCode::CONFLICT, "battle_changed", message)
            }
            ArenaError::RegenerateLimit { .. } => {
                ApiError::new(StatusCode::CONFLICT, "regenerate_limit_reached", message)
            }
            ArenaError::Unexpected(e) => ApiError::Unexpected(e),
        }
    }
}
