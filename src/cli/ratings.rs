//! `goldarena ratings`: a leaderboard from an LMSYS clean-battle file.

use std::fmt::Write as _;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

pub use super::format::{Format, StyleConvention, TieModel};
use crate::import::lmsys::{self, BattleRecord, Filter, Sink};
use crate::rating::{
    ComparisonsBuilder, RatingTable, TableOptions, bradley_terry_table, elo_table,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Bradley-Terry maximum likelihood with bootstrap intervals.
    Bt,
    /// Online Elo (K=4) in time order, bootstrap by resampling battles.
    Elo,
}

#[derive(Debug, Args)]
pub struct RatingsArgs {
    /// LMSYS clean-battle file: a JSON array or JSON lines.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    #[arg(long, value_enum, default_value = "bt")]
    pub method: MethodArg,
    /// Bootstrap rounds for the 95% intervals (0: none).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub bootstrap: usize,
    /// How the Bradley-Terry intervals are computed: `bootstrap` (FastChat)
    /// or `sandwich` (arena-rank's robust estimator; no resampling).
    #[arg(long, value_name = "METHOD", default_value = "bootstrap", value_parser = crate::rating::CiMethod::parse)]
    pub ci: crate::rating::CiMethod,
    /// Seed of the bootstrap; the same seed gives the same table on any machine.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Pin one model's rating, e.g. `--anchor mixtral-8x7b-instruct-v0.1=1114`.
    #[arg(long, value_name = "MODEL=VALUE", value_parser = parse_anchor)]
    pub anchor: Option<(String, f64)>,
    /// Only battles in this language (as in the file's `language` field).
    #[arg(long, value_name = "L")]
    pub language: Option<String>,
    /// Leave out both kinds of tie.
    #[arg(long)]
    pub exclude_ties: bool,
    /// Count battles marked `anony: false` too.
    #[arg(long)]
    pub include_named: bool,
    /// Skip malformed records (counted and reported) instead of stopping.
    #[arg(long)]
    pub skip_invalid: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// With `--format json`, add the battle-count, win-fraction (ties left out),
    /// predicted-win-probability and average-win-rate matrices, in table order.
    #[arg(long)]
    pub matrices: bool,
    /// Style control: a contextual Bradley-Terry fit with the answers' style
    /// (length, headers, lists, bold) held equal, from each record's
    /// `conv_metadata` (records without it are left out and counted).
    /// Sandwich intervals; prints Rank (StyleCtrl), its change from the plain
    /// rank, and the style coefficients.
    #[arg(long)]
    pub style_control: bool,
    /// The penalty convention of `--style-control`: `standard` (a N(0,1)
    /// prior on each coefficient) or `arena-rank` (arena-rank 0.1.1's, which
    /// does not fade with data).
    #[arg(long, value_enum, default_value = "standard")]
    pub style_convention: StyleConvention,
    /// How ties enter Bradley-Terry: `halves` (Chatbot Arena: half a win for
    /// each side) or `davidson` (the tie rate fitted explicitly, Davidson
    /// 1970; sandwich intervals, plus its log-likelihood against `halves` and
    /// the calibration of the predicted tie rates).
    #[arg(long, value_enum, default_value = "halves")]
    pub tie_model: TieModel,
    /// Print timings and peak memory to stderr (used by `bench-ratings`).
    #[arg(long, hide = true)]
    pub stats: bool,
}

fn parse_anchor(s: &str) -> Result<(String, f64), String> {
    let (model, value) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected MODEL=VALUE, got {s:?}"))?;
    let value: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    if model.is_empty() || !value.is_finite() {
        return Err(format!("expected MODEL=VALUE, got {s:?}"));
    }
    Ok((model.to_owned(), value))
}

/// Runs the command and prints the table to stdout.
///
/// # Errors
/// Unreadable or malformed input, or an anchor without battles.
pub fn run(args: &RatingsArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let file = std::fs::File::open(&args.input)
        .with_context(|| format!("cannot open {}", args.input.display()))?;
    let filter = Filter {
        include_named: args.include_named,
        language: args.language.clone(),
        exclude_ties: args.exclude_ties,
        skip_invalid: args.skip_invalid,
    };
    let mut builder = ComparisonsBuilder::default();
    let mut timed: Vec<(Option<f64>, u32, u32, f64)> = Vec::new();
    let keep_sequence = args.method == MethodArg::Elo;
    anyhow::ensure!(
        !args.style_control || args.method == MethodArg::Bt,
        "--style-control fits Bradley-Terry; leave out --method elo"
    );
    let keep_style = args.style_control;
    let mut styled: Vec<(u32, u32, f64, [[f64; 4]; 2])> = Vec::new();
    let mut without_style: u64 = 0;
    let new_sink = || Stretch {
        keep_sequence,
        keep_style,
        ..Stretch::default()
    };
    let report = lmsys::read(
        BufReader::with_capacity(1 << 20, file),
        &filter,
        &new_sink,
        &mut |stretch: Stretch| {
            let map = builder.merge(stretch.counts);
            timed.extend(
                stretch
                    .sequence
                    .into_iter()
                    .map(|(t, a, b, s)| (t, map[a as usize], map[b as usize], s)),
            );
            styled.extend(
                stretch
                    .styled
                    .into_iter()
                    .map(|(a, b, s, x)| (map[a as usize], map[b as usize], s, x)),
            );
            without_style += stretch.without_style;
        },
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
    let parsed = started.elapsed();
    eprintln!(
        "{} records: {} battles counted, {} filtered out, {} invalid skipped",
        report.records, report.kept, report.filtered_out, report.invalid
    );
    for example in &report.examples {
        eprintln!("  skipped {example}");
    }

    let options = TableOptions {
        bootstrap_rounds: args.bootstrap,
        seed: args.seed,
        anchor: args.anchor.clone(),
        ci: args.ci,
        ..TableOptions::default()
    };
    let bar = ProgressBar::new(args.bootstrap as u64).with_style(
        ProgressStyle::with_template("bootstrap {bar:40} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let tick = || bar.inc(1);
    anyhow::ensure!(
        !args.matrices || args.format == Format::Json,
        "--matrices needs --format json"
    );
    let comparisons = builder.build();
    if args.tie_model == TieModel::Davidson {
        anyhow::ensure!(
            args.method == MethodArg::Bt && !args.style_control && !args.exclude_ties,
            "--tie-model davidson fits Bradley-Terry with the ties: leave out --method elo, --style-control and --exclude-ties"
        );
        let out = super::ties::run(&comparisons, &options, args.format, &|t| {
            render(t, args.format, None)
        })?;
        print!("{out}");
        return Ok(());
    }
    if args.style_control {
        let plain = bradley_terry_table(&comparisons, &options, &tick)?;
        bar.finish_and_clear();
        let out = super::style::run(
            comparisons.models(),
            &styled,
            without_style,
            &plain,
            &options,
            args.style_convention,
            args.format,
        )?;
        print!("{out}");
        return Ok(());
    }
    let table = match args.method {
        MethodArg::Bt => bradley_terry_table(&comparisons, &options, &tick)?,
        MethodArg::Elo => {
            // Time order; records without a timestamp keep their file order, first.
            timed.sort_by(|x, y| {
                x.0.unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&y.0.unwrap_or(f64::NEG_INFINITY))
            });
            let battles: Vec<(u32, u32, f64)> =
                timed.iter().map(|&(_, a, b, s)| (a, b, s)).collect();
            elo_table(comparisons.models(), &battles, &options, &tick)?
        }
    };
    bar.finish_and_clear();
    let matrices = args.matrices.then(|| Matrices::of(&comparisons, &table));
    print!("{}", render(&table, args.format, matrices.as_ref())?);
    if args.stats {
        eprintln!(
            "stats: parse_s={:.3} total_s={:.3} models={} pairs={} peak_rss_mb={}",
            parsed.as_secs_f64(),
            started.elapsed().as_secs_f64(),
            comparisons.models().len(),
            comparisons.pairs().len(),
            peak_rss_mb().map_or_else(|| "unknown".to_owned(), |m| format!("{m:.1}")),
        );
    }
    Ok(())
}

/// What one stretch of the input counted: pair counts, and for online Elo also the
/// battles in input order (model indices local to the stretch).
#[derive(Default)]
struct Stretch {
    keep_sequence: bool,
    keep_style: bool,
    counts: ComparisonsBuilder,
    sequence: Vec<(Option<f64>, u32, u32, f64)>,
    /// With `--style-control`: each battle's models, A's score and style counts.
    styled: Vec<(u32, u32, f64, [[f64; 4]; 2])>,
    without_style: u64,
}

impl Sink for Stretch {
    fn battle(&mut self, b: BattleRecord<'_>) {
        let (ia, ib) = (
            self.counts.add_model(b.model_a),
            self.counts.add_model(b.model_b),
        );
        self.counts.add_indexed(ia, ib, b.verdict, 1);
        if self.keep_sequence {
            self.sequence.push((b.tstamp, ia, ib, b.verdict.score_a()));
        }
        if self.keep_style {
            match b.style {
                Some(x) => self.styled.push((ia, ib, b.verdict.score_a(), x)),
                None => self.without_style += 1,
            }
        }
    }
}

/// Peak resident memory of this process, from Linux's `/proc/self/status`.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[derive(Serialize)]
struct JsonTable<'a> {
    method: &'static str,
    ci_method: &'static str,
    battles: u64,
    bootstrap_rounds: usize,
    seed: u64,
    rows: &'a [crate::rating::RatingRow],
    #[serde(skip_serializing_if = "Option::is_none")]
    matrices: Option<&'a Matrices>,
}

/// The plot matrices, rows and columns in the order of the table's rows.
#[derive(Serialize)]
pub struct Matrices {
    models: Vec<String>,
    battle_counts: Vec<Vec<u64>>,
    win_fraction: Vec<Vec<Option<f64>>>,
    predicted_win_probability: Vec<Vec<Option<f64>>>,
    average_win_rate: Vec<Option<f64>>,
}

impl Matrices {
    fn of(c: &crate::rating::Comparisons, table: &RatingTable) -> Self {
        use crate::rating::matrices;
        let order: Vec<usize> = table
            .rows
            .iter()
            .filter_map(|r| c.index_of(&r.model))
            .collect();
        let pick = |m: &[Vec<Option<f64>>]| -> Vec<Vec<Option<f64>>> {
            order
                .iter()
                .map(|&i| order.iter().map(|&j| m[i][j]).collect())
                .collect()
        };
        let fractions = matrices::win_fractions(c);
        let averages = matrices::average_win_rates(&fractions);
        // Probabilities depend only on rating differences: strengths in natural
        // units from the table's ratings.
        let per_nat = crate::rating::BtConfig::default().points_per_nat();
        let beta: Vec<f64> = table.rows.iter().map(|r| r.rating / per_nat).collect();
        let counts = matrices::battle_counts(c);
        Self {
            models: table.rows.iter().map(|r| r.model.clone()).collect(),
            battle_counts: order
                .iter()
                .map(|&i| order.iter().map(|&j| counts[i][j]).collect())
                .collect(),
            win_fraction: pick(&fractions),
            predicted_win_probability: matrices::predicted_win_probabilities(&beta),
            average_win_rate: order.iter().map(|&i| averages[i]).collect(),
        }
    }
}

/// Formats a table as the terminal table, JSON, CSV or Markdown.
///
/// # Errors
/// Only if serialisation fails, which it does not for finite numbers.
pub fn render(
    table: &RatingTable,
    format: Format,
    matrices: Option<&Matrices>,
) -> anyhow::Result<String> {
    let interval = |r: &crate::rating::RatingRow| {
        format!(
            "+{:.1}/-{:.1}",
            r.ci_upper - r.rating,
            r.rating - r.ci_lower
        )
    };
    let mut out = String::new();
    match format {
        Format::Json => {
            let body = JsonTable {
                method: table.method.as_str(),
                ci_method: table.ci_method.as_str(),
                battles: table.battles,
                bootstrap_rounds: table.bootstrap_rounds,
                seed: table.seed,
                rows: &table.rows,
                matrices,
            };
            out = serde_json::to_string_pretty(&body).context("cannot encode JSON")?;
            out.push('\n');
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["rank", "model", "rating", "ci_lower", "ci_upper", "votes"])
                .context("cannot write CSV")?;
            for r in &table.rows {
                w.write_record([
                    r.rank.to_string(),
                    r.model.clone(),
                    format!("{:.4}", r.rating),
                    format!("{:.4}", r.ci_lower),
                    format!("{:.4}", r.ci_upper),
                    r.votes.to_string(),
                ])
                .context("cannot write CSV")?;
            }
            out = String::from_utf8(w.into_inner().context("cannot flush CSV")?)
                .context("CSV is not UTF-8")?;
        }
        Format::Markdown => {
            out.push_str(
                "| Rank (UB) | Model | Rating | 95% CI | Votes |\n|---:|---|---:|---:|---:|\n",
            );
            for r in &table.rows {
                let model = r.model.replace('|', "\\|");
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.1} | {} | {} |",
                    r.rank,
                    model,
                    r.rating,
                    interval(r),
                    r.votes
                );
            }
        }
        Format::Table => {
            let width = table
                .rows
                .iter()
                .map(|r| r.model.chars().count())
                .max()
                .unwrap_or(5)
                .max(5);
            let _ = writeln!(
                out,
                "{:>9}  {:<width$}  {:>8}  {:>15}  {:>8}",
                "Rank (UB)", "Model", "Rating", "95% CI", "Votes"
            );
            for r in &table.rows {
                let _ = writeln!(
                    out,
                    "{:>9}  {:<width$}  {:>8.1}{} {:>15}  {:>8}",
                    r.rank,
                    r.model,
                    r.rating,
                    if r.provisional { "*" } else { " " },
                    interval(r),
                    r.votes
                );
            }
            if table.rows.iter().any(|r| r.provisional) {
                out.push_str("* provisional: won or lost every battle against the rest; no finite estimate yet\n");
            }
            let _ = writeln!(
                out,
                "{} battles, method {}, {} intervals, {} bootstrap rounds, seed {}",
                table.battles,
                table.method.as_str(),
                table.ci_method.as_str(),
                table.bootstrap_rounds,
                table.seed
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_parse_as_model_equals_value() {
        assert_eq!(parse_anchor("a=b=1114.5"), Ok(("a=b".to_owned(), 1114.5)));
        assert!(parse_anchor("model").is_err());
        assert!(parse_anchor("=3").is_err());
        assert!(parse_anchor("m=x").is_err());
        assert!(parse_anchor("m=NaN").is_err());
    }
}
