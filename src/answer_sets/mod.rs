//! Answer sets: pre-generated answers, one file per model, to every question
//! of a question set (FastChat llm_judge layout: `question.jsonl` beside
//! `model_answer/<model>.jsonl`). They are generated here from live models
//! ([`generate`]), imported into the database by [`crate::import::llm_judge`]
//! (through [`crate::import::import_files`]), and played by question-bank
//! battles, which show two models' stored answers to one question instead of
//! calling the models live.

pub mod generate;
