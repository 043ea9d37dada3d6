//! `POST /api/v1/auth/login`, `/auth/refresh`, `/auth/logout` and
//! `GET /api/v1/me`. Browsers keep the session in two `HttpOnly`,
//! `SameSite=Strict` cookies; API clients send the access token as a bearer
//! token.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde::{Deserialize, Serialize};

use super::extract::{ACCESS_COOKIE, JsonBody, RequestBody, Signed};
use crate::auth::{Auth, AuthError, Session};
use crate::error::{ApiError, ErrorCode};
use crate::store;

/// The refresh-token cookie; sent only to `/api/v1/auth`.
pub const REFRESH_COOKIE: &str = "ga_refresh";
const REFRESH_PATH: &str = "/api/v1/auth";

/// Whether session cookies are `Secure` (when `public_url` is https).
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LoginRequest {
    email: String,
    password: String,
}

impl RequestBody for LoginRequest {
    const OPTIONAL: bool = false;
}

/// Refresh and logout read the refresh cookie; an API client without
/// cookies may send the token in the body instead.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RefreshRequest {
    refresh_token: Option<String>,
}

impl RequestBody for RefreshRequest {
    const OPTIONAL: bool = true;
}

#[derive(Serialize)]
struct UserBody {
    email: String,
    role: &'static str,
    name: Option<String>,
}

#[derive(Serialize)]
struct SessionBody {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    user: UserBody,
}

#[derive(Serialize)]
struct MeBody {
    email: String,
    role: &'static str,
    name: Option<String>,
    specialties: Vec<String>,
    languages: Vec<String>,
}

fn cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    max_age: u64,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(
            i64::try_from(max_age).unwrap_or(i64::MAX / 2),
        ))
        .finish()
}

fn session_response(session: Session, policy: CookiePolicy) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.cookie(cookie(
        ACCESS_COOKIE,
        session.access_token.clone(),
        "/",
        session.expires_in,
        policy.secure,
    ));
    response.cookie(cookie(
        REFRESH_COOKIE,
        session.refresh_token,
        REFRESH_PATH,
        session.refresh_max_age,
        policy.secure,
    ));
    response.json(SessionBody {
        access_token: session.access_token,
        token_type: "Bearer",
        expires_in: session.expires_in,
        user: UserBody {
            email: session.user.email,
            role: session.user.role.as_str(),
            name: session.user.name,
        },
    })
}

fn clear_cookies(response: &mut HttpResponseBuilder, policy: CookiePolicy) {
    for (name, path) in [(ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH)] {
        let mut c = cookie(name, String::new(), path, 0, policy.secure);
        c.make_removal();
        response.cookie(c);
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::InvalidCredentials => {
                ApiError::new(ErrorCode::InvalidCredentials, e.to_string())
            }
            AuthError::RateLimited { retry_after } => ApiError::RateLimited {
                message: e.to_string(),
                retry_after_secs: retry_after.as_secs().max(1),
            },
            AuthError::Unauthenticated => ApiError::new(ErrorCode::Unauthenticated, e.to_string()),
            AuthError::Unexpected(cause) => ApiError::Unexpected(cause),
        }
    }
}

#[tracing::instrument(skip_all)]
pub(super) async fn login(
    req: HttpRequest,
    JsonBody(body): JsonBody<LoginRequest>,
    auth: web::Data<Auth>,
    policy: web::Data<CookiePolicy>,
) -> Result<HttpResponse, ApiError> {
    let ip = req
        .peer_addr()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let session = auth.login(&body.email, &body.password, ip).await?;
    Ok(session_response(session, **policy))
}

fn refresh_token(req: &HttpRequest, body: RefreshRequest) -> Option<String> {
    body.refresh_token
        .or_else(|| req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned()))
}

#[tracing::instrument(skip_all)]
pub(super) async fn refresh(
    req: HttpRequest,
    JsonBody(body): JsonBody<RefreshRequest>,
    auth: web::Data<Auth>,
    policy: web::Data<CookiePolicy>,
) -> Result<HttpResponse, ApiError> {
    let token = refresh_token(&req, body).ok_or(AuthError::Unauthenticated)?;
    let session = auth.refresh(&token).await?;
    Ok(session_response(session, **policy))
}

#[tracing::instrument(skip_all)]
pub(super) async fn logout(
    req: HttpRequest,
    JsonBody(body): JsonBody<RefreshRequest>,
    auth: web::Data<Auth>,
    policy: web::Data<CookiePolicy>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = refresh_token(&req, body) {
        auth.logout(&token).await?;
    }
    let mut response = HttpResponse::Ok();
    clear_cookies(&mut response, **policy);
    Ok(response.json(serde_json::json!({ "signed_out": true })))
}

pub(super) async fn me(
    Signed(user): Signed,
    db: web::Data<sea_orm::DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let row = store::users::find(db.get_ref(), user.id)
        .await?
        .ok_or(AuthError::Unauthenticated)?;
    Ok(HttpResponse::Ok().json(MeBody {
        email: row.email,
        role: row.role.as_str(),
        name: row.name,
        specialties: store::users::decode_tags(&row.specialties)?,
        languages: store::users::decode_tags(&row.languages)?,
    }))
}
