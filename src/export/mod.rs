//! File formats out: what an operator downloads, and the manifest that lets
//! anyone check a download and recompute its tables.

pub mod battles;
pub mod campaign;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A date (the start of that day; with `end`, the start of the next) or an
/// RFC 3339 time, as export and history filters take them.
///
/// # Errors
/// Neither form.
pub fn parse_when(text: &str, end: bool) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("{text:?} is not a date (2026-11-30) or an RFC 3339 time"))?;
    let day = if end {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    day.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .with_context(|| format!("{text:?} is out of range"))
}
