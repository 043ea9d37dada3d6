//! Importing question banks and pre-generated answer sets (FastChat llm_judge
//! format). Everything is validated before anything is written, and the write is
//! one transaction: a bad line anywhere leaves the database as it was.

pub mod battles;
pub mod llm_judge;
pub mod lmsys;

use crate::store::db::BeginWrite;
use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::domain::{ModelName, detect_language};
use crate::store;
use crate::store::models::ModelMetadata;
use crate::store::questions::{Change, QuestionRow};
pub use llm_judge::LineError;

/// A file's name (for messages) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub label: String,
    pub text: String,
}

/// One model's answer file.
#[derive(Debug, Clone)]
pub struct AnswerSource {
    pub model: String,
    pub source: Source,
}

/// Inserted / updated / unchanged rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Tally {
    fn add(&mut self, change: Change) {
        match change {
            Change::Inserted => self.inserted += 1,
            Change::Updated => self.updated += 1,
            Change::Unchanged => self.unchanged += 1,
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub question_set: String,
    pub models: Vec<String>,
    pub questions: Tally,
    pub answers: Tally,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} problem(s) in the input; nothing was imported:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<LineError>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Reads `questions` and every `*.jsonl` in `answers_dir` (one file per model,
/// named after the model, as FastChat does) and imports them into the question set
/// `set_name` (default: the name of the folder holding `questions`).
///
/// # Errors
/// `Invalid` with every problem found (unreadable file, bad line, bad model
/// name); `Unexpected` on a database error. Either way nothing is written.
pub async fn import_files(
    db: &DatabaseConnection,
    questions: &Path,
    answers_dir: &Path,
    set_name: Option<&str>,
) -> Result<ImportReport, ImportError> {
    let invalid = |file: &Path, message: String| {
        ImportError::Invalid(vec![LineError {
            file: file.display().to_string(),
            line: 0,
            message,
        }])
    };
    let read = |path: &Path| -> Result<Source, ImportError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| invalid(path, format!("cannot read the file: {e}")))?;
        Ok(Source {
            label: path.display().to_string(),
            text,
        })
    };
    let question_source = read(questions)?;
    let entries = std::fs::read_dir(answers_dir)
        .map_err(|e| invalid(answers_dir, format!("cannot list the folder: {e}")))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(invalid(
            answers_dir,
            "holds no <model>.jsonl answer files".to_owned(),
        ));
    }
    let mut answer_sources = Vec::with_capacity(paths.len());
    for path in &paths {
        let model = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        answer_sources.push(AnswerSource {
            model,
            source: read(path)?,
        });
    }
    let set_name = match set_name {
        Some(s) => s.to_owned(),
        None => questions
            .canonicalize()
            .ok()
            .and_then(|p| {
                p.parent()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "imported".to_owned()),
    };
    import_sources(
        db,
        &set_name,
        Some(&questions.display().to_string()),
        &question_source,
        &answer_sources,
        &HashMap::new(),
    )
    .await
}

/// Validates the question file and every answer file, then writes them all in one
/// transaction. Importing the same input twice changes nothing the second time.
///
/// # Errors
/// As [`import_files`].
pub async fn import_sources(
    db: &DatabaseConnection,
    set_name: &str,
    set_source: Option<&str>,
    questions: &Source,
    answers: &[AnswerSource],
    metadata: &HashMap<String, ModelMetadata>,
) -> Result<ImportReport, ImportError> {
    let parsed_questions = llm_judge::parse_questions(&questions.label, &questions.text)
        .map_err(ImportError::Invalid)?;
    let question_turns: HashMap<String, usize> = parsed_questions
        .iter()
        .map(|q| (q.question_id.clone(), q.turns.len()))
        .collect();
    let mut errors = Vec::new();
    let mut parsed_answers = Vec::with_capacity(answers.len());
    for a in answers {
        if let Err(m) = ModelName::parse(&a.model) {
            errors.push(LineError {
                file: a.source.label.clone(),
                line: 0,
                message: format!("the file name does not make a valid model name: {m}"),
            });
            continue;
        }
        match llm_judge::parse_answers(&a.source.label, &a.source.text, &question_turns) {
            Ok(records) => parsed_answers.push((a.model.clone(), records)),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }

    let txn = db.begin_write().await.context("failed to begin import")?;
    let set_id = store::questions::ensure_set(&txn, set_name, set_source).await?;
    let mut report = ImportReport {
        question_set: set_name.to_owned(),
        models: Vec::new(),
        questions: Tally::default(),
        answers: Tally::default(),
    };
    let mut ids: HashMap<String, i32> = HashMap::with_capacity(parsed_questions.len());
    for q in parsed_questions {
        let language = q
            .language
            .clone()
            .unwrap_or_else(|| detect_language(&q.turns[0]));
        let (id, change) = store::questions::upsert_question(
            &txn,
            set_id,
            &QuestionRow {
                external_id: q.question_id.clone(),
                category: q.category,
                language,
                turns: q.turns,
            },
        )
        .await?;
        report.questions.add(change);
        ids.insert(q.question_id, id);
    }
    let no_metadata = ModelMetadata::default();
    for (model, records) in parsed_answers {
        let meta = metadata.get(&model).unwrap_or(&no_metadata);
        let model_id = store::models::ensure_answer_set_model(&txn, &model, meta).await?;
        for r in records {
            let question_id = *ids
                .get(&r.question_id)
                .context("validated answer lost its question")?;
            let change =
                store::questions::upsert_answer(&txn, question_id, model_id, &r.turns).await?;
            report.answers.add(change);
        }
        report.models.push(model);
    }
    txn.commit().await.context("failed to commit import")?;
    store::questions::bank_changed();
    Ok(report)
}
