//! What every request passes through: the cross-site request check on unsafe
//! API requests, the access rule of the endpoint (from [`super::ENDPOINTS`],
//! before any handler reads the request), and the headers that depend on the
//! path or on https.
//!
//! A browser attaches the session and voter cookies to any request, even one
//! that another site makes it send. Such a request is refused when:
//! - its `Origin` is not the arena's own, or `Sec-Fetch-Site` says
//!   `cross-site` (403 `cross_origin`);
//! - it carries a body or cookies without `Content-Type: application/json`
//!   (415 `unsupported_media_type`): a form or `text/plain` post, the kinds
//!   another site can send without asking, never gets through.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, ResponseError, web};

use super::extract::{ACCESS_COOKIE, bearer};
use super::{Access, ENDPOINTS};
use crate::auth::{Auth, AuthError, AuthUser};
use crate::error::{ApiError, ErrorCode};

/// Where the arena is served, from `public_url`.
#[derive(Debug, Clone, Default)]
pub struct SitePolicy {
    /// `scheme://host[:port]` of `public_url`; without it, the origin of the
    /// request's own `Host`.
    pub origin: Option<String>,
    pub https: bool,
}

impl SitePolicy {
    /// # Errors
    /// When `public_url` is not an http(s) URL.
    pub fn from_public_url(public_url: Option<&str>) -> anyhow::Result<Self> {
        let Some(url) = public_url else {
            return Ok(Self::default());
        };
        let (scheme, rest) = url
            .split_once("://")
            .filter(|(s, _)| *s == "http" || *s == "https")
            .ok_or_else(|| {
                anyhow::anyhow!("public_url {url:?} must start with http:// or https://")
            })?;
        let host = rest.split('/').next().unwrap_or_default();
        anyhow::ensure!(!host.is_empty(), "public_url {url:?} has no host");
        Ok(Self {
            origin: Some(format!("{scheme}://{}", host.to_lowercase())),
            https: scheme == "https",
        })
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn check_cross_site(req: &HttpRequest, policy: &SitePolicy) -> Result<(), ApiError> {
    let header = |name: header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let refused = || {
        ApiError::new(
            ErrorCode::CrossOrigin,
            "this request comes from another site; the arena only takes changes from its own pages",
        )
    };
    if header(header::HeaderName::from_static("sec-fetch-site")).as_deref() == Some("cross-site") {
        return Err(refused());
    }
    if let Some(origin) = header(header::ORIGIN) {
        let own = policy.origin.clone().unwrap_or_else(|| {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host().to_lowercase())
        });
        if origin.to_lowercase() != own {
            return Err(refused());
        }
    }
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim() != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let has_cookies = req.headers().contains_key(header::COOKIE);
    let json = header(header::CONTENT_TYPE).is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
    });
    if (has_body || has_cookies) && !json {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the request body as JSON, with Content-Type: application/json",
        ));
    }
    Ok(())
}

/// Whether the (decoded) path or the query string holds a control character
/// (`%00`, which PostgreSQL cannot compare with its text, among them): no
/// name, id or filter has one.
fn holds_control(req: &ServiceRequest, decoded_path: &str) -> bool {
    let escaped = |text: &str| {
        text.split('%').skip(1).any(|escape| {
            escape
                .get(..2)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .is_some_and(|b| b.is_ascii_control())
        })
    };
    decoded_path.chars().any(char::is_control) || escaped(req.path()) || escaped(req.query_string())
}

/// The access rule of the API endpoint this request is for, if any, found
/// as the router finds it: from the path with its percent-escapes decoded
/// (`/export/%62attles` is `/export/battles`).
fn access_of(req: &ServiceRequest, path: &str) -> Option<Access> {
    let pattern = req.resource_map().match_pattern(path)?;
    let path = pattern.strip_prefix("/api/v1")?;
    let method = req.method().as_str();
    ENDPOINTS
        .iter()
        .find(|e| e.path == path && e.method == method)
        .map(|e| e.access)
}

/// Checks the endpoint's access rule. A signed-in user is left in the
/// request's extensions for the handler's extractors.
async fn authorize(req: &ServiceRequest, access: Access) -> Result<(), ApiError> {
    let required = match access {
        Access::Public => return Ok(()),
        Access::Signed => None,
        Access::Role(role) => Some(role),
    };
    let unauthenticated = || {
        ApiError::new(
            ErrorCode::Unauthenticated,
            "sign in first: the session is missing, expired or revoked",
        )
    };
    let auth = req
        .app_data::<web::Data<Auth>>()
        .cloned()
        .ok_or_else(unauthenticated)?;
    let token = bearer(req.request())
        .or_else(|| req.cookie(ACCESS_COOKIE).map(|c| c.value().to_owned()))
        .ok_or_else(unauthenticated)?;
    let user: AuthUser = match auth.authenticate(&token).await {
        Ok(user) => user,
        Err(AuthError::Unexpected(e)) => return Err(ApiError::Unexpected(e)),
        Err(_) => return Err(unauthenticated()),
    };
    if let Some(role) = required
        && !user.role.allows(role)
    {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            format!(
                "this needs the {role} role; you are signed in as {}",
                user.role
            ),
        ));
    }
    actix_web::HttpMessage::extensions_mut(req).insert(user);
    Ok(())
}

/// Session and account answers must never be cached.
fn private(path: &str) -> bool {
    path.starts_with("/api/v1/auth/") || path == "/api/v1/me" || path.starts_with("/api/v1/admin/")
}

/// The middleware: refuses cross-site changes, then marks private answers
/// `no-store` and, behind https, adds HSTS.
///
/// # Errors
/// Whatever the inner service returns.
pub async fn guard<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let policy = req
        .app_data::<web::Data<SitePolicy>>()
        .map(|p| p.get_ref().clone())
        .unwrap_or_default();
    // The path as the router reads it: percent-escapes of letters decoded,
    // so that an escaped path cannot reach an endpoint past its rules.
    let path = req.match_info().as_str().to_owned();
    if path.starts_with("/api/") {
        let mut verdict = if is_unsafe(req.method()) {
            check_cross_site(req.request(), &policy)
        } else {
            Ok(())
        };
        if verdict.is_ok() && holds_control(&req, &path) {
            verdict = Err(ApiError::new(
                ErrorCode::InvalidBody,
                "the path or query string holds NUL or another control character",
            ));
        }
        if verdict.is_ok()
            && let Some(access) = access_of(&req, &path)
        {
            verdict = authorize(&req, access).await;
        }
        if let Err(e) = verdict {
            let mut response = e.error_response();
            if private(&path) {
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    header::HeaderValue::from_static("no-store"),
                );
            }
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if private(&path) {
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    if policy.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_give_an_origin() {
        let p = SitePolicy::from_public_url(Some("https://Arena.Example.org/app/")).expect("url");
        assert_eq!(p.origin.as_deref(), Some("https://arena.example.org"));
        assert!(p.https);
        assert!(SitePolicy::from_public_url(Some("ftp://x")).is_err());
        assert!(
            SitePolicy::from_public_url(None)
                .expect("none")
                .origin
                .is_none()
        );
    }
}
