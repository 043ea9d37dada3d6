use std::fmt;

/// What a person may do. Each role includes what the roles before it in
/// [`Role::rank`] order may do, except that an expert is not an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Votes, anonymously or registered.
    Voter,
    /// A doctor or other domain expert who judges campaign items.
    Expert,
    /// Runs campaigns, manages models, reads every export.
    Operator,
    /// An operator who also manages users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Voter, Role::Expert, Role::Operator, Role::Admin];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Voter => "voter",
            Self::Expert => "expert",
            Self::Operator => "operator",
            Self::Admin => "admin",
        }
    }

    /// # Errors
    /// Names the accepted roles when the text is none of them.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "voter" => Ok(Self::Voter),
            "expert" => Ok(Self::Expert),
            "operator" => Ok(Self::Operator),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}; use voter, expert, operator or admin"
            )),
        }
    }

    /// Whether this role may do what `required` may.
    #[must_use]
    pub fn allows(self, required: Role) -> bool {
        match required {
            Self::Voter => true,
            Self::Expert => matches!(self, Self::Expert | Self::Admin),
            Self::Operator => matches!(self, Self::Operator | Self::Admin),
            Self::Admin => self == Self::Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_admins_may_do_everything() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert!(Role::Admin.allows(r));
            assert!(r.allows(Role::Voter));
        }
        assert!(Role::Operator.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Admin));
        assert!(!Role::Expert.allows(Role::Operator));
        assert!(!Role::Voter.allows(Role::Expert));
        assert!(Role::parse("root").is_err());
    }
}
