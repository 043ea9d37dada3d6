//! The command line: `serve`, `migrate`, `model list`, `import answers`,
//! `answers generate`, `ratings`, `user`.

mod answers;
mod backup;
mod bench;
mod campaign;
mod exam;
mod export;
mod format;
mod plot;
mod ratings;
mod rubric;
mod snapshot;
mod style;
mod ties;
mod user;

pub use ratings::{Format, Matrices, MethodArg, RatingsArgs, render};

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{self, Overrides, Settings};
use crate::import::{self, ImportError};
use crate::startup::Application;
use crate::store;

#[derive(Debug, Parser)]
#[command(
    name = "goldarena",
    version,
    about = "A human-preference arena for large language models"
)]
pub struct Cli {
    /// Configuration file (default: ./goldarena.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL (env GOLDARENA_DATABASE_URL; default sqlite://goldarena.db?mode=rwc).
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app and JSON API (migrates first; loads the demo set into an empty database).
    Serve {
        /// Address to listen on (env GOLDARENA_BIND; default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Import question banks and answer sets.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Generate answer sets with live models.
    #[command(subcommand)]
    Answers(answers::AnswersCommand),
    /// Compute a leaderboard from an LMSYS clean-battle file (JSON array or JSON lines).
    Ratings(RatingsArgs),
    /// Expert campaigns: results.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// Export battles (clean-battle JSON lines), votes (CSV) or the leaderboard.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Exam banks: predictions made elsewhere, and results.
    #[command(subcommand)]
    Exam(exam::ExamCommand),
    /// Rating snapshots: the history of the board.
    #[command(subcommand)]
    Snapshot(snapshot::SnapshotCommand),
    /// Draw a plot of the board as SVG (ratings, heatmaps, rating history).
    Plot(plot::PlotArgs),
    /// Custom rubrics for expert campaigns.
    #[command(subcommand)]
    Rubric(rubric::RubricCommand),
    /// Manage user accounts (the first admin is made here).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Time the ratings pipeline on seeded synthetic battles (100k to 3M, 100 and 200 models).
    BenchRatings(bench::BenchArgs),
    /// Copy an SQLite arena while it runs, and check the copy (on PostgreSQL:
    /// how to use pg_dump).
    Backup(backup::BackupArgs),
}

#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// List registered models.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a FastChat llm_judge question file and a folder of <model>.jsonl answer files.
    Answers {
        /// question.jsonl (question_id, category, turns).
        #[arg(long, value_name = "FILE")]
        questions: PathBuf,
        /// Folder of <model>.jsonl files (question_id, choices[0].turns).
        #[arg(long, value_name = "DIR")]
        answers: PathBuf,
        /// Question set name (default: the folder holding the question file).
        #[arg(long, value_name = "NAME")]
        set: Option<String>,
    },
    /// Import a FastChat / LMSYS clean-battle file (JSON array or lines):
    /// its votes count in the pair counts at their own times; unknown models
    /// are registered as imported. Importing it again adds nothing.
    Battles { file: PathBuf },
    /// Import an exam bank (it prints how many questions it imported).
    Exam {
        #[arg(long, value_enum)]
        format: crate::exams::formats::ExamFormat,
        #[arg(long, value_name = "N")]
        name: String,
        /// When the exam was held (YYYY-MM-DD), for contamination checks.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
        #[arg(long, value_name = "L")]
        language: Option<String>,
        /// Accuracy needed to pass, as a share (the pharmacist exam: 0.6).
        #[arg(long, value_name = "SHARE")]
        pass_mark: Option<f64>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

impl Cli {
    fn settings(&self, bind: Option<String>) -> anyhow::Result<Settings> {
        config::load(
            self.config.as_deref(),
            &Overrides {
                bind,
                database_url: self.database.clone(),
            },
        )
    }
}

/// Runs the parsed command.
///
/// # Errors
/// Whatever the command fails with; `main` prints it and exits non-zero.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        Command::Ratings(args) => ratings::run(args),
        Command::BenchRatings(args) => bench::run(args),
        Command::Answers(command) => answers::run(command, cli.settings(None)?).await,
        Command::Serve { bind } => {
            let settings = cli.settings(bind.clone())?;
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "GoldArena is listening");
            app.run_until_stopped().await.context("server failed")
        }
        Command::Migrate => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Model(ModelCommand::List) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            let models = store::models::list(&db).await?;
            println!(
                "{:<40} {:<12} {:<8} {:>7}  DISPLAY NAME",
                "NAME", "PROVIDER", "ACTIVE", "WEIGHT"
            );
            for m in &models {
                println!(
                    "{:<40} {:<12} {:<8} {:>7.2}  {}",
                    m.name,
                    m.provider,
                    if m.active { "yes" } else { "no" },
                    m.sampling_weight,
                    m.display_name
                );
            }
            println!("{} model(s)", models.len());
            Ok(())
        }
        Command::Campaign(command) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            campaign::run(command, &db).await
        }
        Command::Export(command) => export::run(command, &cli.settings(None)?).await,
        Command::Snapshot(command) => snapshot::run(command, &cli.settings(None)?).await,
        Command::Backup(args) => backup::run(args, &cli.settings(None)?).await,
        Command::Plot(args) => plot::run(args, &cli.settings(None)?).await,
        Command::Rubric(command) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            rubric::run(command, &db).await
        }
        Command::User(command) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            user::run(command, &db).await
        }
        Command::Exam(command) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            exam::run(command, &db, &settings).await
        }
        Command::Import(ImportCommand::Exam {
            format,
            name,
            date,
            language,
            pass_mark,
            files,
        }) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            let r = crate::exams::import_bank(
                &db,
                &crate::exams::BankImport {
                    name: name.clone(),
                    format: *format,
                    files: files.clone(),
                    date: date.clone(),
                    language: language.clone(),
                    pass_mark: *pass_mark,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if r.unchanged {
                println!(
                    "exam {name}: {} questions, already imported: nothing changed",
                    r.questions
                );
            } else {
                println!(
                    "exam {name}: {} questions imported ({} with several answers)",
                    r.questions, r.multiple
                );
            }
            Ok(())
        }
        Command::Import(ImportCommand::Battles { file }) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            let r = crate::import::battles::import_battles(&db, file).await?;
            println!(
                "{} records: {} battles added ({} counted), {} there already; {} models added",
                r.records, r.added, r.counted, r.already_there, r.models_added
            );
            Ok(())
        }
        Command::Import(ImportCommand::Answers {
            questions,
            answers,
            set,
        }) => {
            let settings = cli.settings(None)?;
            let db = store::connect(&settings.database_url, 1).await?;
            store::migrate(&db).await?;
            import_and_report(&db, questions, answers, set.as_deref()).await
        }
    }
}

/// Imports an llm_judge question file and answer folder and prints the tally.
async fn import_and_report(
    db: &sea_orm::DatabaseConnection,
    questions: &std::path::Path,
    answers: &std::path::Path,
    set: Option<&str>,
) -> anyhow::Result<()> {
    let report = import::import_files(db, questions, answers, set)
        .await
        .map_err(|e| match e {
            ImportError::Invalid(_) => anyhow::anyhow!("{e}"),
            ImportError::Unexpected(e) => e,
        })?;
    println!(
        "question set {}: {} models; questions {} new, {} updated, {} unchanged; answers {} new, {} updated, {} unchanged",
        report.question_set,
        report.models.len(),
        report.questions.inserted,
        report.questions.updated,
        report.questions.unchanged,
        report.answers.inserted,
        report.answers.updated,
        report.answers.unchanged,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
