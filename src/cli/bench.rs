//! `goldarena bench-ratings`: times the whole `ratings` pipeline (parse, count,
//! fit, bootstrap) on seeded synthetic LMSYS files, each run in a child process so
//! that its peak memory is its own, and the server's leaderboard recompute from
//! pair counts.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use crate::rating::synthetic::SyntheticArena;
use crate::rating::{TableOptions, bradley_terry_table};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Battle counts to time.
    #[arg(long, value_delimiter = ',', default_values_t = [100_000usize, 1_000_000, 3_000_000])]
    pub battles: Vec<usize>,
    /// Model counts to time.
    #[arg(long, value_delimiter = ',', default_values_t = [100usize, 200])]
    pub models: Vec<usize>,
    #[arg(long, default_value_t = 1000)]
    pub bootstrap: usize,
    /// Interval methods to time on every file (`sandwich` needs no rounds).
    #[arg(long, value_delimiter = ',', default_values = ["sandwich", "bootstrap"], value_parser = crate::rating::CiMethod::parse)]
    pub ci: Vec<crate::rating::CiMethod>,
    /// Also time `--style-control` on a file of this many battles with
    /// `conv_metadata` (0: skip), at each model count.
    #[arg(long, default_value_t = 1_000_000)]
    pub style_battles: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to write the synthetic files (default: a temporary folder, removed after).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes `n` synthetic battles as LMSYS JSON lines; returns the true ratings.
/// With `style`, each record also has `conv_metadata` style counts.
fn write_battles(
    path: &Path,
    models: usize,
    n: usize,
    seed: u64,
    style: bool,
) -> anyhow::Result<Vec<f64>> {
    let mut arena = SyntheticArena::new(models, 400.0, 0.2, seed);
    let names: Vec<String> = (0..models).map(SyntheticArena::name).collect();
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    for i in 0..n {
        let (a, b, v) = arena.battle();
        // Deterministic style counts: each model has its own typical length.
        let meta = if style {
            let len = |m: usize, k: usize| 150 + 37 * (m % 11) + (k * 7919) % 200;
            let small = |m: usize, k: usize| (m + k) % 5;
            format!(
                r#", "conv_metadata": {{"sum_assistant_a_tokens": {}, "sum_assistant_b_tokens": {}, "header_count_a": {{"h1": {}, "h2": 0}}, "header_count_b": {{"h1": {}, "h2": 0}}, "list_count_a": {{"ordered": {}, "unordered": 0}}, "list_count_b": {{"ordered": {}, "unordered": 0}}, "bold_count_a": {{"**": {}, "__": 0}}, "bold_count_b": {{"**": {}, "__": 0}}}}"#,
                len(a, i),
                len(b, i + 1),
                small(a, i),
                small(b, i),
                small(a, i + 2),
                small(b, i + 3),
                small(a, i + 1),
                small(b, i + 4)
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            r#"{{"question_id": "q{i}", "model_a": "{}", "model_b": "{}", "winner": "{}", "judge": "arena_user_{}", "turn": 1, "anony": true, "language": "English", "tstamp": {}.0{meta}}}"#,
            names[a],
            names[b],
            v.as_str(),
            i % 9973,
            1_700_000_000 + i
        )
        .context("cannot write battles")?;
    }
    out.flush().context("cannot write battles")?;
    Ok(arena.ratings)
}

/// Runs the benchmark and prints a Markdown table of the figures.
///
/// # Errors
/// When a file cannot be written or a child run fails.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let temp;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            temp = tempfile::tempdir().context("cannot make a temporary folder")?;
            temp.path().to_path_buf()
        }
    };
    let exe = std::env::current_exe().context("cannot find the goldarena binary")?;
    println!(
        "| battles | models | intervals | file MB | wall s | parse s | peak RSS MB | max error (points) |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|");
    for &models in &args.models {
        for &n in &args.battles {
            let path = dir.join(format!("battles-{models}-{n}.jsonl"));
            let truth = write_battles(&path, models, n, args.seed, false)?;
            for &ci in &args.ci {
                let mut extra = vec!["--ci".to_owned(), ci.as_str().to_owned()];
                if ci == crate::rating::CiMethod::Bootstrap {
                    extra.extend(["--bootstrap".to_owned(), args.bootstrap.to_string()]);
                }
                let label = ci_label(ci, args.bootstrap);
                time_run(&exe, &path, &extra, args.seed, &truth, n, models, &label)?;
            }
            let _ = std::fs::remove_file(&path);
        }
        if args.style_battles > 0 {
            let n = args.style_battles;
            let path = dir.join(format!("styled-{models}-{n}.jsonl"));
            let truth = write_battles(&path, models, n, args.seed, true)?;
            time_run(
                &exe,
                &path,
                &["--style-control".to_owned()],
                args.seed,
                &truth,
                n,
                models,
                "style control (sandwich)",
            )?;
            let _ = std::fs::remove_file(&path);
        }
    }

    // The server's recompute: pair counts of 200 models to a full table, by
    // each interval method asked for (the server's default is the sandwich).
    let counts = SyntheticArena::new(200, 400.0, 0.2, args.seed).counts(1_000_000);
    println!();
    for &ci in &args.ci {
        let options = TableOptions {
            bootstrap_rounds: args.bootstrap,
            seed: args.seed,
            ci,
            ..TableOptions::default()
        };
        let started = Instant::now();
        let table = bradley_terry_table(&counts, &options, &|| {})?;
        let label = ci_label(ci, args.bootstrap);
        println!(
            "server recompute from pair counts: 200 models, {} pairs, {label}: {:.3} s ({} rows)",
            counts.pairs().len(),
            started.elapsed().as_secs_f64(),
            table.rows.len()
        );
    }
    Ok(())
}

/// How a row names its interval method.
fn ci_label(ci: crate::rating::CiMethod, rounds: usize) -> String {
    if ci == crate::rating::CiMethod::Bootstrap {
        format!("bootstrap x{rounds}")
    } else {
        ci.as_str().to_owned()
    }
}

/// Runs `goldarena ratings` on `path` in a child process and prints one row.
#[allow(clippy::too_many_arguments)]
fn time_run(
    exe: &Path,
    path: &Path,
    extra: &[String],
    seed: u64,
    truth: &[f64],
    n: usize,
    models: usize,
    label: &str,
) -> anyhow::Result<()> {
    let size = std::fs::metadata(path).map_or(0, |m| m.len()) as f64 / 1e6;
    let started = Instant::now();
    let out = Command::new(exe)
        .arg("ratings")
        .arg("--input")
        .arg(path)
        .args(["--format", "json", "--stats", "--seed"])
        .arg(seed.to_string())
        .args(extra)
        .output()
        .context("cannot run goldarena ratings")?;
    let wall = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        out.status.success(),
        "ratings failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stat = |key: &str| {
        stderr
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .unwrap_or("?")
            .to_owned()
    };
    let table: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("ratings printed no JSON")?;
    // Ratings are centred on 1000 like the truth; with an offset (style
    // control's plain-rank anchoring differs) compare differences to the mean.
    let worst = table["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|r| {
                    let name = r["model"].as_str()?;
                    let i: usize = name.strip_prefix("model-")?.parse().ok()?;
                    Some((r["rating"].as_f64()? - truth[i]).abs())
                })
                .fold(0.0, f64::max)
        })
        .unwrap_or(f64::NAN);
    println!(
        "| {n} | {models} | {label} | {size:.0} | {wall:.2} | {} | {} | {worst:.1} |",
        stat("parse_s="),
        stat("peak_rss_mb=")
    );
    Ok(())
}
