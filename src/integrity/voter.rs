//! The anonymous voter's id, issued by the server as a signed token:
//! `UUID.SIGNATURE`, the signature an HMAC-SHA256 of the id. A client cannot
//! invent or alter an id: anything that does not verify is replaced.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::VoterId;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks voter tokens.
pub struct VoterTokens {
    key: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl VoterTokens {
    #[must_use]
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length, so this never falls back.
        HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
    }

    /// The token for `id`.
    #[must_use]
    pub fn sign(&self, id: VoterId) -> String {
        let mut mac = self.mac();
        mac.update(id.to_string().as_bytes());
        format!("{id}.{}", hex(&mac.finalize().into_bytes()))
    }

    /// The voter id of a token this server signed, or `None`.
    #[must_use]
    pub fn verify(&self, token: &str) -> Option<VoterId> {
        let (id, signature) = token.split_once('.')?;
        let id = VoterId::parse(id).ok()?;
        let signature: Vec<u8> = (0..signature.len())
            .step_by(2)
            .map(|i| {
                signature
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<_>>()?;
        let mut mac = self.mac();
        mac.update(id.to_string().as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&signature).ok().map(|()| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_this_key_signed_verify() {
        let tokens = VoterTokens::new(b"server key".to_vec());
        let id = VoterId::new_random();
        let t = tokens.sign(id);
        assert_eq!(tokens.verify(&t), Some(id));
        assert_eq!(
            tokens.verify(&id.to_string()),
            None,
            "a bare, self-invented id"
        );
        let other = VoterId::new_random();
        let forged = format!("{other}.{}", t.split_once('.').map_or("", |(_, s)| s));
        assert_eq!(
            tokens.verify(&forged),
            None,
            "a signature moved to another id"
        );
        assert_eq!(VoterTokens::new(b"other key".to_vec()).verify(&t), None);
        assert_eq!(tokens.verify("x.zz"), None);
    }
}
