//! Thin HTTP handlers: parse the request, call the arena, shape the response.

mod battles;
mod body;
mod extract;
mod frontend;
mod health;
mod leaderboard;
mod live;
mod models;
mod views;
mod voter;
mod votes;

use actix_web::web;

pub use body::BodyLimit;

use crate::arena::ArenaError;
use crate::domain::PromptError;
use crate::error::{ApiError, ErrorCode};

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
    Err(ApiError::new(ErrorCode::NotFound, "no such API endpoint"))
}

async fn method_not_allowed() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::new(
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take that HTTP method",
    ))
}

impl From<ArenaError> for ApiError {
    fn from(e: ArenaError) -> Self {
        if let ArenaError::Unexpected(cause) = e {
            return ApiError::Unexpected(cause);
        }
        let code = match &e {
            ArenaError::BattleNotFound(_) => ErrorCode::BattleNotFound,
            ArenaError::BattleClosed { .. } => ErrorCode::BattleClosed,
            ArenaError::QuestionNotFound(_) => ErrorCode::QuestionNotFound,
            ArenaError::QuestionNotPlayable(_) => ErrorCode::QuestionNotPlayable,
            ArenaError::NoBattleAvailable => ErrorCode::NoBattleAvailable,
            ArenaError::Prompt(PromptError::Empty) => ErrorCode::EmptyPrompt,
            ArenaError::Prompt(PromptError::TooLong { .. }) => ErrorCode::PromptTooLong,
            ArenaError::NoLiveModels => ErrorCode::NoLiveModels,
            ArenaError::LiveModelsBusy => ErrorCode::LiveModelsBusy,
            ArenaError::ModelNotFound(_) => ErrorCode::ModelNotFound,
            ArenaError::SameModel => ErrorCode::SameModel,
            ArenaError::NotLive(_) => ErrorCode::NotLive,
            ArenaError::TurnLimit { .. } => ErrorCode::TurnLimitReached,
            ArenaError::AnswersPending(_) => ErrorCode::AnswersPending,
            ArenaError::NotYourBattle(_) => ErrorCode::NotYourBattle,
            ArenaError::BattleChanged(_) => ErrorCode::BattleChanged,
            ArenaError::RegenerateLimit { .. } => ErrorCode::RegenerateLimitReached,
            ArenaError::Unexpected(_) => ErrorCode::InternalError,
        };
        ApiError::new(code, e.to_string())
    }
}
