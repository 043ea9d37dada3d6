//! Style control (contextual Bradley-Terry): agreement with arena-rank 0.1.1
//! on a seeded synthetic set (`tests/reference/arena_rank_contextual.py`
//! drew it and fitted it), recovery of a planted style effect, and the
//! coverage of the sandwich intervals.

use std::path::PathBuf;

use goldarena::rating::contextual::{
    ContextualConfig, Convention, StyledBattles, fit_contextual, standardise,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;

const Z95: f64 = 1.959_963_984_540_054;
/// Rating points per natural-log unit (400 / ln 10).
const POINTS: f64 = 400.0 / std::f64::consts::LN_10;

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/data")
}

/// The synthetic set as arena-rank read it: models sorted by name.
fn synthetic() -> StyledBattles {
    let mut reader =
        csv::Reader::from_path(reference_dir().join("contextual_synthetic.csv")).expect("csv");
    let mut rows: Vec<(String, String, f64, [f64; 2])> = Vec::new();
    for record in reader.records() {
        let r = record.expect("record");
        let score = match &r[2] {
            "model_a" => 1.0,
            "model_b" => 0.0,
            _ => 0.5,
        };
        let f = |i: usize| r[i].parse::<f64>().expect("feature");
        rows.push((r[0].to_owned(), r[1].to_owned(), score, [f(3), f(4)]));
    }
    let mut models: Vec<String> = rows
        .iter()
        .flat_map(|r| [r.0.clone(), r.1.clone()])
        .collect();
    models.sort();
    models.dedup();
    let index = |m: &str| models.iter().position(|x| x == m).expect("model") as u32;
    let mut d = StyledBattles {
        models: models.clone(),
        feature_names: vec!["length".into(), "markdown".into()],
        ..StyledBattles::default()
    };
    for (a, b, score, x) in &rows {
        d.a.push(index(a));
        d.b.push(index(b));
        d.score.push(*score);
        d.x.extend_from_slice(x);
    }
    standardise(&mut d.x, 2);
    d
}

fn reference() -> Value {
    let text = std::fs::read_to_string(reference_dir().join("contextual_arena_rank.json"))
        .expect("reference json");
    serde_json::from_str(&text).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

#[test]
fn arena_rank_convention_matches_arena_rank_0_1_1() {
    let d = synthetic();
    let reference = reference();
    for (key, reweight) in [("reweighted", true), ("unweighted", false)] {
        let want = &reference[key];
        let config = ContextualConfig {
            convention: Convention::ArenaRank { reweight },
            ..ContextualConfig::default()
        };
        let fit = fit_contextual(&d, &config);
        assert!(fit.converged, "{key}: {fit:?}");
        let cov = fit.covariance.as_ref().expect("covariance");
        let ratings = floats(&want["ratings"]);
        let lower = floats(&want["lower"]);
        let upper = floats(&want["upper"]);
        for (i, model) in d.models.iter().enumerate() {
            let rating = 1000.0 + POINTS * fit.theta[i];
            let half = Z95 * POINTS * cov[(i, i)].sqrt();
            // arena-rank stops L-BFGS at a relative change of 1e-9 in the
            // loss: a few hundredths of a point from the exact optimum.
            assert!(
                (rating - ratings[i]).abs() < 0.05,
                "{key} {model}: rating {rating} vs arena-rank {}",
                ratings[i]
            );
            assert!(
                (rating - half - lower[i]).abs() < 0.1 && (rating + half - upper[i]).abs() < 0.1,
                "{key} {model}: [{}, {}] vs arena-rank [{}, {}]",
                rating - half,
                rating + half,
                lower[i],
                upper[i]
            );
        }
        for (got, want) in fit.beta.iter().zip(floats(&want["coefficients"])) {
            assert!(
                (got - want).abs() < 1e-4,
                "{key}: coefficient {got} vs {want}"
            );
        }
    }
}

#[test]
fn the_standard_convention_recovers_the_planted_style_effect() {
    let d = synthetic();
    let truth = &reference()["truth"];
    let (theta, beta) = (floats(&truth["theta"]), floats(&truth["beta"]));
    let fit = fit_contextual(&d, &ContextualConfig::default());
    assert!(fit.converged);
    let cov = fit.covariance.as_ref().expect("covariance");
    let k = d.models.len();
    for (j, want) in beta.iter().enumerate() {
        let se = cov[(k + j, k + j)].sqrt();
        assert!(
            (fit.beta[j] - want).abs() < Z95 * se + 0.02,
            "coefficient {j}: {} ± {} vs planted {want}",
            fit.beta[j],
            Z95 * se
        );
    }
    for (i, want) in theta.iter().enumerate() {
        let se = cov[(i, i)].sqrt();
        assert!(
            (fit.theta[i] - want).abs() < 3.0 * se,
            "model {i}: {} ± {} vs true {want}",
            fit.theta[i],
            Z95 * se
        );
    }
    // Without style control the verbose m3 (true θ = -0.2) looks better than
    // the terse m2 (true θ = 0); with it, the order is right again.
    assert!(fit.theta[2] > fit.theta[3]);
}

/// `n` battles from a contextual model with `features` standardised normal
/// features, each model biased towards positive features by `bias[m]`.
fn draw(theta: &[f64], beta: &[f64], bias: &[f64], n: usize, rng: &mut StdRng) -> StyledBattles {
    let k = theta.len();
    let mut d = StyledBattles {
        models: (0..k).map(|i| format!("m{i}")).collect(),
        feature_names: (0..beta.len()).map(|j| format!("f{j}")).collect(),
        ..StyledBattles::default()
    };
    for _ in 0..n {
        let a = rng.random_range(0..k);
        let mut b = rng.random_range(0..k - 1);
        if b >= a {
            b += 1;
        }
        let mut z = theta[a] - theta[b];
        for &bj in beta {
            // Box-Muller: a normal draw, shifted by the models' habits.
            let (u1, u2): (f64, f64) = (rng.random_range(1e-12..1.0), rng.random());
            let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let x = normal + bias[a] - bias[b];
            d.x.push(x);
            z += bj * x;
        }
        let p = 1.0 / (1.0 + (-z).exp());
        d.a.push(a as u32);
        d.b.push(b as u32);
        // No ties: scoring a tie as half a win attenuates every effect
        // towards 0, so the fit's target would not be the truth drawn here.
        d.score.push(if rng.random_bool(p) { 1.0 } else { 0.0 });
    }
    d
}

#[test]
fn sandwich_intervals_cover_about_95_percent_of_the_time() {
    let theta = [0.5, 0.2, 0.0, -0.3, -0.4];
    let beta = [0.4, -0.2];
    let bias = [0.5, -0.3, 0.0, 0.4, -0.6];
    let mut rng = StdRng::seed_from_u64(7);
    let (mut covered, mut total) = (0usize, 0usize);
    let (mut beta_covered, mut beta_total) = (0usize, 0usize);
    let rounds = 200;
    for _ in 0..rounds {
        let d = draw(&theta, &beta, &bias, 1500, &mut rng);
        let fit = fit_contextual(&d, &ContextualConfig::default());
        let cov = fit.covariance.as_ref().expect("covariance");
        // Differences to model 0: gauge-free.
        for i in 1..theta.len() {
            let diff = fit.theta[i] - fit.theta[0];
            let var = cov[(i, i)] + cov[(0, 0)] - 2.0 * cov[(i, 0)];
            total += 1;
            if (diff - (theta[i] - theta[0])).abs() <= Z95 * var.sqrt() {
                covered += 1;
            }
        }
        for (j, b) in beta.iter().enumerate() {
            let k = theta.len() + j;
            beta_total += 1;
            if (fit.beta[j] - b).abs() <= Z95 * cov[(k, k)].sqrt() {
                beta_covered += 1;
            }
        }
    }
    let rate = covered as f64 / total as f64;
    let beta_rate = beta_covered as f64 / beta_total as f64;
    println!(
        "coverage: rating differences {rate:.4} ({total}), coefficients {beta_rate:.4} ({beta_total})"
    );
    // 800 and 400 draws: two binomial standard errors are 1.5 and 2.2 points.
    assert!(
        (0.925..=0.975).contains(&rate),
        "rating differences: {rate}"
    );
    assert!(
        (0.92..=0.98).contains(&beta_rate),
        "coefficients: {beta_rate}"
    );
}
