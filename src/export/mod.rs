//! File formats out: what an operator downloads, and the manifest that lets
//! anyone check a download and recompute its tables.

pub mod campaign;

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, hex.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
