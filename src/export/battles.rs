//! The arena's votes as a FastChat / LMSYS clean-battle file (JSON lines),
//! the votes as CSV, the leaderboard as CSV, JSON, Markdown or LaTeX, and the
//! manifest written beside every export.
//!
//! A battle record carries `counted` and `not_counted_reason`: `goldarena
//! ratings` leaves out records with `counted: false` (and `anony: false`),
//! so the file gives back the server's board, to 0.01 points.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;

use super::sha256_hex;
use crate::domain::{BattleMode, BattleStatus, Side, StyleFeatures};
use crate::leaderboard::Leaderboard;
use crate::store::exports::ExportedVote;

/// One record of the clean-battle file.
#[derive(Debug, Serialize)]
struct Record<'a> {
    battle_id: String,
    question_id: Option<i32>,
    model_a: &'a str,
    model_b: &'a str,
    winner: &'static str,
    /// When the vote was cast, in seconds since 1970 (as LMSYS's `tstamp`).
    tstamp: f64,
    anony: bool,
    language: Option<&'a str>,
    category: Option<&'a str>,
    turn: i32,
    counted: bool,
    not_counted_reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conv_metadata: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_a: Option<Vec<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation_b: Option<Vec<serde_json::Value>>,
}

/// The style features as LMSYS's `conv_metadata` has them (counts as maps,
/// which FastChat and arena-rank sum).
fn conv_metadata(style: &[StyleFeatures; 2]) -> serde_json::Value {
    let [a, b] = style;
    serde_json::json!({
        "sum_assistant_a_tokens": a.tokens,
        "sum_assistant_b_tokens": b.tokens,
        "header_count_a": {"all": a.headers},
        "header_count_b": {"all": b.headers},
        "list_count_a": {"all": a.list_items},
        "list_count_b": {"all": b.list_items},
        "bold_count_a": {"all": a.bold},
        "bold_count_b": {"all": b.bold},
    })
}

/// What a battle export held.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BattleCounts {
    pub battles: usize,
    pub counted: usize,
    pub models: usize,
}

/// Encodes the votes as clean-battle JSON lines. `conversations` (by
/// battle) adds `conversation_a` / `conversation_b`; `turns` gives each
/// battle's number of turns.
///
/// # Errors
/// Only if encoding fails.
pub fn encode_battles(
    votes: &[ExportedVote],
    turns: &HashMap<uuid::Uuid, i32>,
    conversations: Option<&crate::store::exports::Conversations>,
) -> anyhow::Result<(Vec<u8>, BattleCounts)> {
    let mut out = Vec::with_capacity(votes.len() * 300);
    let mut models: Vec<&str> = Vec::new();
    let mut counted = 0;
    for v in votes {
        let side_of = |side: Side| {
            conversations.map(|c| {
                c.get(&v.battle_id)
                    .map(|msgs| {
                        msgs.iter()
                            .filter(|(_, s, _)| s.is_none() || *s == Some(side))
                            .map(|(_, s, content)| {
                                serde_json::json!({
                                    "role": if s.is_none() { "user" } else { "assistant" },
                                    "content": content,
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            })
        };
        let record = Record {
            battle_id: v.battle_id.to_string(),
            question_id: v.question_id,
            model_a: &v.model_a,
            model_b: &v.model_b,
            winner: v.verdict.as_str(),
            tstamp: v.voted_at.timestamp_micros() as f64 / 1e6,
            anony: v.mode == BattleMode::Anonymous,
            language: v.language.as_deref(),
            category: v.category.as_deref(),
            turn: turns.get(&v.battle_id).copied().unwrap_or(1),
            // A voided battle's vote no longer counts, whatever it did.
            counted: v.counted && v.status == BattleStatus::Voted,
            not_counted_reason: if v.status == BattleStatus::Void && v.counted {
                Some("voided")
            } else {
                v.not_counted_reason.as_deref()
            },
            conv_metadata: v.style.as_ref().map(conv_metadata),
            conversation_a: side_of(Side::A),
            conversation_b: side_of(Side::B),
        };
        if record.counted {
            counted += 1;
        }
        models.push(&v.model_a);
        models.push(&v.model_b);
        serde_json::to_writer(&mut out, &record).context("encode a battle")?;
        out.push(b'\n');
    }
    models.sort_unstable();
    models.dedup();
    Ok((
        out,
        BattleCounts {
            battles: votes.len(),
            counted,
            models: models.len(),
        },
    ))
}

/// The votes as CSV, one per line.
///
/// # Errors
/// Only if encoding fails.
pub fn encode_votes_csv(votes: &[ExportedVote]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "battle_id",
        "voted_at",
        "mode",
        "status",
        "model_a",
        "model_b",
        "verdict",
        "counted",
        "not_counted_reason",
        "language",
        "category",
        "question_id",
    ])
    .context("csv header")?;
    for v in votes {
        w.write_record([
            v.battle_id.to_string(),
            v.voted_at.to_rfc3339(),
            v.mode.as_str().to_owned(),
            v.status.as_str().to_owned(),
            v.model_a.clone(),
            v.model_b.clone(),
            v.verdict.as_str().to_owned(),
            (v.counted && v.status == BattleStatus::Voted).to_string(),
            v.not_counted_reason.clone().unwrap_or_default(),
            v.language.clone().unwrap_or_default(),
            v.category.clone().unwrap_or_default(),
            v.question_id.map(|q| q.to_string()).unwrap_or_default(),
        ])
        .context("csv row")?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// A leaderboard file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BoardFormat {
    Csv,
    Json,
    Markdown,
    Latex,
}

impl BoardFormat {
    /// # Errors
    /// Names the accepted formats.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            "markdown" => Ok(Self::Markdown),
            "latex" => Ok(Self::Latex),
            other => Err(format!(
                "unknown format {other:?}; use csv, json, markdown or latex"
            )),
        }
    }

    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Markdown => "text/markdown; charset=utf-8",
            Self::Latex => "application/x-latex; charset=utf-8",
        }
    }
}

/// LaTeX's special characters escaped.
fn latex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            _ => out.push(c),
        }
    }
    out
}

/// The board as a file: rank (UB), model, rating, interval, battles, win
/// rate, standing, and the gap to the reference when there is one.
///
/// # Errors
/// Only if encoding fails.
pub fn encode_board(board: &Leaderboard, format: BoardFormat) -> anyhow::Result<Vec<u8>> {
    let rank = |r: &crate::leaderboard::Row| r.rank.map_or_else(String::new, |k| k.to_string());
    let gap = |r: &crate::leaderboard::Row| {
        r.gap.map_or_else(String::new, |g| {
            format!("{:.2} [{:.2}, {:.2}]", g.value, g.ci_lower, g.ci_upper)
        })
    };
    Ok(match format {
        BoardFormat::Json => {
            let rows: Vec<_> = board
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "rank": r.rank, "model": r.model, "rating": r.rating,
                        "ci_lower": r.ci_lower, "ci_upper": r.ci_upper, "battles": r.battles,
                        "win_rate": r.win_rate, "status": r.standing.as_str(),
                        "gap_to_reference": r.gap,
                    })
                })
                .collect();
            let mut out = serde_json::to_vec_pretty(&serde_json::json!({
                "scope": board.scope, "method": board.method, "ci_method": board.ci_method,
                "bootstrap_rounds": board.bootstrap_rounds, "seed": board.seed,
                "total_votes": board.total_votes, "min_votes": board.min_votes,
                "reference_model": board.reference_model, "input_sha256": board.input_sha256,
                "computed_at": board.computed_at.to_rfc3339(), "rows": rows,
            }))
            .context("encode JSON")?;
            out.push(b'\n');
            out
        }
        BoardFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "rank",
                "model",
                "rating",
                "ci_lower",
                "ci_upper",
                "battles",
                "win_rate",
                "status",
                "gap",
                "gap_ci_lower",
                "gap_ci_upper",
            ])
            .context("csv header")?;
            for r in &board.rows {
                let g = |f: fn(&crate::rating::Gap) -> f64| {
                    r.gap
                        .as_ref()
                        .map_or_else(String::new, |x| format!("{:.4}", f(x)))
                };
                w.write_record([
                    rank(r),
                    r.model.clone(),
                    format!("{:.4}", r.rating),
                    format!("{:.4}", r.ci_lower),
                    format!("{:.4}", r.ci_upper),
                    r.battles.to_string(),
                    format!("{:.4}", r.win_rate),
                    r.standing.as_str().to_owned(),
                    g(|x| x.value),
                    g(|x| x.ci_lower),
                    g(|x| x.ci_upper),
                ])
                .context("csv row")?;
            }
            w.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?
        }
        BoardFormat::Markdown => {
            let mut out = String::from(
                "| Rank (UB) | Model | Rating | 95% CI | Battles | Win rate | Gap to reference |\n|---:|---|---:|---:|---:|---:|---:|\n",
            );
            for r in &board.rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1} | [{:.1}, {:.1}] | {} | {:.1}% | {} |",
                    rank(r),
                    r.model.replace('|', "\\|"),
                    r.rating,
                    r.ci_lower,
                    r.ci_upper,
                    r.battles,
                    100.0 * r.win_rate,
                    gap(r)
                );
            }
            out.into_bytes()
        }
        BoardFormat::Latex => {
            let mut out = String::from(
                "\\begin{tabular}{rlrrrr}\n\\hline\nRank (UB) & Model & Rating & 95\\% CI & Battles & Win rate \\\\\n\\hline\n",
            );
            for r in &board.rows {
                let _ = writeln!(
                    out,
                    "{} & {} & {:.1} & [{:.1}, {:.1}] & {} & {:.1}\\% \\\\",
                    rank(r),
                    latex(&r.model),
                    r.rating,
                    r.ci_lower,
                    r.ci_upper,
                    r.battles,
                    100.0 * r.win_rate
                );
            }
            out.push_str("\\hline\n\\end{tabular}\n");
            out.into_bytes()
        }
    })
}

/// What an export is, and how to check and recompute it: written as
/// `<file>.manifest.json` beside the file, or served beside a download.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub kind: &'static str,
    pub file: String,
    pub sha256: String,
    pub bytes: usize,
    pub command: String,
    pub filters: serde_json::Value,
    pub counts: serde_json::Value,
    pub seed: Option<u64>,
    pub software: String,
    pub generated_at: String,
    pub recompute: String,
}

impl Manifest {
    /// A manifest for `body`.
    #[must_use]
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        kind: &'static str,
        file: &str,
        body: &[u8],
        command: String,
        filters: serde_json::Value,
        counts: serde_json::Value,
        seed: Option<u64>,
        recompute: String,
    ) -> Self {
        Self {
            kind,
            file: file.to_owned(),
            sha256: sha256_hex(body),
            bytes: body.len(),
            command,
            filters,
            counts,
            seed,
            software: concat!("goldarena ", env!("CARGO_PKG_VERSION")).to_owned(),
            generated_at: chrono::Utc::now().to_rfc3339(),
            recompute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latex_escapes_its_special_characters() {
        assert_eq!(latex("gpt_4o & co 100%"), "gpt\\_4o \\& co 100\\%");
        assert_eq!(
            latex("a\\b~^"),
            "a\\textbackslash{}b\\textasciitilde{}\\textasciicircum{}"
        );
    }
}
