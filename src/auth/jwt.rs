//! Access tokens: JWTs signed with HS256, following RFC 8725. The algorithm
//! is fixed here and never read from a token (so `alg: none` and algorithm
//! confusion are refused), and `exp`, `nbf`, `iat`, `iss`, `aud` and `sub`
//! are all required and checked.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The signing key and the rules every token is checked against.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: Duration,
}

const ALGORITHM: Algorithm = Algorithm::HS256;

impl JwtKeys {
    /// # Errors
    /// When the secret is shorter than 32 bytes (RFC 7518 asks HS256 keys to
    /// be at least as long as the hash).
    pub fn new(secret: &[u8], issuer: &str, audience: &str, ttl: Duration) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= 32,
            "the JWT signing key must be at least 32 bytes long"
        );
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        })
    }

    /// How long an access token lives.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A token for user `user_id`, valid from `now` for the access lifetime.
    ///
    /// # Errors
    /// Only if signing fails.
    pub fn issue(&self, user_id: i32, now: i64) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX / 2),
        };
        encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(|e| anyhow::anyhow!("failed to sign a token: {e}"))
    }

    /// The user id of a valid token, or `None` for any token that is
    /// malformed, unsigned, signed with another key or algorithm, expired,
    /// not yet valid, or for another issuer or audience.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<i32> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation).ok()?;
        data.claims.sub.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> JwtKeys {
        JwtKeys::new(SECRET, "goldarena", "goldarena", Duration::from_secs(900)).expect("keys")
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn a_fresh_token_verifies_and_names_its_user() {
        let k = keys();
        let t = k.issue(42, now()).expect("token");
        assert_eq!(k.verify(&t), Some(42));
    }

    #[test]
    fn expired_foreign_and_tampered_tokens_are_refused() {
        let k = keys();
        let old = k.issue(1, now() - 3600).expect("token");
        assert_eq!(k.verify(&old), None, "expired");
        let other = JwtKeys::new(
            b"another key of at least thirty-two bytes",
            "goldarena",
            "goldarena",
            Duration::from_secs(900),
        )
        .expect("keys");
        assert_eq!(
            k.verify(&other.issue(1, now()).expect("token")),
            None,
            "wrong key"
        );
        let foreign =
            JwtKeys::new(SECRET, "elsewhere", "goldarena", Duration::from_secs(900)).expect("keys");
        assert_eq!(
            k.verify(&foreign.issue(1, now()).expect("token")),
            None,
            "wrong issuer"
        );
        let t = k.issue(1, now()).expect("token");
        let parts: Vec<&str> = t.split('.').collect();
        let unsigned = format!("{}.{}.", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0", parts[1]);
        assert_eq!(k.verify(&unsigned), None, "alg none");
        let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
        assert_eq!(k.verify(&tampered), None, "tampered payload");
        assert!(JwtKeys::new(b"short", "i", "a", Duration::from_secs(1)).is_err());
    }
}
