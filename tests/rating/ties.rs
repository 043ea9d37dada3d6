//! The Davidson tie model on data drawn from a Davidson model: it recovers
//! the strengths and the tie parameter, its intervals cover, it explains the
//! ties better than Bradley-Terry with ties as halves, and its predicted tie
//! rates are calibrated. Plus the `--tie-model davidson` command.

use goldarena::domain::Verdict;
use goldarena::rating::davidson::{compare, fit_davidson, probabilities};
use goldarena::rating::{BtConfig, Comparisons, ComparisonsBuilder, fit};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const Z95: f64 = 1.959_963_984_540_054;

/// `n` battles between uniformly drawn pairs of a Davidson model.
fn draw(theta: &[f64], nu: f64, n: usize, rng: &mut StdRng) -> Comparisons {
    let names: Vec<String> = (0..theta.len()).map(|i| format!("m{i}")).collect();
    let mut b = ComparisonsBuilder::default();
    for name in &names {
        b.add_model(name);
    }
    for _ in 0..n {
        let i = rng.random_range(0..theta.len());
        let mut j = rng.random_range(0..theta.len() - 1);
        if j >= i {
            j += 1;
        }
        let [win, loss, _] = probabilities(theta[i], theta[j], nu);
        let u: f64 = rng.random();
        let v = if u < win {
            Verdict::ModelA
        } else if u < win + loss {
            Verdict::ModelB
        } else {
            Verdict::Tie
        };
        b.add(&names[i], &names[j], v);
    }
    b.build()
}

const THETA: [f64; 6] = [0.8, 0.4, 0.1, -0.2, -0.5, -0.6];

#[test]
fn it_recovers_the_strengths_and_the_tie_parameter() {
    // A wide spread: far-apart pairs tie much less than close ones.
    let theta = THETA.map(|t| 2.0 * t);
    let mut rng = StdRng::seed_from_u64(3);
    let c = draw(&theta, 0.8, 20_000, &mut rng);
    let fit = fit_davidson(&c);
    assert!(fit.converged);
    let cov = fit.covariance.as_ref().expect("covariance");
    for (i, want) in theta.iter().enumerate() {
        let se = cov[(i, i)].sqrt();
        assert!(
            (fit.theta[i] - want).abs() < 3.0 * se,
            "θ{i}: {} ± {se} vs {want}",
            fit.theta[i]
        );
    }
    let k = theta.len();
    let se_eta = cov[(k, k)].sqrt();
    assert!(
        (fit.nu.ln() - 0.8f64.ln()).abs() < 3.0 * se_eta,
        "ν {}",
        fit.nu
    );

    // Against Bradley-Terry with ties as halves and a constant tie rate:
    // Davidson, the true model, explains the outcomes better.
    let plain = fit_plain(&c);
    let cmp = compare(&c, &fit, &plain, 5);
    assert!(
        cmp.davidson_log_likelihood > cmp.bradley_terry_log_likelihood,
        "{cmp:?}"
    );
    assert!(cmp.davidson_aic < cmp.bradley_terry_aic);
    // Calibrated: in every bin the observed tie rate is within three
    // binomial standard errors of the predicted one; the bins spread (close
    // pairs tie more), which a constant rate cannot follow.
    for bin in &cmp.calibration {
        let se = (bin.davidson * (1.0 - bin.davidson) / bin.battles as f64).sqrt();
        assert!((bin.observed - bin.davidson).abs() < 3.0 * se, "{bin:?}");
    }
    let first = cmp.calibration.first().expect("bins");
    let last = cmp.calibration.last().expect("bins");
    assert!(
        last.observed - first.observed > 0.05,
        "{:?}",
        cmp.calibration
    );
}

fn fit_plain(c: &Comparisons) -> Vec<f64> {
    fit(c, &BtConfig::default(), None).beta
}

#[test]
fn its_intervals_cover_about_95_percent_of_the_time() {
    let mut rng = StdRng::seed_from_u64(5);
    let (mut covered, mut total, mut nu_covered) = (0, 0, 0);
    let rounds = 200;
    let k = THETA.len();
    for _ in 0..rounds {
        let c = draw(&THETA, 0.5, 2000, &mut rng);
        let fit = fit_davidson(&c);
        let cov = fit.covariance.as_ref().expect("covariance");
        for i in 1..k {
            let diff = fit.theta[i] - fit.theta[0];
            let se = (cov[(i, i)] + cov[(0, 0)] - 2.0 * cov[(i, 0)]).sqrt();
            total += 1;
            if (diff - (THETA[i] - THETA[0])).abs() <= Z95 * se {
                covered += 1;
            }
        }
        if (fit.nu.ln() - 0.5f64.ln()).abs() <= Z95 * cov[(k, k)].sqrt() {
            nu_covered += 1;
        }
    }
    let rate = f64::from(covered) / f64::from(total);
    let nu_rate = f64::from(nu_covered) / f64::from(rounds);
    println!("coverage: differences {rate:.4} ({total}), ν {nu_rate:.4} ({rounds})");
    assert!((0.93..=0.97).contains(&rate), "differences: {rate}");
    assert!((0.91..=0.985).contains(&nu_rate), "ν: {nu_rate}");
}

#[test]
fn the_command_reports_the_tie_model() {
    let mut rng = StdRng::seed_from_u64(8);
    let c = draw(&THETA, 0.8, 3000, &mut rng);
    let mut lines = Vec::new();
    for p in c.pairs() {
        let (a, b) = (&c.models()[p.a as usize], &c.models()[p.b as usize]);
        for (n, winner) in [
            (p.wins_a, "model_a"),
            (p.wins_b, "model_b"),
            (p.ties, "tie"),
        ] {
            for _ in 0..n {
                lines.push(format!(
                    "{{\"model_a\": \"{a}\", \"model_b\": \"{b}\", \"winner\": \"{winner}\"}}"
                ));
            }
        }
    }
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("battles.jsonl");
    std::fs::write(&input, lines.join("\n")).expect("write");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_goldarena"))
            .arg("ratings")
            .arg("--input")
            .arg(&input)
            .args(args)
            .output()
            .expect("run goldarena ratings")
    };
    let out = run(&["--tie-model", "davidson", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(t["method"], "bt_davidson");
    assert_eq!(t["ci_method"], "sandwich");
    assert_eq!(t["battles"], 3000);
    assert_eq!(t["rows"][0]["model"], "m0");
    let nu = t["ties"]["nu"].as_f64().expect("nu");
    assert!(t["ties"]["nu_ci_lower"].as_f64().expect("lower") < nu);
    assert!(
        t["ties"]["davidson_log_likelihood"].as_f64()
            > t["ties"]["bradley_terry_log_likelihood"].as_f64()
    );
    assert_eq!(t["ties"]["calibration"].as_array().map(Vec::len), Some(5));
    let text = run(&["--tie-model", "davidson"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Tie parameter") && text.contains("calibration"),
        "{text}"
    );
    assert!(
        !run(&["--tie-model", "davidson", "--exclude-ties"])
            .status
            .success()
    );
}
