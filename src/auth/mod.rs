//! Identity: accounts with roles, argon2id passwords, JWT access tokens and
//! rotating refresh tokens, login limits, and the actor every audited action
//! names.

pub mod jwt;
pub mod keys;
mod limiter;
pub mod password;
mod sessions;
pub mod users;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;

use crate::config::AuthSettings;
use crate::domain::{Email, Role};
use jwt::JwtKeys;
use limiter::LoginLimiter;
pub use sessions::Session;

/// Who performs an audited action: a user's email (or `cli`), and the
/// request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// The command line, run by whoever holds the database.
    #[must_use]
    pub fn cli() -> Self {
        Self {
            name: "cli".to_owned(),
            request_id: None,
        }
    }

    /// Whether this is the command line (a signed-in user's name is an email
    /// address, which `cli` is not).
    #[must_use]
    pub fn is_command_line(&self) -> bool {
        self.name == "cli"
    }
}

/// A signed-in user, as checked on this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i32,
    pub email: Email,
    pub role: Role,
    pub name: Option<String>,
}

/// Why a login, refresh or token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the email or the password is wrong")]
    InvalidCredentials,
    #[error("too many login attempts; try again in {} seconds", .retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("sign in first: the session is missing, expired or revoked")]
    Unauthenticated,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The identity service, shared by every request.
pub struct Auth {
    db: DatabaseConnection,
    keys: JwtKeys,
    settings: AuthSettings,
    limiter: LoginLimiter,
    /// Verified when the email is unknown, so that an unknown email and a
    /// wrong password take the same time.
    dummy_hash: String,
}

impl Auth {
    /// Builds the service on the server's secret (see [`keys::load_secret`]).
    ///
    /// # Errors
    /// When the secret is too short for HS256.
    pub fn new(
        db: DatabaseConnection,
        secret: &[u8],
        settings: &AuthSettings,
    ) -> anyhow::Result<Arc<Self>> {
        let keys = JwtKeys::new(
            secret,
            &settings.issuer,
            &settings.audience,
            Duration::from_secs(settings.access_ttl_secs.max(1)),
        )?;
        let auth = Arc::new(Self {
            db,
            keys,
            settings: settings.clone(),
            limiter: LoginLimiter::new(
                settings.login_per_email_per_minute,
                settings.login_per_ip_per_minute,
            ),
            dummy_hash: password::hash("an unused password for unknown emails")?,
        });
        Ok(auth)
    }

    /// Frees the limiters' memory of keys that have recovered; call it now
    /// and then.
    pub fn shrink_limiters(&self) {
        self.limiter.shrink();
    }

    /// The user a valid, unexpired access token names, if that user exists
    /// and is not disabled.
    ///
    /// # Errors
    /// `Unauthenticated` for any other token.
    pub async fn authenticate(&self, token: &str) -> Result<AuthUser, AuthError> {
        let id = self.keys.verify(token).ok_or(AuthError::Unauthenticated)?;
        let user = crate::store::users::find(&self.db, id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AuthError::Unauthenticated)?;
        let email = Email::parse(&user.email).map_err(anyhow::Error::msg)?;
        Ok(AuthUser {
            id: user.id,
            email,
            role: user.role,
            name: user.name,
        })
    }
}
