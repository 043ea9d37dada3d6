use std::fmt;

/// A slice of the vote data with its own pair counts and leaderboard.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Overall,
    Category(String),
    Language(String),
    /// Both at once. No pair counts are kept for it: its board is counted
    /// from the votes themselves.
    CategoryLanguage(String, String),
    Campaign(i32),
}

impl Scope {
    /// The scopes a counted vote on a battle adds to: overall, its category
    /// and its language.
    #[must_use]
    pub fn of_battle(category: Option<&str>, language: Option<&str>) -> Vec<Scope> {
        let mut scopes = vec![Scope::Overall];
        scopes.extend(category.map(|c| Scope::Category(c.to_owned())));
        scopes.extend(language.map(|l| Scope::Language(l.to_owned())));
        scopes
    }

    /// `overall`, `category:NAME`, `language:CODE` or `category:NAME,language:CODE`.
    ///
    /// # Errors
    /// Any other form, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.trim() == "overall" {
            return Ok(Self::Overall);
        }
        let (mut category, mut language) = (None, None);
        for part in text.split(',') {
            match part.trim().split_once(':') {
                Some(("category", c)) if !c.is_empty() => category = Some(c.to_owned()),
                Some(("language", l)) if !l.is_empty() => language = Some(l.to_owned()),
                _ => {
                    return Err(format!(
                        "scope {text:?}: use overall, category:NAME, language:CODE, or category:NAME,language:CODE"
                    ));
                }
            }
        }
        Ok(match (category, language) {
            (Some(c), Some(l)) => Self::CategoryLanguage(c, l),
            (Some(c), None) => Self::Category(c),
            (None, Some(l)) => Self::Language(l),
            (None, None) => Self::Overall,
        })
    }

    /// The battles' category and language this scope keeps to, if any.
    #[must_use]
    pub fn filters(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Self::Category(c) => (Some(c), None),
            Self::Language(l) => (None, Some(l)),
            Self::CategoryLanguage(c, l) => (Some(c), Some(l)),
            Self::Overall | Self::Campaign(_) => (None, None),
        }
    }

    /// The key stored in `pair_counts.scope`, e.g. `overall`, `category:medical`.
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Self::Overall => "overall".to_owned(),
            Self::Category(c) => format!("category:{c}"),
            Self::Language(l) => format!("language:{l}"),
            Self::CategoryLanguage(c, l) => format!("category:{c},language:{l}"),
            Self::Campaign(id) => format!("campaign:{id}"),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_by_kind() {
        assert_eq!(Scope::Overall.key(), "overall");
        assert_eq!(Scope::Category("medical".into()).key(), "category:medical");
        assert_eq!(Scope::Language("cmn".into()).key(), "language:cmn");
        assert_eq!(Scope::Campaign(7).key(), "campaign:7");
        let both = Scope::CategoryLanguage("medical".into(), "cmn".into());
        assert_eq!(both.key(), "category:medical,language:cmn");
        assert_eq!(both.filters(), (Some("medical"), Some("cmn")));
        assert_eq!(Scope::parse(&both.key()), Ok(both));
        assert_eq!(Scope::parse("overall"), Ok(Scope::Overall));
        assert_eq!(
            Scope::parse("language:en"),
            Ok(Scope::Language("en".into()))
        );
        assert!(Scope::parse("campaign:3").is_err());
        assert!(Scope::parse("category:").is_err());
    }
}
