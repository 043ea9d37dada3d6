//! `goldarena rubric add FILE.toml` and `goldarena rubric list`: the custom
//! rubrics expert campaigns may use, beside the built-in `medical-v1`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use sea_orm::DatabaseConnection;

use crate::auth::Actor;
use crate::campaigns::Campaigns;

#[derive(Debug, Subcommand)]
pub enum RubricCommand {
    /// Store a custom rubric from a TOML file (`id = "name-v1"`, `[[axes]] key, label`).
    Add { file: PathBuf },
    /// List the rubrics a campaign may use.
    List,
}

/// The rubric's axis keys, as a list in words.
fn keys(rubric: &crate::campaigns::Rubric) -> String {
    rubric
        .axes
        .iter()
        .map(|a| a.key.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// # Errors
/// On an unreadable or invalid file, a different rubric under the same id, or
/// a database error.
pub async fn run(command: &RubricCommand, db: &DatabaseConnection) -> anyhow::Result<()> {
    let campaigns = Campaigns::new(db.clone());
    match command {
        RubricCommand::Add { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (rubric, created) = campaigns
                .add_rubric(&Actor::cli(), &text)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!(
                "rubric {} {} ({} axes: {})",
                rubric.id,
                if created {
                    "added"
                } else {
                    "already stored, unchanged"
                },
                rubric.axes.len(),
                keys(&rubric)
            );
        }
        RubricCommand::List => {
            for rubric in campaigns.rubrics().await? {
                println!("{:<32} {}", rubric.id, keys(&rubric));
            }
        }
    }
    Ok(())
}
