//! Parse-don't-validate types shared by every layer. Imports nothing else of the crate.

mod battle;
mod dated;
mod email;
mod finish_reason;
mod identity;
mod language;
mod model_name;
mod not_counted;
mod password;
mod prompt;
mod role;
mod scope;
mod side;
mod style;
mod verdict;
mod voter_id;

pub use battle::{BattleMode, BattleStatus, ProviderKind};
pub use dated::Dated;
pub use email::Email;
pub use finish_reason::FinishReason;
pub use identity::{DEFAULT_IDENTITY_WORDS, IdentityWords, find_identity_word, mentions};
pub use language::{detect_language, language_code};
pub use model_name::ModelName;
pub use not_counted::NotCounted;
pub use password::Password;
pub use prompt::{Prompt, PromptError};
pub use role::Role;
pub use scope::Scope;
pub use side::Side;
pub use style::{StyleFeatures, estimate_tokens};
pub use verdict::Verdict;
pub use voter_id::VoterId;
