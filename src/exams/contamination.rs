//! Could a model have seen an exam in its training data? An exam held after
//! the model's knowledge cutoff is `fresh` for it (HuatuoGPT-II sat such an
//! exam to rule out leaks); one held before or during the cutoff's period is
//! `possibly_seen`; without both dates it is `unknown`.

use serde::Serialize;

use crate::domain::Dated;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Contamination {
    Fresh,
    PossiblySeen,
    Unknown,
}

impl Contamination {
    /// Compares the exam's date with the model's knowledge cutoff (each a day,
    /// a month or a year; a date that cannot be read counts as missing).
    #[must_use]
    pub fn classify(exam_date: Option<&str>, knowledge_cutoff: Option<&str>) -> Self {
        let exam = exam_date.and_then(|d| Dated::parse(d).ok());
        let cutoff = knowledge_cutoff.and_then(|d| Dated::parse(d).ok());
        match (exam, cutoff) {
            (Some(e), Some(c)) if e.wholly_after(&c) => Self::Fresh,
            (Some(_), Some(_)) => Self::PossiblySeen,
            _ => Self::Unknown,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fresh => "fresh",
            Self::PossiblySeen => "possibly_seen",
            Self::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exam_after_the_cutoff_is_fresh_and_one_before_or_during_it_possibly_seen() {
        use Contamination::*;
        let cases = [
            (Some("2024-06-01"), Some("2023-10"), Fresh),
            (Some("2023-10-15"), Some("2023-10"), PossiblySeen),
            (Some("2021-10-16"), Some("2023-10-01"), PossiblySeen),
            (Some("2023-11-01"), Some("2023-10-31"), Fresh),
            (Some("2024"), Some("2023-12"), Fresh),
            (Some("2023"), Some("2023-06"), PossiblySeen),
            (None, Some("2023-10"), Unknown),
            (Some("2024-06-01"), None, Unknown),
            (Some("2024-06-01"), Some("late 2023"), Unknown),
        ];
        for (exam, cutoff, want) in cases {
            assert_eq!(
                Contamination::classify(exam, cutoff),
                want,
                "{exam:?} vs {cutoff:?}"
            );
        }
    }
}
