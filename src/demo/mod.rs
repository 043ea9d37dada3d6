//! The bundled demo set: questions and answers written for this project by its
//! authors (not real model outputs), embedded in the binary and loaded on the first
//! start of an empty database so that a fresh `serve` has something to vote on.

use std::collections::HashMap;

use anyhow::Context;
use rust_embed::RustEmbed;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::import::{self, AnswerSource, ImportError, ImportReport, Source};
use crate::store;
use crate::store::models::ModelMetadata;

/// The name of the demo question set; the UI labels its battles as demo data.
pub const DEMO_SET: &str = "demo";

#[derive(RustEmbed)]
#[folder = "src/demo/"]
#[include = "question.jsonl"]
#[include = "models.json"]
#[include = "model_answer/*.jsonl"]
struct DemoFiles;

#[derive(Deserialize)]
struct DemoModel {
    name: String,
    display_name: String,
    organization: Option<String>,
    license: Option<String>,
}

fn text(path: &str) -> anyhow::Result<String> {
    let file = DemoFiles::get(path).with_context(|| format!("demo file {path} is not embedded"))?;
    String::from_utf8(file.data.into_owned())
        .with_context(|| format!("demo file {path} is not UTF-8"))
}

/// Loads the demo set when no model is registered yet. Returns what was imported,
/// or `None` when the database already had models.
///
/// # Errors
/// On a database error, or if the embedded files are broken (a build defect the
/// unit tests catch).
pub async fn load_if_empty(db: &DatabaseConnection) -> anyhow::Result<Option<ImportReport>> {
    if store::models::count(db).await? > 0 {
        return Ok(None);
    }
    load(db).await.map(Some)
}

/// The names of the demo models.
///
/// # Errors
/// If the embedded models.json is broken (a build defect the unit tests catch).
pub fn model_names() -> anyhow::Result<Vec<String>> {
    let models: Vec<DemoModel> =
        serde_json::from_str(&text("models.json")?).context("demo models.json is invalid")?;
    Ok(models.into_iter().map(|m| m.name).collect())
}

/// Turns the demo models on (drawn and on the board) or off (not drawn, and
/// hidden from the board as deprecated, their votes kept).
///
/// # Errors
/// On a database error.
pub async fn set_enabled(db: &DatabaseConnection, on: bool) -> anyhow::Result<()> {
    for name in model_names()? {
        store::models::update(
            db,
            &name,
            store::models::ModelChange {
                active: Some(on),
                deprecated: Some(!on),
                ..store::models::ModelChange::default()
            },
        )
        .await?;
    }
    Ok(())
}

/// Applies `load_demo`: `Some(true)` loads the demo into an empty database
/// and keeps it on, `Some(false)` keeps it off, and `None` loads it for a
/// first start without live models and turns it off as soon as live models
/// or another question set exist.
///
/// # Errors
/// On a database error.
pub async fn apply(
    db: &DatabaseConnection,
    load_demo: Option<bool>,
    live_models: bool,
) -> anyhow::Result<()> {
    // Unless told, the demo set is for a first start on SQLite only: never on
    // PostgreSQL (a production database), and off once live models or another
    // answer set exist.
    let wanted = match load_demo {
        Some(on) => on,
        None => {
            db.get_database_backend() == sea_orm::DbBackend::Sqlite
                && !live_models
                && !store::questions::has_sets_other_than(db, DEMO_SET).await?
        }
    };
    if wanted && let Some(report) = load_if_empty(db).await? {
        tracing::info!(
            models = report.models.len(),
            questions = report.questions.inserted,
            "loaded the bundled demo set (demo data, not real model outputs)"
        );
    }
    set_enabled(db, wanted).await?;
    if !wanted {
        tracing::debug!("the demo set is off (load_demo = true turns it on)");
    }
    Ok(())
}

/// Imports the demo set (idempotent).
///
/// # Errors
/// As [`load_if_empty`].
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<ImportReport> {
    let models: Vec<DemoModel> =
        serde_json::from_str(&text("models.json")?).context("demo models.json is invalid")?;
    let metadata: HashMap<String, ModelMetadata> = models
        .into_iter()
        .map(|m| {
            (
                m.name,
                ModelMetadata {
                    display_name: Some(m.display_name),
                    organization: m.organization,
                    license: m.license,
                },
            )
        })
        .collect();
    let mut answers: Vec<AnswerSource> = Vec::new();
    for path in DemoFiles::iter().filter(|p| p.starts_with("model_answer/")) {
        let model = path
            .trim_start_matches("model_answer/")
            .trim_end_matches(".jsonl")
            .to_owned();
        answers.push(AnswerSource {
            model,
            source: Source {
                label: format!("demo/{path}"),
                text: text(&path)?,
            },
        });
    }
    answers.sort_by(|a, b| a.model.cmp(&b.model));
    let questions = Source {
        label: "demo/question.jsonl".to_owned(),
        text: text("question.jsonl")?,
    };
    import::import_sources(
        db,
        DEMO_SET,
        Some("bundled demo set"),
        &questions,
        &answers,
        &metadata,
    )
    .await
    .map_err(|e| match e {
        ImportError::Invalid(_) => anyhow::anyhow!("the embedded demo set is invalid: {e}"),
        ImportError::Unexpected(e) => e,
    })
}
