//! The `goldarena ratings` command, run as a user would.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn ratings(args: &[&str], input: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_goldarena"))
        .arg("ratings")
        .arg("--input")
        .arg(input)
        .args(args)
        .output()
        .expect("run goldarena ratings")
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write input");
    path
}

fn battle(a: &str, b: &str, winner: &str, extra: &str) -> String {
    format!("{{\"model_a\": \"{a}\", \"model_b\": \"{b}\", \"winner\": \"{winner}\"{extra}}}")
}

/// 30 battles: x beats y 2:1 and y beats z 2:1 (plus ties and noise fields).
fn sample_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..5 {
        let t = format!(
            ", \"tstamp\": {i}.5, \"language\": \"English\", \"conversation_a\": [{{\"content\": \"hi\"}}]"
        );
        lines.push(battle("x", "y", "model_a", &t));
        lines.push(battle("y", "x", "model_b", &t));
        lines.push(battle("x", "y", "model_b", &t));
        lines.push(battle("y", "z", "model_a", ", \"language\": \"Chinese\""));
        lines.push(battle("z", "y", "model_b", ""));
        lines.push(battle("y", "z", "tie (bothbad)", ", \"anony\": true"));
    }
    lines
}

fn json_table(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON table")
}

#[test]
fn ratings_prints_a_json_table_with_intervals_and_ranks() {
    let dir = tempfile::tempdir().expect("dir");
    let input = write(dir.path(), "battles.jsonl", &sample_lines().join("\n"));
    let t = json_table(&ratings(
        &["--format", "json", "--bootstrap", "200", "--seed", "9"],
        &input,
    ));
    assert_eq!(t["method"], "bt");
    assert_eq!(t["battles"], 30);
    assert_eq!(t["bootstrap_rounds"], 200);
    assert_eq!(t["seed"], 9);
    let rows = t["rows"].as_array().expect("rows");
    let names: Vec<&str> = rows.iter().filter_map(|r| r["model"].as_str()).collect();
    assert_eq!(names, ["x", "y", "z"]);
    for r in rows {
        let (lo, mid, hi) = (
            r["ci_lower"].as_f64(),
            r["rating"].as_f64(),
            r["ci_upper"].as_f64(),
        );
        assert!(lo <= mid && mid <= hi, "{r}");
        assert!(r["rank"].as_u64().is_some() && r["votes"].as_u64().is_some());
    }
    // The same seed gives the same table.
    let again = json_table(&ratings(
        &["--format", "json", "--bootstrap", "200", "--seed", "9"],
        &input,
    ));
    assert_eq!(t, again);
}

#[test]
fn a_json_array_gives_the_same_table_as_json_lines() {
    let dir = tempfile::tempdir().expect("dir");
    let lines = sample_lines();
    let jsonl = write(dir.path(), "b.jsonl", &lines.join("\n"));
    let array = write(
        dir.path(),
        "b.json",
        &format!("[\n{}\n]", lines.join(",\n")),
    );
    let args = ["--format", "json", "--bootstrap", "50"];
    assert_eq!(
        json_table(&ratings(&args, &jsonl)),
        json_table(&ratings(&args, &array))
    );
}

#[test]
fn filters_select_the_battles_that_count() {
    let dir = tempfile::tempdir().expect("dir");
    let mut lines = sample_lines();
    lines.push(battle("z", "x", "model_a", ", \"anony\": false"));
    let input = write(dir.path(), "b.jsonl", &lines.join("\n"));
    let count = |args: &[&str]| {
        let mut all = vec!["--format", "json", "--bootstrap", "0"];
        all.extend_from_slice(args);
        json_table(&ratings(&all, &input))["battles"].as_u64()
    };
    assert_eq!(
        count(&[]),
        Some(30),
        "named battles are left out by default"
    );
    assert_eq!(count(&["--include-named"]), Some(31));
    assert_eq!(count(&["--exclude-ties"]), Some(25));
    assert_eq!(count(&["--language", "English"]), Some(15));
}

#[test]
fn the_anchor_pins_a_model() {
    let dir = tempfile::tempdir().expect("dir");
    let input = write(dir.path(), "b.jsonl", &sample_lines().join("\n"));
    let t = json_table(&ratings(
        &[
            "--format",
            "json",
            "--bootstrap",
            "30",
            "--anchor",
            "y=1200",
        ],
        &input,
    ));
    let y = t["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["model"] == "y")
        .cloned()
        .expect("y");
    assert!((y["rating"].as_f64().unwrap_or_default() - 1200.0).abs() < 1e-9);
    let out = ratings(&["--anchor", "nobody=1000"], &input);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
}

#[test]
fn a_malformed_record_is_named_by_line_unless_skipped() {
    let dir = tempfile::tempdir().expect("dir");
    let mut lines = sample_lines();
    lines.insert(
        3,
        "{\"model_a\": \"x\", \"model_b\": \"y\", \"winner\": \"draw\"}".to_owned(),
    );
    lines.insert(7, "{not json".to_owned());
    let input = write(dir.path(), "b.jsonl", &lines.join("\n"));
    let out = ratings(&[], &input);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 4: "), "{stderr}");
    assert!(out.stdout.is_empty(), "no table on error");
    let out = ratings(
        &["--skip-invalid", "--format", "json", "--bootstrap", "0"],
        &input,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 invalid skipped"), "{stderr}");
    assert!(
        stderr.contains("line 4: ") && stderr.contains("line 8: "),
        "{stderr}"
    );
    assert_eq!(json_table(&out)["battles"], 30);
}

#[test]
fn every_output_format_lists_every_model() {
    let dir = tempfile::tempdir().expect("dir");
    let input = write(dir.path(), "b.jsonl", &sample_lines().join("\n"));
    for format in ["table", "csv", "markdown"] {
        let out = ratings(&["--format", format, "--bootstrap", "20"], &input);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        for model in ["x", "y", "z"] {
            assert!(text.lines().any(|l| l.contains(model)), "{format}: {text}");
        }
        match format {
            "csv" => assert!(text.starts_with("rank,model,rating,ci_lower,ci_upper,votes\n")),
            "markdown" => assert!(text.starts_with("| Rank (UB) | Model |")),
            _ => assert!(text.contains("95% CI") && text.contains("+")),
        }
    }
    let elo = json_table(&ratings(
        &["--method", "elo", "--format", "json", "--bootstrap", "20"],
        &input,
    ));
    assert_eq!(elo["method"], "elo");
    assert_eq!(elo["rows"].as_array().map(Vec::len), Some(3));
}

#[test]
fn a_missing_or_empty_file_is_handled() {
    let dir = tempfile::tempdir().expect("dir");
    let out = ratings(&[], &dir.path().join("absent.jsonl"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open"));
    let empty = write(dir.path(), "empty.jsonl", "");
    let t = json_table(&ratings(&["--format", "json"], &empty));
    assert_eq!(t["battles"], 0);
    assert_eq!(t["rows"].as_array().map(Vec::len), Some(0));
}

#[test]
fn matrices_come_with_the_json_table() {
    let dir = tempfile::tempdir().expect("dir");
    let input = write(dir.path(), "b.jsonl", &sample_lines().join("\n"));
    for method in ["bt", "elo"] {
        let t = json_table(&ratings(
            &[
                "--format",
                "json",
                "--bootstrap",
                "10",
                "--matrices",
                "--method",
                method,
            ],
            &input,
        ));
        let m = &t["matrices"];
        let models: Vec<&str> = m["models"]
            .as_array()
            .expect("models")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let rows: Vec<&str> = t["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r["model"].as_str())
            .collect();
        assert_eq!(models, rows, "matrices follow the table order");
        let at = |name: &str, i: usize, j: usize| m[name][i][j].clone();
        let (x, y, z) = (
            models.iter().position(|n| *n == "x").expect("x"),
            models.iter().position(|n| *n == "y").expect("y"),
            models.iter().position(|n| *n == "z").expect("z"),
        );
        // x-y: 15 battles, x won 10 of them; y-z: 15 battles, 5 of them ties.
        assert_eq!(at("battle_counts", x, y), 15);
        assert_eq!(at("battle_counts", y, x), 15);
        assert_eq!(at("battle_counts", x, z), 0);
        assert!((at("win_fraction", x, y).as_f64().unwrap_or_default() - 2.0 / 3.0).abs() < 1e-12);
        assert!(at("win_fraction", x, z).is_null());
        assert!((at("win_fraction", y, z).as_f64().unwrap_or_default() - 1.0).abs() < 1e-12);
        let p = at("predicted_win_probability", x, y)
            .as_f64()
            .unwrap_or_default();
        let q = at("predicted_win_probability", y, x)
            .as_f64()
            .unwrap_or_default();
        assert!(p > 0.5 && (p + q - 1.0).abs() < 1e-12, "{p} {q}");
        assert!(at("predicted_win_probability", x, x).is_null());
        assert!((m["average_win_rate"][x].as_f64().unwrap_or_default() - 2.0 / 3.0).abs() < 1e-12);
    }
    let out = ratings(&["--matrices"], &input);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format json"));
}

/// Battles where "verbose" writes long answers and voters like length
/// (planted in the draw), while "terse" is truly the better model; headers
/// come at random, whoever writes.
fn styled_lines() -> Vec<String> {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    let mut rng = StdRng::seed_from_u64(11);
    let models = [
        ("verbose", 0.0, 900.0),
        ("terse", 0.4, 150.0),
        ("plain", 0.2, 400.0),
    ];
    let mut lines = Vec::new();
    for _ in 0..6000 {
        let i = rng.random_range(0..3);
        let j = (i + rng.random_range(1..3)) % 3;
        let (a, b) = (models[i], models[j]);
        let len_a: f64 = a.2 * rng.random_range(0.5..1.5);
        let len_b: f64 = b.2 * rng.random_range(0.5..1.5);
        // Voters prefer the longer answer: 1.2 nats per unit of (a-b)/(a+b+1).
        let z = a.1 - b.1 + 1.2 * (len_a - len_b) / (len_a + len_b + 1.0);
        let winner = if rng.random_bool(1.0 / (1.0 + (-z).exp())) {
            "model_a"
        } else {
            "model_b"
        };
        let meta = format!(
            ", \"conv_metadata\": {{\"sum_assistant_a_tokens\": {}, \"sum_assistant_b_tokens\": {}, \
             \"header_count_a\": {{\"h1\": 0, \"h2\": {}}}, \"header_count_b\": {{\"h1\": 0, \"h2\": {}}}, \
             \"list_count_a\": {{\"ordered\": 0, \"unordered\": 1}}, \"list_count_b\": {{\"ordered\": 0, \"unordered\": 1}}, \
             \"bold_count_a\": {{\"**\": 0, \"__\": 0}}, \"bold_count_b\": {{\"**\": 0, \"__\": 0}}}}",
            len_a.round(),
            len_b.round(),
            rng.random_range(0..4u8),
            rng.random_range(0..4u8),
        );
        lines.push(battle(a.0, b.0, winner, &meta));
    }
    // One record without the style counts: counted in the plain board only.
    lines.push(battle("terse", "plain", "tie", ""));
    lines
}

#[test]
fn style_control_reads_conv_metadata_and_reorders_a_verbose_model() {
    let dir = tempfile::tempdir().expect("dir");
    let input = write(dir.path(), "styled.jsonl", &styled_lines().join("\n"));
    let plain = json_table(&ratings(&["--format", "json", "--ci", "sandwich"], &input));
    let rank = |t: &Value, m: &str| {
        t["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .position(|r| r["model"] == m)
            .expect("model")
    };
    // Plain: length wins votes, so verbose looks best.
    assert_eq!(rank(&plain, "verbose"), 0, "{plain}");
    let styled = json_table(&ratings(&["--format", "json", "--style-control"], &input));
    assert_eq!(styled["method"], "bt_style_control");
    assert_eq!(styled["ci_method"], "sandwich");
    assert_eq!(styled["battles"], 6000);
    assert_eq!(styled["battles_without_style"], 1);
    // Style held equal, terse (truly the best) comes first and verbose last.
    assert_eq!(rank(&styled, "terse"), 0, "{styled}");
    assert_eq!(rank(&styled, "verbose"), 2, "{styled}");
    let length = &styled["coefficients"][0];
    assert_eq!(length["feature"], "length");
    assert!(
        length["ci_lower"].as_f64().expect("lower") > 0.0,
        "{length}"
    );
    // The list counts are equal on both sides: a constant feature, no effect.
    assert_eq!(styled["coefficients"][2]["value"].as_f64(), Some(0.0));
    let verbose = &styled["rows"][2];
    assert!(
        verbose["rank_delta"].as_i64().expect("delta") <= 0,
        "{verbose}"
    );
    // The table names the columns; an anchor or Elo is refused.
    let out = ratings(&["--style-control"], &input);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Rank (StyleCtrl)") && text.contains("length"),
        "{text}"
    );
    assert!(
        !ratings(&["--style-control", "--anchor", "terse=1000"], &input)
            .status
            .success()
    );
    assert!(
        !ratings(&["--style-control", "--method", "elo"], &input)
            .status
            .success()
    );
    // Without conv_metadata anywhere, a clear error.
    let bare = write(dir.path(), "bare.jsonl", &sample_lines().join("\n"));
    let out = ratings(&["--style-control"], &bare);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("conv_metadata"));
}
