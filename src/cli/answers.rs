//! `goldarena answers generate`: answer sets from live models, for expert
//! campaigns and offline comparisons.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::answer_sets::generate::{Generator, generate};
use crate::config::Settings;
use crate::providers::{build_provider, http_client};
use crate::store;

#[derive(Debug, Subcommand)]
pub enum AnswersCommand {
    /// Answer every question of a FastChat llm_judge question file with live
    /// models ([[live_models]] in the configuration), writing
    /// OUT/model_answer/<model>.jsonl. Run it again to resume.
    Generate {
        /// question.jsonl (question_id, category, turns).
        #[arg(long, value_name = "FILE")]
        questions: PathBuf,
        /// Live models to answer with, comma-separated.
        #[arg(long, value_name = "A,B,...", value_delimiter = ',', required = true)]
        models: Vec<String>,
        /// Output folder (question.jsonl and model_answer/).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Answers generated at once (each model's max_concurrency also holds).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Then import the answer set into the database.
        #[arg(long)]
        import: bool,
        /// Question set name for --import (default: the output folder's name).
        #[arg(long, value_name = "NAME", requires = "import")]
        set: Option<String>,
    },
}

/// # Errors
/// On a configuration, file or database error, or when an answer failed
/// (after writing every answer that did not).
pub async fn run(command: &AnswersCommand, settings: Settings) -> anyhow::Result<()> {
    let AnswersCommand::Generate {
        questions,
        models,
        out,
        concurrency,
        import,
        set,
    } = command;
    let client = http_client(Duration::from_millis(settings.live.connect_timeout_ms))?;
    let secrets = |name: &str| std::env::var(name).ok();
    let mut generators = Vec::new();
    for name in models {
        let config = settings
            .live_models
            .iter()
            .find(|m| &m.name == name)
            .with_context(|| format!("no live model {name:?} in [[live_models]]"))?;
        // A batch waits for a free slot as long as it takes.
        let provider = build_provider(client.clone(), &settings.live, config, &secrets, None)?;
        generators.push(Generator {
            name: name.clone(),
            provider: Arc::new(provider),
        });
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} answers ({eta} left)")
            .context("progress bar template")?,
    );
    let report = generate(questions, &generators, out, *concurrency, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "{} answers generated, {} already there, {} failed; written to {}",
        report.generated,
        report.skipped,
        report.failed.len(),
        report.answer_dir.display()
    );
    for (model, question, error) in &report.failed {
        eprintln!("{model} on question {question}: {error}");
    }
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} answers failed; run the same command again to retry them",
        report.failed.len()
    );
    if *import {
        let db = store::connect(&settings.database_url, 1).await?;
        store::migrate(&db).await?;
        let set = set
            .clone()
            .or_else(|| out.file_name().map(|n| n.to_string_lossy().into_owned()));
        super::import_and_report(
            &db,
            &report.question_file,
            &report.answer_dir,
            set.as_deref(),
        )
        .await?;
    }
    Ok(())
}
