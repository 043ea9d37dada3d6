//! `goldarena ratings --tie-model davidson`: the Davidson table, its tie
//! parameter, its log-likelihood against plain Bradley-Terry with ties as
//! halves, and the calibration of the predicted tie rates.

use std::fmt::Write as _;

use anyhow::Context;
use serde::Serialize;

use super::format::Format;
use crate::rating::davidson::{TieComparison, compare};
use crate::rating::{BtConfig, Comparisons, RatingRow, TableOptions, davidson_table, fit};

#[derive(Serialize)]
struct Tie {
    nu: f64,
    nu_ci_lower: f64,
    nu_ci_upper: f64,
    /// The tie rate between two equal models, ν / (2 + ν).
    tie_rate_between_equals: f64,
    #[serde(flatten)]
    comparison: TieComparison,
}

#[derive(Serialize)]
struct JsonDavidson<'a> {
    method: &'static str,
    ci_method: &'static str,
    battles: u64,
    rows: &'a [RatingRow],
    ties: Tie,
}

/// Fits and formats.
///
/// # Errors
/// An anchor without battles, or a formatting failure.
/// `render_table` formats the table itself (the plain table's formats).
pub fn run(
    c: &Comparisons,
    options: &TableOptions,
    format: Format,
    render_table: &dyn Fn(&crate::rating::RatingTable) -> anyhow::Result<String>,
) -> anyhow::Result<String> {
    let (table, davidson) = davidson_table(c, options)?;
    let plain = fit(c, &BtConfig::default(), None).beta;
    let comparison = compare(c, &davidson, &plain, 5);
    let k = davidson.theta.len();
    let z = 1.959_963_984_540_054;
    let se_eta = davidson
        .covariance
        .as_ref()
        .map_or(0.0, |v| v[(k, k)].max(0.0).sqrt());
    // The interval of ln ν, mapped back.
    let eta = davidson.nu.max(f64::MIN_POSITIVE).ln();
    let tie = Tie {
        nu: davidson.nu,
        nu_ci_lower: if davidson.nu > 0.0 {
            (eta - z * se_eta).exp()
        } else {
            0.0
        },
        nu_ci_upper: if davidson.nu > 0.0 {
            (eta + z * se_eta).exp()
        } else {
            0.0
        },
        tie_rate_between_equals: davidson.nu / (2.0 + davidson.nu),
        comparison,
    };
    if format == Format::Json {
        let mut out = serde_json::to_string_pretty(&JsonDavidson {
            method: table.method.as_str(),
            ci_method: table.ci_method.as_str(),
            battles: table.battles,
            rows: &table.rows,
            ties: tie,
        })
        .context("cannot encode JSON")?;
        out.push('\n');
        return Ok(out);
    }
    let mut out = render_table(&table)?;
    if matches!(format, Format::Table | Format::Markdown) {
        let c = &tie.comparison;
        let _ = writeln!(
            out,
            "\nTie parameter ν = {:.4} [{:.4}, {:.4}]: two equal models tie {:.1}% of the time.",
            tie.nu,
            tie.nu_ci_lower,
            tie.nu_ci_upper,
            100.0 * tie.tie_rate_between_equals
        );
        let _ = writeln!(
            out,
            "Log-likelihood over {} battles ({} ties): Davidson {:.2} (AIC {:.1}), Bradley-Terry with ties as halves and a constant tie rate {:.2} (AIC {:.1}).",
            c.battles,
            c.ties,
            c.davidson_log_likelihood,
            c.davidson_aic,
            c.bradley_terry_log_likelihood,
            c.bradley_terry_aic
        );
        out.push_str("Tie-rate calibration, by bins of Davidson's prediction:\n  battles  Davidson  constant  observed\n");
        for b in &c.calibration {
            let _ = writeln!(
                out,
                "  {:>7}  {:>7.1}%  {:>7.1}%  {:>7.1}%",
                b.battles,
                100.0 * b.davidson,
                100.0 * b.constant,
                100.0 * b.observed
            );
        }
    }
    Ok(out)
}
