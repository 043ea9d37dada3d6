//! Extractors: what every handler needs from a request, parsed once, with the
//! API's own error codes.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;
use tracing_actix_web::RequestId;
use uuid::Uuid;

use super::body::{self, BodyLimit};
use crate::auth::{Actor, Auth, AuthError, AuthUser};
use crate::domain::Role;
use crate::error::{ApiError, ErrorCode};

/// The battle id of a `/battles/{id}/...` path. A malformed id names no
/// battle: 404 `battle_not_found`, as for an unknown one.
#[derive(Debug, Clone, Copy)]
pub struct BattleIdPath(pub Uuid);

impl FromRequest for BattleIdPath {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req.match_info().get("id").unwrap_or_default();
        std::future::ready(Uuid::parse_str(raw).map(Self).map_err(|_| {
            ApiError::new(
                ErrorCode::BattleNotFound,
                format!("no battle with id {raw:?}"),
            )
        }))
    }
}

/// A request body type: whether an empty body stands for its default.
pub trait RequestBody: DeserializeOwned + Default {
    /// `true` when the body may be left out (it then reads as `Default`).
    const OPTIONAL: bool;
    /// `true` when the handler checks its text for control characters itself
    /// (a prompt: 400 `invalid_prompt`); otherwise a body whose strings hold
    /// NUL (`\u0000`, which PostgreSQL cannot store) is 400 `invalid_body`.
    const CHECKS_OWN_TEXT: bool = false;
}

/// A JSON body read within the configured size limit: 413
/// `payload_too_large`, 400 `invalid_json` or `invalid_body`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: RequestBody + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimit>>()
            .map_or(BodyLimit::default(), |l| *l.get_ref());
        let payload = payload.take();
        Box::pin(async move {
            let bytes = body::read(payload, limit).await?;
            if !T::CHECKS_OWN_TEXT && body::holds_nul(&bytes) {
                return Err(ApiError::new(
                    ErrorCode::InvalidBody,
                    "the request body's text holds NUL (\\u0000)",
                ));
            }
            body::parse::<T>(&bytes, T::OPTIONAL).map(Self)
        })
    }
}

/// The body of requests that take no arguments: nothing, or `{}`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArguments {}

impl RequestBody for NoArguments {
    const OPTIONAL: bool = true;
}

/// The access-token cookie a browser session carries.
pub const ACCESS_COOKIE: &str = "ga_access";

/// The signed-in user: a valid access token in `Authorization: Bearer` or
/// in the session cookie, of a user who exists and is not disabled.
/// Anything else is 401 `unauthenticated`.
#[derive(Debug, Clone)]
pub struct Signed(pub AuthUser);

impl FromRequest for Signed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The guard checked protected endpoints already and left the user here.
        if let Some(user) = req.extensions().get::<AuthUser>().cloned() {
            return Box::pin(async move { Ok(Self(user)) });
        }
        let auth = req.app_data::<web::Data<Auth>>().cloned();
        let token = bearer(req).or_else(|| req.cookie(ACCESS_COOKIE).map(|c| c.value().to_owned()));
        Box::pin(async move {
            let unauthenticated = || {
                ApiError::new(
                    ErrorCode::Unauthenticated,
                    "sign in first: the session is missing, expired or revoked",
                )
            };
            let (Some(auth), Some(token)) = (auth, token) else {
                return Err(unauthenticated());
            };
            match auth.authenticate(&token).await {
                Ok(user) => Ok(Self(user)),
                Err(AuthError::Unexpected(e)) => Err(ApiError::Unexpected(e)),
                Err(_) => Err(unauthenticated()),
            }
        })
    }
}

pub(super) fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// A role an endpoint requires.
pub trait RequiredRole {
    const ROLE: Role;
}

/// Operators and admins.
pub struct OperatorRole;
impl RequiredRole for OperatorRole {
    const ROLE: Role = Role::Operator;
}

/// Admins only.
pub struct AdminRole;
impl RequiredRole for AdminRole {
    const ROLE: Role = Role::Admin;
}

/// A signed-in user whose role allows `R`: 401 `unauthenticated` without a
/// session, 403 `forbidden` with the wrong role.
pub struct RequireRole<R>(pub AuthUser, PhantomData<R>);

impl<R: RequiredRole + 'static> FromRequest for RequireRole<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed = Signed::from_request(req, payload);
        Box::pin(async move {
            let Signed(user) = signed.await?;
            if user.role.allows(R::ROLE) {
                Ok(Self(user, PhantomData))
            } else {
                Err(ApiError::new(
                    ErrorCode::Forbidden,
                    format!(
                        "this needs the {} role; you are signed in as {}",
                        R::ROLE,
                        user.role
                    ),
                ))
            }
        })
    }
}

impl<R> RequireRole<R> {
    /// The user as the actor of an audited action on this request.
    #[must_use]
    pub fn actor(&self, req: &HttpRequest) -> Actor {
        Actor {
            name: self.0.email.to_string(),
            request_id: req.extensions().get::<RequestId>().map(ToString::to_string),
        }
    }
}
