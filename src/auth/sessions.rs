//! Logging in, refreshing and logging out. Refresh tokens are random, stored
//! as SHA-256 hashes, single-use, and grouped in a family per login: using
//! one twice revokes the whole family, since one of the two users is a thief.

use std::net::IpAddr;

use chrono::Utc;
use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Auth, AuthError, password};
use crate::domain::Email;
use crate::store;
use crate::store::entities::users;
use crate::store::users::NewRefreshToken;

/// A signed-in session: a short-lived access token and the refresh token
/// that renews it.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub refresh_max_age: u64,
    pub user: users::Model,
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Auth {
    /// Checks the password and opens a session. An unknown email and a wrong
    /// password give the same error after the same work (one argon2 check).
    ///
    /// # Errors
    /// `RateLimited`, `InvalidCredentials` (also for a disabled user), or a
    /// database error.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        ip: IpAddr,
    ) -> Result<Session, AuthError> {
        let key = email.trim().to_lowercase();
        self.limiter
            .check(&key, ip)
            .map_err(|retry_after| AuthError::RateLimited { retry_after })?;
        let user = match Email::parse(email) {
            Ok(e) => store::users::find_by_email(&self.db, &e).await?,
            Err(_) => None,
        };
        let stored = user
            .as_ref()
            .map_or(self.dummy_hash.clone(), |u| u.password_hash.clone());
        let candidate = password.to_owned();
        // argon2 is deliberately slow: keep it off the async threads.
        let matches = tokio::task::spawn_blocking(move || password::verify(&candidate, &stored))
            .await
            .map_err(|e| anyhow::anyhow!("password check panicked: {e}"))?;
        match user {
            Some(u) if matches && !u.disabled => self.open(u, Uuid::new_v4().to_string()).await,
            _ => Err(AuthError::InvalidCredentials),
        }
    }

    /// Exchanges a refresh token for a new session of the same family.
    ///
    /// # Errors
    /// `Unauthenticated` for an unknown, expired, revoked or already used
    /// token (a reuse also revokes its family), or a disabled user.
    pub async fn refresh(&self, token: &str) -> Result<Session, AuthError> {
        let row = store::users::find_refresh_token(&self.db, &hash_token(token))
            .await?
            .ok_or(AuthError::Unauthenticated)?;
        if row.revoked || row.expires_at <= Utc::now() {
            return Err(AuthError::Unauthenticated);
        }
        if !store::users::use_refresh_token(&self.db, row.id).await? {
            tracing::warn!(
                user = row.user_id,
                "a refresh token was used twice; revoking its family"
            );
            store::users::revoke_family(&self.db, &row.family).await?;
            return Err(AuthError::Unauthenticated);
        }
        let user = store::users::find(&self.db, row.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or(AuthError::Unauthenticated)?;
        self.open(user, row.family).await
    }

    /// Revokes the session the refresh token belongs to. An unknown token is
    /// already as good as logged out.
    ///
    /// # Errors
    /// On a database error.
    pub async fn logout(&self, token: &str) -> Result<(), AuthError> {
        if let Some(row) = store::users::find_refresh_token(&self.db, &hash_token(token)).await? {
            store::users::revoke_family(&self.db, &row.family).await?;
        }
        Ok(())
    }

    async fn open(&self, user: users::Model, family: String) -> Result<Session, AuthError> {
        let now = Utc::now();
        let access_token = self.keys.issue(user.id, now.timestamp())?;
        let refresh_token = new_token();
        let ttl = self.settings.refresh_ttl_secs.max(60);
        store::users::insert_refresh_token(
            &self.db,
            NewRefreshToken {
                user_id: user.id,
                family,
                token_hash: hash_token(&refresh_token),
                expires_at: now
                    + chrono::Duration::seconds(i64::try_from(ttl).unwrap_or(i64::MAX / 4)),
            },
        )
        .await?;
        Ok(Session {
            access_token,
            expires_in: self.keys.ttl().as_secs(),
            refresh_token,
            refresh_max_age: ttl,
            user,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
        assert_eq!(hash_token(&a), hash_token(&a));
    }
}
