use std::fmt;

/// An email address, lower-cased: addresses are compared without regard to
/// case, so `Ann@Example.org` and `ann@example.org` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Trims and lower-cases the address and checks its shape: one `@`,
    /// something before it, a dot in the domain, no spaces, at most 254
    /// characters.
    ///
    /// # Errors
    /// Says what is wrong with the address.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_lowercase();
        let Some((local, domain)) = s.split_once('@') else {
            return Err(format!("{s:?} is not an email address"));
        };
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && s.chars().count() <= 254;
        if ok {
            Ok(Self(s))
        } else {
            Err(format!("{s:?} is not an email address"))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse(" Ann@Example.ORG ").map(|e| e.to_string()),
            Ok("ann@example.org".to_owned())
        );
        for bad in [
            "",
            "ann",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
