//! The anonymous voter id: a random UUID kept in an HTTP-only cookie.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::domain::VoterId;

const COOKIE: &str = "ga_voter";

/// The voter id from the cookie, if the request carries a well-formed one.
#[must_use]
pub fn existing(req: &HttpRequest) -> Option<VoterId> {
    req.cookie(COOKIE)
        .and_then(|c| VoterId::parse(c.value()).ok())
}

/// The voter id, plus a cookie to set when the request had none.
#[must_use]
pub fn get_or_issue(req: &HttpRequest) -> (VoterId, Option<Cookie<'static>>) {
    if let Some(id) = existing(req) {
        return (id, None);
    }
    let id = VoterId::new_random();
    let cookie = Cookie::build(COOKIE, id.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish();
    (id, Some(cookie))
}
