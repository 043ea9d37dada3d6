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
    }
}
