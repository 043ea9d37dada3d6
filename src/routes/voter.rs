//! The anonymous voter id: a random UUID kept in an HTTP-only cookie.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use uuid::Uuid;

const COOKIE: &str = "ga_voter";

/// The voter id from the cookie, if the request carries a well-formed one.
#[must_use]
pub fn existing(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE)
        .and_then(|c| Uuid::parse_str(c.value()).ok())
        .map(|u| u.to_string())
}

/// The voter id, plus a cookie to set when the request had none.
#[must_use]
pub fn get_or_issue(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(id) = existing(req) {
        return (id, None);
    }
    let id = Uuid::new_v4().to_string();
    let cookie = Cookie::build(COOKIE, id.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish();
    (id, Some(cookie))
}
