use std::fmt;

/// A voter's prompt: trimmed, not empty, no longer than the arena allows, and
/// free of NUL and other control characters (line breaks and tabs are text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt(String);

/// Why a prompt was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error("the prompt is empty")]
    Empty,
    #[error("the prompt is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the prompt holds NUL or another control character")]
    ControlCharacter,
}

impl Prompt {
    /// Trims the text and checks it holds at most `max_chars` characters.
    ///
    /// # Errors
    /// `Empty` for blank text, `TooLong` past the limit.
    pub fn parse(text: &str, max_chars: usize) -> Result<Self, PromptError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PromptError::Empty);
        }
        if text.chars().count() > max_chars {
            return Err(PromptError::TooLong { max: max_chars });
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(PromptError::ControlCharacter);
        }
        Ok(Self(text.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_are_trimmed_and_bounded_in_characters() {
        assert_eq!(
            Prompt::parse("  hi \n", 10).map(Prompt::into_string),
            Ok("hi".into())
        );
        assert_eq!(Prompt::parse(" \t ", 10), Err(PromptError::Empty));
        // Characters, not bytes: four CJK characters are twelve bytes.
        assert!(Prompt::parse("你好世界", 4).is_ok());
        assert_eq!(
            Prompt::parse("你好世界!", 4),
            Err(PromptError::TooLong { max: 4 })
        );
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_and_tabs_are_text() {
        assert!(Prompt::parse("line one\r\nline two\tcell", 100).is_ok());
        for bad in [
            "a\0b",
            "bell \u{7}",
            "escape \u{1b}[31m",
            "c1 \u{85} next line",
        ] {
            assert_eq!(
                Prompt::parse(bad, 100),
                Err(PromptError::ControlCharacter),
                "{bad:?}"
            );
        }
    }
}
