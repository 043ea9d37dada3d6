//! Parse-don't-validate types shared by every layer. Imports nothing else of the crate.

mod battle;
mod identity;
mod language;
mod model_name;
mod scope;
mod verdict;

pub use battle::{BattleMode, BattleStatus, Side};
pub use identity::{DEFAULT_IDENTITY_WORDS, find_identity_word};
pub use language::detect_language;
pub use model_name::ModelName;
pub use scope::Scope;
pub use verdict::Verdict;
