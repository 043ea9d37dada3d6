//! The API's error type and its JSON body.
//!
//! Policy: every error a client can cause has a stable snake_case `code` and a
//! human-readable `message`; anything else is an opaque 500 `internal_error` whose
//! cause is logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Every error code the API sends, with its HTTP status. The README's error
/// table is checked against this list by a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidJson,
    InvalidBody,
    InvalidVerdict,
    InvalidMode,
    EmptyPrompt,
    /// NUL or another control character in a prompt.
    InvalidPrompt,
    SameModel,
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    CrossOrigin,
    GoldGateFailed,
    NotYourBattle,
    BattleNotFound,
    QuestionNotFound,
    ModelNotFound,
    UserNotFound,
    CampaignNotFound,
    SnapshotNotFound,
    NotFound,
    MethodNotAllowed,
    BattleClosed,
    BattleExpired,
    TurnFailed,
    AnswersPending,
    TurnLimitReached,
    RegenerateLimitReached,
    BattleChanged,
    NotLive,
    EmailTaken,
    LastAdmin,
    CampaignNotOpen,
    AlreadyJudged,
    RubricExists,
    GoldExists,
    PayloadTooLarge,
    PromptTooLong,
    UnsupportedMediaType,
    QuestionNotPlayable,
    RateLimited,
    NoBattleAvailable,
    NoLiveModels,
    LiveModelsBusy,
    DatabaseUnavailable,
    LeaderboardNotReady,
    /// The database's disk is full: nothing was stored.
    StorageFull,
    InternalError,
}

impl ErrorCode {
    /// Every code, in the order of the README's table.
    pub const ALL: [ErrorCode; 47] = [
        Self::InvalidJson,
        Self::InvalidBody,
        Self::InvalidVerdict,
        Self::InvalidMode,
        Self::EmptyPrompt,
        Self::InvalidPrompt,
        Self::SameModel,
        Self::Unauthenticated,
        Self::InvalidCredentials,
        Self::Forbidden,
        Self::CrossOrigin,
        Self::GoldGateFailed,
        Self::NotYourBattle,
        Self::BattleNotFound,
        Self::QuestionNotFound,
        Self::ModelNotFound,
        Self::UserNotFound,
        Self::CampaignNotFound,
        Self::SnapshotNotFound,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::BattleClosed,
        Self::BattleExpired,
        Self::TurnFailed,
        Self::AnswersPending,
        Self::TurnLimitReached,
        Self::RegenerateLimitReached,
        Self::BattleChanged,
        Self::NotLive,
        Self::EmailTaken,
        Self::LastAdmin,
        Self::CampaignNotOpen,
        Self::AlreadyJudged,
        Self::RubricExists,
        Self::GoldExists,
        Self::PayloadTooLarge,
        Self::PromptTooLong,
        Self::UnsupportedMediaType,
        Self::QuestionNotPlayable,
        Self::RateLimited,
        Self::NoBattleAvailable,
        Self::NoLiveModels,
        Self::LiveModelsBusy,
        Self::DatabaseUnavailable,
        Self::LeaderboardNotReady,
        Self::StorageFull,
        Self::InternalError,
    ];

    /// The stable snake_case code clients match on.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::InvalidBody => "invalid_body",
            Self::InvalidVerdict => "invalid_verdict",
            Self::InvalidMode => "invalid_mode",
            Self::EmptyPrompt => "empty_prompt",
            Self::InvalidPrompt => "invalid_prompt",
            Self::SameModel => "same_model",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::CrossOrigin => "cross_origin",
            Self::GoldGateFailed => "gold_gate_failed",
            Self::UserNotFound => "user_not_found",
            Self::CampaignNotFound => "campaign_not_found",
            Self::SnapshotNotFound => "snapshot_not_found",
            Self::CampaignNotOpen => "campaign_not_open",
            Self::AlreadyJudged => "already_judged",
            Self::RubricExists => "rubric_exists",
            Self::GoldExists => "gold_exists",
            Self::EmailTaken => "email_taken",
            Self::LastAdmin => "last_admin",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::NotYourBattle => "not_your_battle",
            Self::BattleNotFound => "battle_not_found",
            Self::QuestionNotFound => "question_not_found",
            Self::ModelNotFound => "model_not_found",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::BattleClosed => "battle_closed",
            Self::BattleExpired => "battle_expired",
            Self::TurnFailed => "turn_failed",
            Self::AnswersPending => "answers_pending",
            Self::TurnLimitReached => "turn_limit_reached",
            Self::RegenerateLimitReached => "regenerate_limit_reached",
            Self::BattleChanged => "battle_changed",
            Self::NotLive => "not_live",
            Self::PayloadTooLarge => "payload_too_large",
            Self::PromptTooLong => "prompt_too_long",
            Self::QuestionNotPlayable => "question_not_playable",
            Self::NoBattleAvailable => "no_battle_available",
            Self::NoLiveModels => "no_live_models",
            Self::LiveModelsBusy => "live_models_busy",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::StorageFull => "storage_full",
            Self::LeaderboardNotReady => "leaderboard_not_ready",
            Self::InternalError => "internal_error",
        }
    }

    /// The HTTP status that goes with the code.
    #[must_use]
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidJson
            | Self::InvalidBody
            | Self::InvalidVerdict
            | Self::InvalidMode
            | Self::EmptyPrompt
            | Self::InvalidPrompt
            | Self::SameModel => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::CrossOrigin | Self::GoldGateFailed | Self::NotYourBattle => {
                StatusCode::FORBIDDEN
            }
            Self::BattleNotFound
            | Self::QuestionNotFound
            | Self::ModelNotFound
            | Self::UserNotFound
            | Self::CampaignNotFound
            | Self::SnapshotNotFound
            | Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::BattleClosed
            | Self::BattleExpired
            | Self::TurnFailed
            | Self::AnswersPending
            | Self::TurnLimitReached
            | Self::RegenerateLimitReached
            | Self::BattleChanged
            | Self::NotLive
            | Self::EmailTaken
            | Self::LastAdmin
            | Self::CampaignNotOpen
            | Self::AlreadyJudged
            | Self::RubricExists
            | Self::GoldExists => StatusCode::CONFLICT,
            Self::PayloadTooLarge | Self::PromptTooLong => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::QuestionNotPlayable => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::NoBattleAvailable
            | Self::NoLiveModels
            | Self::LiveModelsBusy
            | Self::DatabaseUnavailable
            | Self::LeaderboardNotReady => StatusCode::SERVICE_UNAVAILABLE,
            Self::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error returned by a handler, rendered as
/// `{"error": {"code": "snake_case_code", "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Client { code: ErrorCode, message: String },
    /// 429 `rate_limited`, with the `Retry-After` to send.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u64,
    },
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// A client error; the status follows from the code.
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            message: message.into(),
        }
    }

    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Unexpected(cause) => database_trouble(cause).unwrap_or(ErrorCode::InternalError),
        }
    }
}

/// A database failure a client can be told about: the database cannot be
/// reached (503 `database_unavailable`: try again), or its disk is full (507
/// `storage_full`: nothing was stored). Anything else stays an internal error.
fn database_trouble(cause: &anyhow::Error) -> Option<ErrorCode> {
    for e in cause.chain() {
        if let Some(db) = e.downcast_ref::<sea_orm::DbErr>()
            && connection_lost(db)
        {
            return Some(ErrorCode::DatabaseUnavailable);
        }
        let text = e.to_string();
        // SQLite's SQLITE_FULL; PostgreSQL's disk_full (53100) and ENOSPC.
        if text.contains("database or disk is full")
            || text.contains("No space left on device")
            || text.contains("could not extend file")
        {
            return Some(ErrorCode::StorageFull);
        }
    }
    None
}

/// Whether the database could not be reached, or the connection was lost
/// under a statement (PostgreSQL stopping or restarting: its connections end
/// with an I/O error or an "administrator command" code, class 57P, or a
/// connection exception, class 08). The statement's transaction is then
/// rolled back by the server, so "try again" is true.
fn connection_lost(db: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr, sqlx};
    match db {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed => true,
                sqlx::Error::Database(d) => d
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
                _ => false,
            }
        }
        _ => false,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            Self::Client { message, .. } | Self::RateLimited { message, .. } => message.clone(),
            Self::Unexpected(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                match self.code() {
                    ErrorCode::StorageFull => {
                        "the database's disk is full; nothing was stored".to_owned()
                    }
                    ErrorCode::DatabaseUnavailable => {
                        "the database does not answer; try again in a moment".to_owned()
                    }
                    _ => "internal error; the cause has been logged".to_owned(),
                }
            }
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Self::RateLimited {
            retry_after_secs, ..
        } = self
        {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                retry_after_secs.to_string(),
            ));
        }
        response.json(Body {
            error: Detail {
                code: self.code().as_str(),
                message,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_and_an_unreachable_database_are_told_apart() {
        let full = ApiError::from(
            anyhow::Error::msg("error returned from database: (code: 13) database or disk is full")
                .context("failed to store the vote"),
        );
        assert_eq!(full.code(), ErrorCode::StorageFull);
        assert_eq!(full.status_code(), StatusCode::INSUFFICIENT_STORAGE);
        let down = ApiError::from(
            anyhow::Error::new(sea_orm::DbErr::ConnectionAcquire(
                sea_orm::error::ConnAcquireErr::Timeout,
            ))
            .context("failed to load the battle"),
        );
        assert_eq!(down.code(), ErrorCode::DatabaseUnavailable);
        assert_eq!(down.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        // A connection lost under a statement (a database restarting).
        let lost = ApiError::from(
            anyhow::Error::new(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(
                std::sync::Arc::new(sea_orm::sqlx::Error::Io(std::io::Error::from(
                    std::io::ErrorKind::ConnectionReset,
                ))),
            )))
            .context("failed to load the battle"),
        );
        assert_eq!(lost.code(), ErrorCode::DatabaseUnavailable);
        // Any other database error stays internal.
        let other = ApiError::from(anyhow::Error::new(sea_orm::DbErr::Query(
            sea_orm::RuntimeErr::Internal("syntax error".to_owned()),
        )));
        assert_eq!(other.code(), ErrorCode::InternalError);
    }

    #[test]
    fn unexpected_errors_are_opaque() {
        let err = ApiError::from(anyhow::anyhow!("password=hunter2 leaked"));
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.code(), ErrorCode::InternalError);
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn every_code_is_listed_once_and_spelled_in_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} listed twice");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
        }
    }

    /// The README's error table, as `(status, code)` pairs: the codes in
    /// backticks of each row, leaving out the parenthesised explanations.
    fn readme_codes() -> Vec<(u16, String)> {
        let readme = include_str!("../README.md");
        let mut codes = Vec::new();
        for line in readme.lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let [_, status, list, _] = cells.as_slice() else {
                continue;
            };
            let Ok(status) = status.parse::<u16>() else {
                continue;
            };
            let mut depth = 0;
            let mut plain = String::new();
            for c in list.chars() {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ if depth == 0 => plain.push(c),
                    _ => {}
                }
            }
            for code in plain.split('`').skip(1).step_by(2) {
                codes.push((status, code.to_owned()));
            }
        }
        codes
    }

    #[test]
    fn the_readme_error_table_lists_every_code_with_its_status() {
        let mut documented = readme_codes();
        documented.sort();
        let mut actual: Vec<(u16, String)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.status().as_u16(), c.as_str().to_owned()))
            .collect();
        actual.sort();
        assert_eq!(documented, actual);
    }
}
