//! `[auth]`: sessions and login limits. The signing key is not a setting: it
//! comes from the environment (`GOLDARENA_JWT_SECRET`, or a file named by
//! `GOLDARENA_JWT_SECRET_FILE`), or is generated beside an SQLite database.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Lifetime of an access token.
    pub access_ttl_secs: u64,
    /// Lifetime of a refresh token (each refresh issues a new one).
    pub refresh_ttl_secs: u64,
    /// The `iss` and `aud` of every token.
    pub issuer: String,
    pub audience: String,
    /// Login attempts allowed per email address per minute.
    pub login_per_email_per_minute: u32,
    /// Login attempts allowed per client IP per minute.
    pub login_per_ip_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
            issuer: "goldarena".to_owned(),
            audience: "goldarena".to_owned(),
            login_per_email_per_minute: 5,
            login_per_ip_per_minute: 30,
        }
    }
}
