/// Where a battle is in its life. Only `Open` battles take a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BattleStatus {
    Open,
    Voted,
    Void,
}

impl BattleStatus {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Voted => "voted",
            Self::Void => "void",
        }
    }

    /// # Errors
    /// Returns the unknown text.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "open" => Ok(Self::Open),
            "voted" => Ok(Self::Voted),
            "void" => Ok(Self::Void),
            other => Err(format!("unknown battle status {other:?}")),
        }
    }
}

/// How the two models were chosen. Only `Anonymous` battles feed the public leaderboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BattleMode {
    Anonymous,
    Named,
    Campaign,
}

impl BattleMode {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Named => "named",
            Self::Campaign => "campaign",
        }
    }
}

/// The left (`A`) or right (`B`) pane of a battle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [BattleStatus::Open, BattleStatus::Voted, BattleStatus::Void] {
            assert_eq!(BattleStatus::parse(s.as_str()), Ok(s));
        }
        assert!(BattleStatus::parse("closed").is_err());
    }
}
