//! Who is voting: a signed-in user votes as themselves; anyone else by the
//! signed `ga_voter` cookie, which the server issues (a missing, invented or
//! tampered one is replaced). Also the client's hashed address and the rate
//! limits.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::auth::CookiePolicy;
use super::extract::{ACCESS_COOKIE, bearer};
use crate::auth::Auth;
use crate::domain::VoterId;
use crate::error::ApiError;
use crate::integrity::{Action, Client, Integrity};

const COOKIE: &str = "ga_voter";

/// The requester of a voter endpoint.
pub struct Voter {
    pub client: Client,
    secure: bool,
}

impl FromRequest for Voter {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let integrity = req.app_data::<web::Data<Integrity>>().cloned();
        let auth = req.app_data::<web::Data<Auth>>().cloned();
        let secure = req
            .app_data::<web::Data<CookiePolicy>>()
            .is_some_and(|p| p.secure);
        let token = bearer(req).or_else(|| req.cookie(ACCESS_COOKIE).map(|c| c.value().to_owned()));
        let cookie = req.cookie(COOKIE).map(|c| c.value().to_owned());
        let peer = req
            .peer_addr()
            .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.ip());
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let integrity = integrity.ok_or_else(|| {
                ApiError::Unexpected(anyhow::anyhow!("integrity is not configured"))
            })?;
            // A signed-in user votes as themselves; a stale session falls
            // back to the anonymous voter cookie.
            let user = match (auth, token) {
                (Some(auth), Some(token)) => auth
                    .authenticate(&token)
                    .await
                    .ok()
                    .map(|u| VoterId::for_user(u.id)),
                _ => None,
            };
            let client = integrity.identify(peer, forwarded.as_deref(), cookie.as_deref(), user);
            Ok(Self { client, secure })
        })
    }
}

impl Voter {
    #[must_use]
    pub fn id(&self) -> VoterId {
        self.client.voter
    }

    /// The cookie to set when the voter got a fresh id.
    #[must_use]
    pub fn cookie(&self) -> Option<Cookie<'static>> {
        let token = self.client.new_token.clone()?;
        Some(
            Cookie::build(COOKIE, token)
                .path("/")
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Lax)
                .max_age(Duration::days(365))
                .finish(),
        )
    }

    /// Takes one `action` from this voter's and address's budget.
    ///
    /// # Errors
    /// 429 `rate_limited` with `Retry-After`.
    pub fn limit(&self, integrity: &Integrity, action: Action) -> Result<(), ApiError> {
        integrity
            .limit(action, &self.client)
            .map_err(|wait| ApiError::RateLimited {
                message: format!(
                    "too many requests; try again in {} seconds",
                    wait.as_secs().max(1)
                ),
                retry_after_secs: wait.as_secs().max(1),
            })
    }
}
