use std::fmt;

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

impl fmt::Display for BattleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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

    /// # Errors
    /// Returns the unknown text.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "anonymous" => Ok(Self::Anonymous),
            "named" => Ok(Self::Named),
            "campaign" => Ok(Self::Campaign),
            other => Err(format!("unknown battle mode {other:?}")),
        }
    }
}

impl fmt::Display for BattleMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a model's answers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Called live through an OpenAI-compatible API.
    OpenAi,
    /// Answers generated ahead of time and imported (an answer set).
    AnswerSet,
    /// Known only from imported battles (a public arena's release): rated,
    /// never sampled.
    Imported,
}

impl ProviderKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::AnswerSet => "answer_set",
            Self::Imported => "imported",
        }
    }

    /// # Errors
    /// Returns the unknown text.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "openai" => Ok(Self::OpenAi),
            "answer_set" => Ok(Self::AnswerSet),
            "imported" => Ok(Self::Imported),
            other => Err(format!("unknown provider kind {other:?}")),
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_modes_and_kinds_round_trip() {
        for s in [BattleStatus::Open, BattleStatus::Voted, BattleStatus::Void] {
            assert_eq!(BattleStatus::parse(s.as_str()), Ok(s));
        }
        for m in [
            BattleMode::Anonymous,
            BattleMode::Named,
            BattleMode::Campaign,
        ] {
            assert_eq!(BattleMode::parse(m.as_str()), Ok(m));
        }
        for k in [ProviderKind::OpenAi, ProviderKind::AnswerSet] {
            assert_eq!(ProviderKind::parse(k.as_str()), Ok(k));
        }
        assert!(BattleStatus::parse("closed").is_err());
        assert!(BattleMode::parse("blind").is_err());
    }
}
