use std::fmt;

/// A voter's verdict on a battle, from model A's point of view, spelled as in the
/// LMSYS clean-battle data (`model_a`, `model_b`, `tie`, `tie (bothbad)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    ModelA,
    ModelB,
    Tie,
    TieBothBad,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::ModelA,
        Verdict::ModelB,
        Verdict::Tie,
        Verdict::TieBothBad,
    ];

    /// Parses the wire spelling.
    ///
    /// # Errors
    /// Returns the rejected text when it is not one of the four verdicts.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "model_a" => Ok(Self::ModelA),
            "model_b" => Ok(Self::ModelB),
            "tie" => Ok(Self::Tie),
            "tie (bothbad)" => Ok(Self::TieBothBad),
            other => Err(format!(
                "verdict must be one of \"model_a\", \"model_b\", \"tie\", \"tie (bothbad)\"; got {other:?}"
            )),
        }
    }

    /// Parses a winner as released battle files spell it: the four wire
    /// spellings, LMArena's newer `both_bad` (its `arena-human-preference`
    /// sets; a tie where both lose) and MT-Bench's `tie (inconsistent)` (a
    /// judge that picked each side once when the sides were swapped; FastChat
    /// counts it as a tie).
    ///
    /// # Errors
    /// As [`Verdict::parse`].
    pub fn parse_released(s: &str) -> Result<Self, String> {
        match s {
            "both_bad" => Ok(Self::TieBothBad),
            "tie (inconsistent)" => Ok(Self::Tie),
            other => Self::parse(other),
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelA => "model_a",
            Self::ModelB => "model_b",
            Self::Tie => "tie",
            Self::TieBothBad => "tie (bothbad)",
        }
    }

    /// Model A's score: 1 for a win, 0 for a loss, 0.5 for either kind of tie
    /// (the Chatbot Arena convention).
    #[must_use]
    pub fn score_a(self) -> f64 {
        match self {
            Self::ModelA => 1.0,
            Self::ModelB => 0.0,
            Self::Tie | Self::TieBothBad => 0.5,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_round_trips_through_its_wire_spelling() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.as_str()), Ok(v));
        }
    }

    #[test]
    fn released_files_spell_ties_their_own_ways_too() {
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse_released(v.as_str()), Ok(v));
        }
        assert_eq!(Verdict::parse_released("both_bad"), Ok(Verdict::TieBothBad));
        assert_eq!(
            Verdict::parse_released("tie (inconsistent)"),
            Ok(Verdict::Tie)
        );
        // The API keeps to the four wire spellings.
        assert!(Verdict::parse("both_bad").is_err());
    }

    #[test]
    fn unknown_spellings_are_rejected() {
        for bad in [
            "",
            "A",
            "model_c",
            "tie(bothbad)",
            "Model_A",
            "tie (bothbad) ",
        ] {
            assert!(Verdict::parse(bad).is_err(), "{bad:?} was accepted");
            assert!(
                Verdict::parse_released(bad).is_err(),
                "{bad:?} was accepted from a file"
            );
        }
    }

    #[test]
    fn scores_follow_the_chatbot_arena_convention() {
        assert_eq!(Verdict::ModelA.score_a(), 1.0);
        assert_eq!(Verdict::ModelB.score_a(), 0.0);
        assert_eq!(Verdict::Tie.score_a(), 0.5);
        assert_eq!(Verdict::TieBothBad.score_a(), 0.5);
    }
}
