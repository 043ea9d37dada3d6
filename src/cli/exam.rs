//! `goldarena exam run|import-predictions|results` (and `import exam`, under
//! `import`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use sea_orm::DatabaseConnection;

use super::Format;
use crate::config::Settings;
use crate::exams::run::{Progress, RunModel, RunOptions};
use crate::exams::{self, ExamResults};
use crate::providers::{build_provider, http_client};
use crate::store;

#[derive(Debug, Subcommand)]
pub enum ExamCommand {
    /// Put every question of an exam to live models ([[live_models]]),
    /// storing each answer as it completes. Run it again to resume.
    Run {
        #[arg(long, value_name = "N")]
        exam: String,
        /// Live models, comma-separated.
        #[arg(long, value_name = "A,B,...", value_delimiter = ',', required = true)]
        models: Vec<String>,
        /// Worked examples from the same exam before each question.
        #[arg(long, default_value_t = 0)]
        shots: usize,
        /// Answers per question and model, scored by majority.
        #[arg(long, default_value_t = 1)]
        samples: usize,
        /// Answers asked for at once (each model's max_concurrency also holds).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Record predictions made elsewhere (e.g. MedAgents' `predicted_answer`).
    ImportPredictions {
        #[arg(long, value_name = "N")]
        exam: String,
        #[arg(long, value_name = "M")]
        model: String,
        file: PathBuf,
    },
    /// Accuracy per model (overall, per subject, per question type) with
    /// Wilson intervals, pass or fail, and McNemar between models.
    Results {
        exam: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Only the models for which the exam is fresh (held after their
        /// knowledge cutoff).
        #[arg(long)]
        fresh_only: bool,
    },
}

const HEADER: [&str; 12] = [
    "model",
    "exam",
    "subject",
    "question_type",
    "n",
    "correct",
    "accuracy",
    "ci_lower",
    "ci_upper",
    "unreadable",
    "pass",
    "contamination",
];

fn cells(r: &exams::ResultRow) -> [String; 12] {
    [
        r.model.clone(),
        r.exam.clone(),
        r.subject.clone(),
        r.question_type.clone(),
        r.n.to_string(),
        r.correct.to_string(),
        format!("{:.4}", r.accuracy),
        format!("{:.4}", r.ci_lower),
        format!("{:.4}", r.ci_upper),
        r.unreadable.to_string(),
        r.pass.unwrap_or("").to_owned(),
        r.contamination.as_str().to_owned(),
    ]
}

/// Formats the results.
///
/// # Errors
/// Only if encoding fails.
pub fn render(results: &ExamResults, format: Format) -> anyhow::Result<String> {
    let mut out = String::new();
    match format {
        Format::Json => {
            out = serde_json::to_string_pretty(results).context("encode JSON")?;
            out.push('\n');
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(HEADER).context("csv")?;
            for r in &results.rows {
                w.write_record(cells(r)).context("csv")?;
            }
            out = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?)
                .context("csv is UTF-8")?;
        }
        Format::Markdown => {
            let _ = writeln!(out, "| {} |", HEADER.join(" | "));
            let _ = writeln!(out, "|{}|", vec!["---"; HEADER.len()].join("|"));
            for r in &results.rows {
                let _ = writeln!(out, "| {} |", cells(r).join(" | ").replace('\n', " "));
            }
        }
        Format::Table => {
            let _ = writeln!(
                out,
                "{:<32} {:<24} {:<9} {:>5} {:>8} {:>17} {:>10}  {:<9} SEEN",
                "MODEL", "SUBJECT", "TYPE", "N", "ACCURACY", "95% CI", "UNREADABLE", "PASS"
            );
            for r in &results.rows {
                let _ = writeln!(
                    out,
                    "{:<32} {:<24} {:<9} {:>5} {:>7.1}% {:>17} {:>10}  {:<9} {}",
                    r.model,
                    r.subject,
                    r.question_type,
                    r.n,
                    100.0 * r.accuracy,
                    format!("[{:.1}, {:.1}]", 100.0 * r.ci_lower, 100.0 * r.ci_upper),
                    r.unreadable,
                    r.pass.unwrap_or(""),
                    r.contamination.as_str().replace('_', " ")
                );
            }
            for p in &results.mcnemar {
                let _ = writeln!(
                    out,
                    "McNemar {} vs {}: {} questions, {} only the first right, {} only the second, p = {:.4}",
                    p.model_a, p.model_b, p.questions, p.only_a_right, p.only_b_right, p.p_value
                );
            }
        }
    }
    Ok(out)
}

fn progress_message(p: Progress) -> String {
    let mut msg = format!(
        "{} prompt + {} completion tokens",
        p.prompt_tokens, p.completion_tokens
    );
    if let Some(c) = p.cost {
        let _ = write!(msg, ", cost {c:.4}");
    }
    msg
}

/// `exam run`: the live models from the configuration, registered as
/// `serve` registers them (their release date and knowledge cutoff too).
async fn run_exam(
    db: &DatabaseConnection,
    settings: &Settings,
    exam: &str,
    names: &[String],
    options: RunOptions,
) -> anyhow::Result<()> {
    let client = http_client(Duration::from_millis(settings.live.connect_timeout_ms))?;
    let secrets = |name: &str| std::env::var(name).ok();
    let mut models = Vec::new();
    for name in names {
        let config = settings
            .live_models
            .iter()
            .find(|m| &m.name == name)
            .with_context(|| format!("no live model {name:?} in [[live_models]]"))?;
        crate::arena::live::check_dates(config)?;
        store::models::sync_live(db, &crate::arena::live::registration(config)).await?;
        // A batch waits for a free slot as long as it takes.
        let provider = build_provider(client.clone(), &settings.live, config, &secrets, None)?;
        models.push(RunModel {
            name: name.clone(),
            provider: Arc::new(provider),
            input_cost_per_mtok: config.input_cost_per_mtok,
            output_cost_per_mtok: config.output_cost_per_mtok,
        });
    }
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} answers ({eta} left) {msg}")
            .context("progress bar template")?,
    );
    let report = exams::run::run(db, exam, &models, options, &|p| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(progress_message(p));
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!(
        "{exam}: {} answers now, {} stored before, {} failed ({} could not be read); {}",
        report.answered,
        report.skipped,
        report.failed.len(),
        report.unreadable,
        progress_message(report.progress)
    );
    for (model, question, error) in &report.failed {
        eprintln!("{model} on question {question}: {error}");
    }
    anyhow::ensure!(
        report.failed.is_empty(),
        "{} answers failed; run the same command again to ask again",
        report.failed.len()
    );
    Ok(())
}

/// # Errors
/// An unknown exam or model, a bad file, a failed answer, or a database error.
pub async fn run(
    command: &ExamCommand,
    db: &DatabaseConnection,
    settings: &Settings,
) -> anyhow::Result<()> {
    match command {
        ExamCommand::Run {
            exam,
            models,
            shots,
            samples,
            concurrency,
        } => {
            run_exam(
                db,
                settings,
                exam,
                models,
                RunOptions {
                    shots: *shots,
                    samples: *samples,
                    concurrency: *concurrency,
                },
            )
            .await?;
        }
        ExamCommand::ImportPredictions { exam, model, file } => {
            let r = exams::import_predictions(db, exam, model, file)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{} answers of {model} recorded for {exam} ({} could not be read)",
                r.answers, r.unreadable
            );
        }
        ExamCommand::Results {
            exam,
            format,
            fresh_only,
        } => {
            let results = exams::results(db, exam, *fresh_only)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{}", render(&results, *format)?);
        }
    }
    Ok(())
}
