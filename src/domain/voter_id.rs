use std::fmt;

use uuid::Uuid;

/// Who cast or started a battle: today the anonymous voter's cookie id, a
/// UUID. Anything else is not a voter id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VoterId(Uuid);

impl VoterId {
    /// A fresh random id for a new voter.
    #[must_use]
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }

    /// The voter id of a registered user: fixed, so their votes are theirs
    /// on any device.
    #[must_use]
    pub fn for_user(user_id: i32) -> Self {
        // "goldaren" in the high half keeps these apart from random ids.
        Self(Uuid::from_u64_pair(
            0x676f_6c64_6172_656e,
            u64::from(user_id.unsigned_abs()),
        ))
    }

    /// # Errors
    /// When the text is not a UUID.
    pub fn parse(s: &str) -> Result<Self, String> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| format!("{s:?} is not a voter id"))
    }
}

impl fmt::Display for VoterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voter_ids_are_uuids_in_canonical_form() {
        let id = VoterId::new_random();
        assert_eq!(VoterId::parse(&id.to_string()), Ok(id));
        let upper = id.to_string().to_uppercase();
        assert_eq!(
            VoterId::parse(&upper).map(|v| v.to_string()),
            Ok(id.to_string())
        );
        assert!(VoterId::parse("me").is_err());
    }
}
