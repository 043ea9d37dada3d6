use std::fmt;

/// The left (`A`) or right (`B`) pane of a battle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    A,
    B,
}

impl Side {
    /// Both sides, in pane order.
    pub const BOTH: [Side; 2] = [Side::A, Side::B];

    /// The stored and wire spelling: `a` or `b`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
        }
    }

    /// Position in a two-element array: 0 for A, 1 for B.
    #[must_use]
    pub fn index(self) -> usize {
        match self {
            Self::A => 0,
            Self::B => 1,
        }
    }

    /// # Errors
    /// Returns the unknown text.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "a" => Ok(Self::A),
            "b" => Ok(Self::B),
            other => Err(format!("unknown side {other:?}")),
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sides_round_trip_and_index_their_pane() {
        for (i, s) in Side::BOTH.into_iter().enumerate() {
            assert_eq!(Side::parse(s.as_str()), Ok(s));
            assert_eq!(s.index(), i);
        }
        assert!(Side::parse("c").is_err());
    }
}
