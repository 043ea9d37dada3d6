//! sea-orm entities, one file per table, in the layout `sea-orm-cli generate entity`
//! produces. Behaviour lives in the query modules beside this folder, not here.

pub mod answers;
pub mod assignments;
pub mod audit_log;
pub mod battles;
pub mod campaign_items;
pub mod campaigns;
pub mod daily_vote_counts;
pub mod exam_answers;
pub mod exam_questions;
pub mod exams;
pub mod judgments;
pub mod messages;
pub mod models;
pub mod pair_counts;
pub mod prompt_counts;
pub mod question_sets;
pub mod questions;
pub mod rating_snapshots;
pub mod refresh_tokens;
pub mod rubrics;
pub mod users;
pub mod voter_flags;
pub mod votes;
