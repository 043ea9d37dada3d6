use std::fmt;

/// Why a stored vote does not count on the leaderboard. The code is stable
/// (clients and operators match on it); a sentence for the voter goes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotCounted {
    /// An answer names its model.
    IdentityLeak,
    /// An answer was stopped before the model wrote anything.
    StoppedBeforeWriting,
    /// The voter chose the models.
    NamedBattle,
    /// The client chose the question.
    ChosenQuestion,
    /// The vote came sooner than anyone could read the answers.
    TooFast,
    /// The voter or their address reached the day's cap.
    DailyCap,
    /// The anomaly check flagged the voter.
    FlaggedVoter,
    /// The live prompt was seen too often.
    DuplicatePrompt,
}

impl NotCounted {
    pub const ALL: [NotCounted; 8] = [
        Self::IdentityLeak,
        Self::StoppedBeforeWriting,
        Self::NamedBattle,
        Self::ChosenQuestion,
        Self::TooFast,
        Self::DailyCap,
        Self::FlaggedVoter,
        Self::DuplicatePrompt,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdentityLeak => "identity_leak",
            Self::StoppedBeforeWriting => "stopped_before_writing",
            Self::NamedBattle => "named_battle",
            Self::ChosenQuestion => "chosen_question",
            Self::TooFast => "too_fast",
            Self::DailyCap => "daily_cap",
            Self::FlaggedVoter => "flagged_voter",
            Self::DuplicatePrompt => "duplicate_prompt",
        }
    }

    /// What the code means, for the voter.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::IdentityLeak => "an answer names its model, so the vote would not be blind",
            Self::StoppedBeforeWriting => "an answer was stopped before the model wrote anything",
            Self::NamedBattle => "you chose the models, so the vote was not blind",
            Self::ChosenQuestion => "the question was chosen, not drawn",
            Self::TooFast => "the vote came before the answers could be read",
            Self::DailyCap => "today's limit of counted votes was reached",
            Self::FlaggedVoter => "this voter's votes are under review",
            Self::DuplicatePrompt => "this prompt has been asked many times already",
        }
    }

    /// # Errors
    /// Returns the unknown text.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown reason {s:?}"))
    }
}

impl fmt::Display for NotCounted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip() {
        for r in NotCounted::ALL {
            assert_eq!(NotCounted::parse(r.as_str()), Ok(r));
            assert!(!r.describe().is_empty());
        }
    }
}
