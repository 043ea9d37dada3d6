use std::fmt;

/// Why an answer ended. The server's own reasons (`stop`, `length`, ...) come
/// through as they are; the arena adds its own for answers it did not receive
/// whole from a model.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FinishReason {
    /// The model finished its answer.
    Stop,
    /// The answer hit the token limit.
    Length,
    /// The voter pressed stop; what arrived is the answer.
    Stopped,
    /// Pre-generated: the answer comes from an answer set.
    AnswerSet,
    /// The model failed; the error is stored beside the answer.
    Error,
    /// The battle was voided before this answer finished.
    Cancelled,
    /// Any other reason a server reported (`content_filter`, `tool_calls`, ...).
    Other(String),
}

impl FinishReason {
    /// The stored and wire spelling.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::Stopped => "stopped",
            Self::AnswerSet => "answer_set",
            Self::Error => "error",
            Self::Cancelled => "cancelled",
            Self::Other(s) => s,
        }
    }

    /// Reads any spelling: a reason the arena does not know is kept as
    /// `Other`, since servers may add their own.
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s {
            "stop" => Self::Stop,
            "length" => Self::Length,
            "stopped" => Self::Stopped,
            "answer_set" => Self::AnswerSet,
            "error" => Self::Error,
            "cancelled" => Self::Cancelled,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips_and_unknown_ones_are_kept() {
        for r in [
            FinishReason::Stop,
            FinishReason::Length,
            FinishReason::Stopped,
            FinishReason::AnswerSet,
            FinishReason::Error,
            FinishReason::Cancelled,
            FinishReason::Other("content_filter".into()),
        ] {
            assert_eq!(FinishReason::parse(r.as_str()), r);
        }
    }
}
