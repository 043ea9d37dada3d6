//! `goldarena ratings --style-control`: the style-controlled table, with
//! Rank (StyleCtrl), its change from the plain Rank (UB), and the style
//! coefficients.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;

use super::format::{Format, StyleConvention};
use crate::rating::contextual::{
    ContextualConfig, Convention, STYLE_FEATURES, StyledBattles, style_matrix,
};
use crate::rating::{Coefficient, RatingRow, RatingTable, TableOptions, style_control_table};

#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    row: &'a RatingRow,
    /// The plain Rank (UB), and how many places the model climbs with style
    /// held equal (plain rank − style-controlled rank).
    plain_rank: Option<usize>,
    rank_delta: Option<i64>,
}

#[derive(Serialize)]
struct JsonStyle<'a> {
    method: &'static str,
    ci_method: &'static str,
    convention: &'static str,
    battles: u64,
    battles_without_style: u64,
    rows: Vec<Row<'a>>,
    coefficients: &'a [Coefficient],
}

/// Fits and formats the style-controlled table.
///
/// # Errors
/// With an anchor (style control takes none), or if formatting fails.
pub fn run(
    models: &[String],
    styled: &[(u32, u32, f64, [[f64; 4]; 2])],
    without_style: u64,
    plain: &RatingTable,
    options: &TableOptions,
    convention: StyleConvention,
    format: Format,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        !styled.is_empty(),
        "no battle has the style counts of `conv_metadata` (sum_assistant_a_tokens, header_count_a, list_count_a, bold_count_a and the same for b)"
    );
    let raw_a: Vec<[f64; 4]> = styled.iter().map(|s| s.3[0]).collect();
    let raw_b: Vec<[f64; 4]> = styled.iter().map(|s| s.3[1]).collect();
    let data = StyledBattles {
        models: models.to_vec(),
        feature_names: STYLE_FEATURES.iter().map(|f| (*f).to_owned()).collect(),
        a: styled.iter().map(|s| s.0).collect(),
        b: styled.iter().map(|s| s.1).collect(),
        score: styled.iter().map(|s| s.2).collect(),
        x: style_matrix(&raw_a, &raw_b),
    };
    let config = ContextualConfig {
        convention: match convention {
            StyleConvention::Standard => Convention::Standard,
            StyleConvention::ArenaRank => Convention::ArenaRank { reweight: true },
        },
        ..ContextualConfig::default()
    };
    let (table, coefficients) = style_control_table(&data, &config, options)?;
    let plain_rank: HashMap<&str, usize> = plain
        .rows
        .iter()
        .map(|r| (r.model.as_str(), r.rank))
        .collect();
    let rows: Vec<Row<'_>> = table
        .rows
        .iter()
        .map(|row| {
            let p = plain_rank.get(row.model.as_str()).copied();
            Row {
                row,
                plain_rank: p,
                rank_delta: p.map(|p| p as i64 - row.rank as i64),
            }
        })
        .collect();
    let convention_name = match convention {
        StyleConvention::Standard => "standard",
        StyleConvention::ArenaRank => "arena-rank",
    };
    let delta = |d: Option<i64>| d.map_or_else(|| "—".to_owned(), |d| format!("{d:+}"));
    let interval = |r: &RatingRow| {
        format!(
            "+{:.1}/-{:.1}",
            r.ci_upper - r.rating,
            r.rating - r.ci_lower
        )
    };
    let mut out = String::new();
    match format {
        Format::Json => {
            out = serde_json::to_string_pretty(&JsonStyle {
                method: table.method.as_str(),
                ci_method: table.ci_method.as_str(),
                convention: convention_name,
                battles: table.battles,
                battles_without_style: without_style,
                rows,
                coefficients: &coefficients,
            })
            .context("cannot encode JSON")?;
            out.push('\n');
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([
                "rank_style",
                "rank_delta",
                "model",
                "rating",
                "ci_lower",
                "ci_upper",
                "votes",
            ])
            .context("cannot write CSV")?;
            for r in &rows {
                w.write_record([
                    r.row.rank.to_string(),
                    r.rank_delta.map(|d| d.to_string()).unwrap_or_default(),
                    r.row.model.clone(),
                    format!("{:.4}", r.row.rating),
                    format!("{:.4}", r.row.ci_lower),
                    format!("{:.4}", r.row.ci_upper),
                    r.row.votes.to_string(),
                ])
                .context("cannot write CSV")?;
            }
            out = String::from_utf8(w.into_inner().context("cannot flush CSV")?)
                .context("CSV is not UTF-8")?;
        }
        Format::Markdown => {
            out.push_str("| Rank (StyleCtrl) | Δ | Model | Rating | 95% CI | Votes |\n|---:|---:|---|---:|---:|---:|\n");
            for r in &rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {:.1} | {} | {} |",
                    r.row.rank,
                    delta(r.rank_delta),
                    r.row.model.replace('|', "\\|"),
                    r.row.rating,
                    interval(r.row),
                    r.row.votes
                );
            }
        }
        Format::Table => {
            let width = rows
                .iter()
                .map(|r| r.row.model.chars().count())
                .max()
                .unwrap_or(5)
                .max(5);
            let _ = writeln!(
                out,
                "{:>16}  {:>4}  {:<width$}  {:>8}  {:>15}  {:>8}",
                "Rank (StyleCtrl)", "Δ", "Model", "Rating", "95% CI", "Votes"
            );
            for r in &rows {
                let _ = writeln!(
                    out,
                    "{:>16}  {:>4}  {:<width$}  {:>8.1}  {:>15}  {:>8}",
                    r.row.rank,
                    delta(r.rank_delta),
                    r.row.model,
                    r.row.rating,
                    interval(r.row),
                    r.row.votes
                );
            }
            let _ = writeln!(
                out,
                "{} battles with style counts ({} without, left out), method {}, sandwich intervals, {} convention",
                table.battles,
                without_style,
                table.method.as_str(),
                convention_name
            );
        }
    }
    if matches!(format, Format::Table | Format::Markdown) {
        out.push_str(
            "\nStyle coefficients (per standard deviation of the normalised difference):\n",
        );
        for c in &coefficients {
            let _ = writeln!(
                out,
                "  {:<8} {:+.4}  [{:+.4}, {:+.4}]",
                c.feature, c.value, c.ci_lower, c.ci_upper
            );
        }
    }
    Ok(out)
}
