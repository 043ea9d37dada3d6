//! The API's error type and its JSON body.
//!
//! Policy: every error a client can cause has a stable snake_case `code` and a
//! human-readable `message`; anything else is an opaque 500 `internal_error` whose
//! cause is logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// An error returned by a handler, rendered as
/// `{"error": {"code": "snake_case_code", "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
        }
    }

    #[must_use]
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    #[must_use]
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// The stable machine-readable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Client { code, .. } => code,
            Self::Unexpected(_) => "internal_error",
        }
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
        match self {
            Self::Client { status, .. } => *status,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            Self::Client { message, .. } => message.clone(),
            Self::Unexpected(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                "internal error; the cause has been logged".to_owned()
            }
        };
        HttpResponse::build(self.status_code()).json(Body {
            error: Detail {
                code: self.code(),
                message,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_errors_are_opaque() {
        let err = ApiError::from(anyhow::anyhow!("password=hunter2 leaked"));
        assert_eq!(err.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(err.code(), "internal_error");
        assert!(!err.to_string().contains("hunter2"));
    }
}
