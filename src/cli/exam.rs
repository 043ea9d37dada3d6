//! `goldarena exam import-predictions|results` (and `import exam`, under
//! `import`).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use sea_orm::DatabaseConnection;

use super::Format;
use crate::exams::{self, ExamResults};

#[derive(Debug, Subcommand)]
pub enum ExamCommand {
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
    },
}

const HEADER: [&str; 11] = [
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
];

fn cells(r: &exams::ResultRow) -> [String; 11] {
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
                "{:<32} {:<24} {:<9} {:>5} {:>8} {:>17} {:>10}  PASS",
                "MODEL", "SUBJECT", "TYPE", "N", "ACCURACY", "95% CI", "UNREADABLE"
            );
            for r in &results.rows {
                let _ = writeln!(
                    out,
                    "{:<32} {:<24} {:<9} {:>5} {:>7.1}% {:>17} {:>10}  {}",
                    r.model,
                    r.subject,
                    r.question_type,
                    r.n,
                    100.0 * r.accuracy,
                    format!("[{:.1}, {:.1}]", 100.0 * r.ci_lower, 100.0 * r.ci_upper),
                    r.unreadable,
                    r.pass.unwrap_or("")
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

/// # Errors
/// An unknown exam, a bad file, or a database error.
pub async fn run(command: &ExamCommand, db: &DatabaseConnection) -> anyhow::Result<()> {
    match command {
        ExamCommand::ImportPredictions { exam, model, file } => {
            let r = exams::import_predictions(db, exam, model, file)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{} answers of {model} recorded for {exam} ({} could not be read)",
                r.answers, r.unreadable
            );
        }
        ExamCommand::Results { exam, format } => {
            let results = exams::results(db, exam)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            print!("{}", render(&results, *format)?);
        }
    }
    Ok(())
}
