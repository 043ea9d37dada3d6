use std::fmt;

/// A model's slug: 1 to 100 characters of ASCII letters, digits, `.`, `-` and `_`,
/// starting with a letter or digit. It names files, URLs and CSV rows, so nothing else
/// is allowed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelName(String);

impl ModelName {
    /// # Errors
    /// Says which rule the name breaks.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 100 {
            return Err(format!(
                "model name must be 1 to 100 characters long, got {}",
                s.len()
            ));
        }
        let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let all_ok = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !first_ok || !all_ok {
            return Err(format!(
                "model name {s:?} may only hold ASCII letters, digits, '.', '-' and '_', and must start with a letter or digit"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_model_slugs_are_accepted() {
        for ok in [
            "gpt-4",
            "gpt-3.5-turbo",
            "vicuna-13b-v1.3",
            "RWKV-4-Raven-14B",
            "a_b",
        ] {
            assert!(ModelName::parse(ok).is_ok(), "{ok} was rejected");
        }
    }

    #[test]
    fn names_with_paths_spaces_or_markup_are_rejected() {
        let long = "x".repeat(101);
        for bad in [
            "",
            "../etc",
            "a b",
            "<b>",
            "-lead",
            ".hidden",
            long.as_str(),
            "模型",
        ] {
            assert!(ModelName::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
