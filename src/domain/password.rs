use std::fmt;

/// A new password: at least [`Password::MIN_CHARS`] characters. Its `Debug`
/// output is redacted, so it cannot reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;

    /// # Errors
    /// When the password is shorter than the minimum or longer than 1024
    /// characters (hashing an unbounded input would be a denial of service).
    pub fn parse(s: &str) -> Result<Self, String> {
        let n = s.chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!(
                "a password needs at least {} characters",
                Self::MIN_CHARS
            ));
        }
        if n > 1024 {
            return Err("a password may have at most 1024 characters".to_owned());
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused_and_none_prints() {
        assert!(Password::parse("elevenchars").is_err());
        let p = Password::parse("twelve chars").expect("long enough");
        assert!(!format!("{p:?}").contains("twelve"));
    }
}
