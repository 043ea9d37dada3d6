//! Thin HTTP handlers: parse the request, call a service, shape the response.

mod admin;
mod auth;
mod battles;
mod body;
mod campaigns;
mod exams;
mod exports;
mod extract;
mod frontend;
mod guard;
mod health;
mod leaderboard;
mod live;
mod metrics;
mod models;
pub mod openapi;
mod plots;
mod snapshots;
mod views;
mod voter;
mod votes;

use actix_web::http::Method;
use actix_web::web;

pub use auth::CookiePolicy;
pub use body::BodyLimit;
pub use guard::{SitePolicy, guard};

use crate::arena::ArenaError;
use crate::domain::{PromptError, Role};
use crate::error::{ApiError, ErrorCode};

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, anonymous voters included.
    Public,
    /// Any signed-in user.
    Signed,
    /// A signed-in user whose role allows this one.
    Role(Role),
}

/// One endpoint of the JSON API: its method, its path under `/api/v1`, and
/// who may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// Declares the API once: the table of [`ENDPOINTS`] and the router are both
/// made from the same list, so no route can be served that the access tests
/// do not see.
macro_rules! api {
    ($( $path:literal { $( $method:ident => $handler:path, $access:expr );+ $(;)? } )*) => {
        /// Every endpoint of the JSON API, as the router serves it.
        pub const ENDPOINTS: &[Endpoint] = &[
            $( $( Endpoint { method: stringify!($method), path: $path, access: $access }, )+ )*
        ];

        fn api_scope() -> actix_web::Scope {
            web::scope("/api/v1")
                $( .service(api_resource($path) $( .route(web::method(Method::$method).to($handler)) )+ ) )*
                .default_service(web::to(api_not_found))
        }
    };
}

const OPERATOR: Access = Access::Role(Role::Operator);
const ADMIN: Access = Access::Role(Role::Admin);
const EXPERT: Access = Access::Role(Role::Expert);

api! {
    // The router, the access guard and the request log each try these in
    // order (a pattern with a parameter is a regular expression): the vote
    // path first.
    "/battles" { POST => battles::create, Access::Public }
    "/battles/{id}/vote" { POST => votes::create, Access::Public }
    "/battles/{id}" { GET => battles::get, Access::Public }
    "/battles/{id}/stream" { GET => live::stream, Access::Public }
    "/battles/{id}/turns" { POST => live::add_turn, Access::Public }
    "/battles/{id}/regenerate" { POST => live::regenerate, Access::Public }
    "/battles/{id}/stop" { POST => live::stop, Access::Public }
    "/health" { GET => health::health, Access::Public }
    "/openapi.json" { GET => openapi::get, Access::Public }
    "/models" { GET => models::list, Access::Public }
    "/leaderboard" { GET => leaderboard::get, Access::Public }
    "/leaderboard/scopes" { GET => leaderboard::scopes, Access::Public }
    "/snapshots" { GET => snapshots::list, Access::Public; POST => snapshots::take, OPERATOR }
    "/snapshots/{id}" { GET => snapshots::get, Access::Public }
    "/models/{name}/history" { GET => snapshots::history, Access::Public }
    "/plots/{kind}" { GET => plots::get, Access::Public }
    "/exams" { GET => exams::list, Access::Public }
    "/exams/{name}/results" { GET => exams::results, Access::Public }
    "/exams/{name}/comparison" { GET => exams::comparison, Access::Public }
    "/export/battles" { GET => exports::battles, OPERATOR }
    "/export/battles/manifest" { GET => exports::battles_manifest, OPERATOR }
    "/export/votes" { GET => exports::votes, OPERATOR }
    "/export/leaderboard" { GET => exports::leaderboard, OPERATOR }
    "/arena" { GET => live::info, Access::Public }
    "/auth/login" { POST => auth::login, Access::Public }
    "/auth/refresh" { POST => auth::refresh, Access::Public }
    "/auth/logout" { POST => auth::logout, Access::Public }
    "/me" { GET => auth::me, Access::Signed }
    "/admin/models" { GET => admin::list_models, OPERATOR }
    "/admin/models/{name}" { PATCH => admin::patch_model, OPERATOR }
    "/admin/battles/{id}/void" { POST => admin::void_battle, OPERATOR }
    "/admin/battles/{id}/restore" { POST => admin::restore_battle, OPERATOR }
    "/admin/audit" { GET => admin::audit, OPERATOR }
    "/admin/integrity" { GET => admin::integrity, OPERATOR }
    "/admin/voters/{voter}/void" { POST => admin::void_voter, OPERATOR }
    "/admin/users" { GET => admin::list_users, ADMIN; POST => admin::add_user, ADMIN }
    "/admin/users/{email}" { PATCH => admin::patch_user, ADMIN }
    "/campaigns" { POST => campaigns::create, OPERATOR }
    "/rubrics" { GET => campaigns::rubrics, OPERATOR; POST => campaigns::add_rubric, OPERATOR }
    "/campaigns/{id}" { GET => campaigns::get, OPERATOR }
    "/campaigns/{id}/open" { POST => campaigns::open, OPERATOR }
    "/campaigns/{id}/close" { POST => campaigns::close, OPERATOR }
    "/campaigns/{id}/next" { GET => campaigns::next, EXPERT }
    "/campaigns/{id}/judgments" { POST => campaigns::judge, EXPERT }
    "/campaigns/{id}/skip" { POST => campaigns::skip, EXPERT }
    "/campaigns/{id}/results" { GET => campaigns::results, OPERATOR }
    "/campaigns/{id}/export" { GET => campaigns::export, OPERATOR }
    "/campaigns/{id}/export/manifest" { GET => campaigns::export_manifest, OPERATOR }
    "/campaigns/{id}/adjudication" { GET => campaigns::disputed, OPERATOR; POST => campaigns::resolve, OPERATOR }
}

/// Mounts the JSON API under `/api/v1` and the web pages at `/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_scope())
        .route("/metrics", web::get().to(metrics::get))
        .configure(frontend::configure);
}

/// A query string the endpoint cannot read (`?limit=-1`, `?style_control=yes`,
/// an unknown parameter) is a 400 in the API's error shape, not actix's text.
#[must_use]
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        ApiError::new(ErrorCode::InvalidBody, format!("bad query string: {e}")).into()
    })
}

/// A path whose parameter cannot be read (`/snapshots/abc`) names nothing
/// there is: a 404 in the API's error shape.
#[must_use]
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|e, _| {
        ApiError::new(ErrorCode::NotFound, format!("no such resource: {e}")).into()
    })
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
        match e {
            ArenaError::Unexpected(cause) => return ApiError::Unexpected(cause),
            ArenaError::TokenBudget => {
                let now = chrono::Utc::now();
                let midnight = (now.date_naive() + chrono::Days::new(1))
                    .and_hms_opt(0, 0, 0)
                    .map_or(now, |d| d.and_utc());
                return ApiError::RateLimited {
                    message: e.to_string(),
                    retry_after_secs: u64::try_from((midnight - now).num_seconds())
                        .unwrap_or(3600)
                        .max(1),
                };
            }
            _ => {}
        }
        let code = match &e {
            ArenaError::BattleNotFound(_) => ErrorCode::BattleNotFound,
            ArenaError::BattleClosed { .. } => ErrorCode::BattleClosed,
            ArenaError::QuestionNotFound(_) => ErrorCode::QuestionNotFound,
            ArenaError::QuestionNotPlayable(_) => ErrorCode::QuestionNotPlayable,
            ArenaError::NoBattleAvailable => ErrorCode::NoBattleAvailable,
            ArenaError::Prompt(PromptError::Empty) => ErrorCode::EmptyPrompt,
            ArenaError::Prompt(PromptError::ControlCharacter) => ErrorCode::InvalidPrompt,
            ArenaError::Prompt(PromptError::TooLong { .. }) => ErrorCode::PromptTooLong,
            ArenaError::NoLiveModels => ErrorCode::NoLiveModels,
            ArenaError::LiveModelsBusy | ArenaError::ModelUnavailable(_) => {
                ErrorCode::LiveModelsBusy
            }
            ArenaError::ModelNotFound(_) => ErrorCode::ModelNotFound,
            ArenaError::SameModel => ErrorCode::SameModel,
            ArenaError::NotLive(_) => ErrorCode::NotLive,
            ArenaError::TurnLimit { .. } => ErrorCode::TurnLimitReached,
            ArenaError::AnswersPending(_) => ErrorCode::AnswersPending,
            ArenaError::NotYourBattle(_) => ErrorCode::NotYourBattle,
            ArenaError::BattleExpired(_) => ErrorCode::BattleExpired,
            ArenaError::TurnFailed(_) => ErrorCode::TurnFailed,
            ArenaError::BattleChanged(_) => ErrorCode::BattleChanged,
            ArenaError::RegenerateLimit { .. } => ErrorCode::RegenerateLimitReached,
            ArenaError::TokenBudget | ArenaError::TooManyStreams { .. } => ErrorCode::RateLimited,
            ArenaError::Unexpected(_) => ErrorCode::InternalError,
        };
        ApiError::new(code, e.to_string())
    }
}
