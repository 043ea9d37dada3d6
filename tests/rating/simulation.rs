//! Data drawn from a known Bradley-Terry model: the fit recovers the truth, and
//! the 95% bootstrap intervals cover it about 95% of the time.

use goldarena::domain::Verdict;
use goldarena::rating::{Comparisons, ComparisonsBuilder, TableOptions, bradley_terry_table};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// True ratings, centred on 1000.
fn truth(models: usize, spread: f64, rng: &mut StdRng) -> Vec<f64> {
    let raw: Vec<f64> = (0..models)
        .map(|_| rng.random_range(-spread..spread))
        .collect();
    let mean = raw.iter().sum::<f64>() / models as f64;
    raw.iter().map(|r| 1000.0 + r - mean).collect()
}

/// `n` battles between uniformly drawn pairs; A wins with the Bradley-Terry
/// probability (base 10, scale 400).
fn simulate(ratings: &[f64], n: usize, rng: &mut StdRng) -> Comparisons {
    let mut b = ComparisonsBuilder::default();
    let names: Vec<String> = (0..ratings.len())
        .map(|i| format!("model-{i:03}"))
        .collect();
    for name in &names {
        b.add_model(name);
    }
    for _ in 0..n {
        let i = rng.random_range(0..ratings.len());
        let mut j = rng.random_range(0..ratings.len() - 1);
        if j >= i {
            j += 1;
        }
        let p = 1.0 / (1.0 + 10f64.powf((ratings[j] - ratings[i]) / 400.0));
        let v = if rng.random_bool(p) {
            Verdict::ModelA
        } else {
            Verdict::ModelB
        };
        b.add(&names[i], &names[j], v);
    }
    b.build()
}

fn rating_of(
    table: &goldarena::rating::RatingTable,
    model: usize,
) -> &goldarena::rating::RatingRow {
    let name = format!("model-{model:03}");
    table
        .rows
        .iter()
        .find(|r| r.model == name)
        .expect("model row")
}

#[test]
fn recovers_known_ratings() {
    let mut rng = StdRng::seed_from_u64(20_261_128);
    let true_ratings = truth(20, 250.0, &mut rng);
    let c = simulate(&true_ratings, 60_000, &mut rng);
    let table = bradley_terry_table(
        &c,
        &TableOptions {
            bootstrap_rounds: 200,
            seed: 1,
            ..TableOptions::default()
        },
        &|| {},
    )
    .expect("table");
    let mut worst = 0.0f64;
    for (i, truth) in true_ratings.iter().enumerate() {
        let row = rating_of(&table, i);
        worst = worst.max((row.rating - truth).abs());
        // Each model has ~6000 battles: a standard error of about 4.5 points.
        assert!(
            (row.rating - truth).abs() < 15.0,
            "model {i}: {} vs {truth}",
            row.rating
        );
        assert!(
            row.ci_upper - row.ci_lower < 40.0,
            "model {i}: interval too wide"
        );
    }
    eprintln!("largest recovery error: {worst:.2} points");
    // Ranks follow the truth where the truth is far apart.
    let best = (0..20)
        .max_by(|&a, &b| true_ratings[a].total_cmp(&true_ratings[b]))
        .expect("best");
    assert_eq!(table.rows[0].model, format!("model-{best:03}"));
}

#[test]
fn ninety_five_percent_intervals_cover_about_95_percent_of_the_time() {
    let simulations = 150;
    let models = 6;
    let mut covered = 0usize;
    let mut total = 0usize;
    for s in 0..simulations {
        let mut rng = StdRng::seed_from_u64(1_000 + s);
        let true_ratings = truth(models, 150.0, &mut rng);
        let c = simulate(&true_ratings, 1_500, &mut rng);
        let table = bradley_terry_table(
            &c,
            &TableOptions {
                bootstrap_rounds: 200,
                seed: s,
                ..TableOptions::default()
            },
            &|| {},
        )
        .expect("table");
        for (i, truth) in true_ratings.iter().enumerate() {
            let row = rating_of(&table, i);
            total += 1;
            if row.ci_lower <= *truth && *truth <= row.ci_upper {
                covered += 1;
            }
        }
    }
    let rate = covered as f64 / total as f64;
    eprintln!("coverage: {covered}/{total} = {rate:.3}");
    // 900 intervals: the binomial standard error at 95% is 0.73 points; allow 3.5 of them.
    assert!((0.924..=0.976).contains(&rate), "coverage {rate}");
}

#[test]
fn a_sparse_model_does_not_move_the_others() {
    let mut rng = StdRng::seed_from_u64(7);
    let true_ratings = truth(15, 200.0, &mut rng);
    let base = simulate(&true_ratings, 30_000, &mut rng);
    // 1000 rounds keep the Monte Carlo noise of each interval width near 3%.
    let options = TableOptions {
        bootstrap_rounds: 1000,
        seed: 5,
        ..TableOptions::default()
    };
    let before = bradley_terry_table(&base, &options, &|| {}).expect("table");
    // The same battles plus a newcomer that won both of its two battles.
    let mut rows: Vec<(String, String, Verdict, u64)> = Vec::new();
    for p in base.pairs() {
        let (a, b) = (&base.models()[p.a as usize], &base.models()[p.b as usize]);
        rows.push((a.clone(), b.clone(), Verdict::ModelA, p.wins_a));
        rows.push((a.clone(), b.clone(), Verdict::ModelB, p.wins_b));
    }
    rows.push(("newcomer".into(), "model-000".into(), Verdict::ModelA, 1));
    rows.push(("newcomer".into(), "model-001".into(), Verdict::ModelA, 1));
    let with = Comparisons::from_counts(
        rows.iter()
            .map(|(a, b, v, n)| (a.as_str(), b.as_str(), *v, *n)),
    );
    let after = bradley_terry_table(&with, &options, &|| {}).expect("table");
    let newcomer = after
        .rows
        .iter()
        .find(|r| r.model == "newcomer")
        .expect("newcomer");
    assert!(
        newcomer.provisional,
        "two wins and no loss cannot be pinned down"
    );
    for row in &before.rows {
        let other = after
            .rows
            .iter()
            .find(|r| r.model == row.model)
            .expect("row");
        let (w0, w1) = (row.ci_upper - row.ci_lower, other.ci_upper - other.ci_lower);
        assert!(
            (w1 - w0).abs() < 0.1 * w0,
            "{}: interval width {w0:.1} -> {w1:.1}",
            row.model
        );
        assert!(
            (other.ci_lower - row.ci_lower).abs() < 0.15 * w0,
            "{}: lower bound moved",
            row.model
        );
        assert!(
            (other.ci_upper - row.ci_upper).abs() < 0.15 * w0,
            "{}: upper bound moved",
            row.model
        );
    }
}

#[test]
fn sandwich_intervals_cover_about_95_percent_of_the_time() {
    let simulations = 400;
    let models = 6;
    let mut covered = 0usize;
    let mut total = 0usize;
    for s in 0..simulations {
        let mut rng = StdRng::seed_from_u64(50_000 + s);
        let true_ratings = truth(models, 150.0, &mut rng);
        let c = simulate(&true_ratings, 1_500, &mut rng);
        let table = bradley_terry_table(
            &c,
            &TableOptions {
                ci: goldarena::rating::CiMethod::Sandwich,
                ..TableOptions::default()
            },
            &|| {},
        )
        .expect("table");
        assert_eq!(table.ci_method, goldarena::rating::CiMethod::Sandwich);
        for (i, truth) in true_ratings.iter().enumerate() {
            let row = rating_of(&table, i);
            total += 1;
            if row.ci_lower <= *truth && *truth <= row.ci_upper {
                covered += 1;
            }
        }
    }
    let rate = covered as f64 / total as f64;
    eprintln!("sandwich coverage: {covered}/{total} = {rate:.3}");
    // 2,400 intervals: the binomial standard error at 95% is 0.44 points; allow 3.5 of them.
    assert!((0.9346..=0.9654).contains(&rate), "coverage {rate}");
}

/// The gap to a reference model: the interval of the difference covers the
/// true difference about 95% of the time, with either interval method.
#[test]
fn the_gap_to_the_reference_covers_the_true_difference() {
    use goldarena::rating::CiMethod;
    let models = 6;
    for (ci, simulations, rounds) in [
        (CiMethod::Sandwich, 200u64, 0usize),
        (CiMethod::Bootstrap, 100, 200),
    ] {
        let (mut covered, mut total) = (0usize, 0usize);
        for s in 0..simulations {
            let mut rng = StdRng::seed_from_u64(5_000 + s);
            let true_ratings = truth(models, 150.0, &mut rng);
            let c = simulate(&true_ratings, 1_500, &mut rng);
            let table = bradley_terry_table(
                &c,
                &TableOptions {
                    bootstrap_rounds: rounds,
                    seed: s,
                    ci,
                    reference: Some("model-000".to_owned()),
                    ..TableOptions::default()
                },
                &|| {},
            )
            .expect("table");
            let reference = rating_of(&table, 0);
            let own = reference.gap.expect("the reference has a gap too");
            assert_eq!((own.value, own.ci_lower, own.ci_upper), (0.0, 0.0, 0.0));
            for i in 1..models {
                let row = rating_of(&table, i);
                let gap = row.gap.expect("gap");
                assert!((gap.value - (row.rating - reference.rating)).abs() < 1e-9);
                total += 1;
                let want = true_ratings[i] - true_ratings[0];
                if gap.ci_lower <= want && want <= gap.ci_upper {
                    covered += 1;
                }
            }
        }
        let rate = covered as f64 / total as f64;
        eprintln!(
            "gap coverage ({}): {covered}/{total} = {rate:.3}",
            ci.as_str()
        );
        assert!(
            (0.925..=0.975).contains(&rate),
            "{}: coverage {rate}",
            ci.as_str()
        );
    }
    // An unknown reference is refused.
    let mut rng = StdRng::seed_from_u64(1);
    let c = simulate(&truth(3, 100.0, &mut rng), 100, &mut rng);
    let bad = TableOptions {
        reference: Some("nobody".to_owned()),
        ..TableOptions::default()
    };
    assert!(bradley_terry_table(&c, &bad, &|| {}).is_err());
}
