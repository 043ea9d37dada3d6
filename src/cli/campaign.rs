//! `goldarena campaign results ID --format table|json|csv|markdown`: a
//! campaign's results from the command line.

use clap::Subcommand;
use sea_orm::DatabaseConnection;

use super::Format;
use crate::campaigns::Campaigns;
use crate::campaigns::results::CampaignResults;

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Print a campaign's results: the expert board, win/tie/lose against the
    /// baseline, safety flags and agreement.
    Results {
        id: i32,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// The win/tie/lose table as rows of cells.
fn wtl_rows(r: &CampaignResults) -> Vec<[String; 9]> {
    r.win_tie_lose
        .iter()
        .map(|w| {
            [
                w.model.clone(),
                w.baseline.clone(),
                w.judgments.to_string(),
                pct(w.win.value),
                format!("[{}, {}]", pct(w.win.lower), pct(w.win.upper)),
                pct(w.tie.value),
                format!("[{}, {}]", pct(w.tie.lower), pct(w.tie.upper)),
                pct(w.lose.value),
                format!("[{}, {}]", pct(w.lose.lower), pct(w.lose.upper)),
            ]
        })
        .collect()
}

const WTL_HEADER: [&str; 9] = [
    "model",
    "baseline",
    "judgments",
    "win %",
    "win 95% CI",
    "tie %",
    "tie 95% CI",
    "lose %",
    "lose 95% CI",
];

/// # Errors
/// On an unknown campaign or a database error.
pub async fn run(command: &CampaignCommand, db: &DatabaseConnection) -> anyhow::Result<()> {
    let CampaignCommand::Results { id, format } = command;
    let results = Campaigns::new(db.clone())
        .results(*id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&results)?),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout());
            w.write_record(WTL_HEADER)?;
            for row in wtl_rows(&results) {
                w.write_record(row)?;
            }
            w.flush()?;
        }
        Format::Markdown => {
            println!("| {} |", WTL_HEADER.join(" | "));
            println!("|{}|", vec!["---"; WTL_HEADER.len()].join("|"));
            for row in wtl_rows(&results) {
                println!("| {} |", row.join(" | "));
            }
        }
        Format::Table => {
            println!(
                "Expert leaderboard (campaign {}, {}):",
                results.campaign, results.status
            );
            println!(
                "{:<5} {:<32} {:>8} {:>17} {:>9}",
                "RANK", "MODEL", "RATING", "95% CI", "JUDGED"
            );
            for r in &results.leaderboard.rows {
                println!(
                    "{:<5} {:<32} {:>8.1} {:>17} {:>9}",
                    r.rank,
                    r.model,
                    r.rating,
                    format!("[{:.0}, {:.0}]", r.ci_lower, r.ci_upper),
                    r.judgments
                );
            }
            if !results.win_tie_lose.is_empty() {
                println!();
                println!("{}", WTL_HEADER.join("  "));
                for row in wtl_rows(&results) {
                    println!("{}", row.join("  "));
                }
            }
            let a = &results.agreement.preference;
            println!();
            println!(
                "Agreement on the preference: Fleiss' kappa {}, Krippendorff's alpha {} over {} items",
                a.fleiss_kappa
                    .map_or("n/a".to_owned(), |k| format!("{k:.3}")),
                a.krippendorff_alpha.map_or("n/a".to_owned(), |e| format!(
                    "{:.3} [{:.3}, {:.3}]",
                    e.value, e.lower, e.upper
                )),
                a.items
            );
            if let Some(crowd) = &results.expert_vs_crowd {
                let pct_or =
                    |x: Option<f64>| x.map_or("n/a".to_owned(), |v| format!("{}%", pct(v)));
                println!(
                    "Experts and the crowd on the same questions: agreement {} with ties, {} without, over {} questions",
                    pct_or(crowd.agreement.with_ties),
                    pct_or(crowd.agreement.without_ties),
                    crowd.agreement.questions
                );
                for p in &crowd.pairs {
                    println!(
                        "  {} vs {}: {} with ties, {} without ({} questions, {} judgments, {} crowd votes)",
                        p.model_a,
                        p.model_b,
                        pct_or(p.agreement.with_ties),
                        pct_or(p.agreement.without_ties),
                        p.agreement.questions,
                        p.agreement.expert_judgments,
                        p.agreement.crowd_votes
                    );
                }
            }
        }
    }
    Ok(())
}
