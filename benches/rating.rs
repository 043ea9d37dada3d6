//! Criterion benchmarks of the rating kernels on seeded synthetic data.
//! Run: `cargo bench --bench rating`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use goldarena::rating::bootstrap::replicate_rng;
use goldarena::rating::bradley_terry::{Curvature, fit_near};
use goldarena::rating::resample::Resampler;
use goldarena::rating::synthetic::SyntheticArena;
use goldarena::rating::{BtConfig, CiMethod, Comparisons, TableOptions, bradley_terry_table, fit};

fn arena_counts(models: usize, battles: usize) -> Comparisons {
    SyntheticArena::new(models, 400.0, 0.2, 42).counts(battles)
}

fn kernels(c: &mut Criterion) {
    let cfg = BtConfig::default();
    for models in [100usize, 200] {
        let data = arena_counts(models, 1_000_000);
        let full = fit(&data, &cfg, None).beta;
        let resampler = Resampler::new(&data);
        let mut group = c.benchmark_group(format!("{models}_models_1M_battles"));
        group.sample_size(20);
        group.bench_function("fit_cold", |b| b.iter(|| fit(&data, &cfg, None)));
        group.bench_function("resample", |b| {
            let mut round = 0;
            b.iter(|| {
                round += 1;
                resampler.draw(&data, &mut replicate_rng(1, round))
            });
        });
        let curvature = Curvature::at(&data, &cfg, &full).expect("positive definite");
        group.bench_function("replicate_resample_and_fit_near", |b| {
            let mut round = 0;
            b.iter(|| {
                round += 1;
                let sample = data.with_pairs(resampler.draw(&data, &mut replicate_rng(1, round)));
                fit_near(&sample, &cfg, &full, &curvature)
            });
        });
        group.bench_function("replicate_fit_near_only", |b| {
            let sample = data.with_pairs(resampler.draw(&data, &mut replicate_rng(1, 0)));
            b.iter(|| fit_near(&sample, &cfg, &full, &curvature));
        });
        group.finish();
    }
    let data = arena_counts(200, 1_000_000);
    let mut group = c.benchmark_group("server_leaderboard");
    group.sample_size(10);
    group.bench_with_input(
        BenchmarkId::new("pair_counts_to_table_1000_rounds", 200),
        &data,
        |b, data| {
            let options = TableOptions {
                bootstrap_rounds: 1000,
                seed: 7,
                ..TableOptions::default()
            };
            b.iter(|| bradley_terry_table(data, &options, &|| {}));
        },
    );
    for models in [100usize, 200] {
        let data = arena_counts(models, 1_000_000);
        group.bench_with_input(
            BenchmarkId::new("pair_counts_to_table_sandwich", models),
            &data,
            |b, data| {
                let options = TableOptions {
                    ci: CiMethod::Sandwich,
                    ..TableOptions::default()
                };
                b.iter(|| bradley_terry_table(data, &options, &|| {}));
            },
        );
    }
    group.finish();
}

/// Style control on 1M in-memory battles (100 models, four features tied
/// to the models plus noise): the contextual fit and its sandwich.
fn style_control(c: &mut Criterion) {
    use goldarena::rating::contextual::{
        ContextualConfig, StyledBattles, fit_contextual, style_matrix,
    };
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    let mut rng = StdRng::seed_from_u64(3);
    let (models, n) = (100usize, 1_000_000usize);
    let mut d = StyledBattles {
        models: (0..models).map(|i| format!("model-{i:03}")).collect(),
        feature_names: ["length", "headers", "lists", "bold"]
            .map(str::to_owned)
            .to_vec(),
        ..StyledBattles::default()
    };
    let (mut raw_a, mut raw_b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let a = rng.random_range(0..models);
        let b = (a + rng.random_range(1..models)) % models;
        let style = |m: usize, rng: &mut StdRng| {
            [
                (100 + 7 * m) as f64 * rng.random_range(0.5..1.5),
                f64::from(rng.random_range(0..4u8)),
                f64::from(rng.random_range(0..8u8)),
                f64::from(rng.random_range(0..5u8)),
            ]
        };
        raw_a.push(style(a, &mut rng));
        raw_b.push(style(b, &mut rng));
        d.a.push(a as u32);
        d.b.push(b as u32);
        let p = 1.0 / (1.0 + ((b as f64 - a as f64) / 50.0).exp());
        d.score.push(if rng.random_bool(p) { 1.0 } else { 0.0 });
    }
    d.x = style_matrix(&raw_a, &raw_b);
    let mut group = c.benchmark_group("style_control");
    group.sample_size(10);
    group.bench_function("fit_and_sandwich_1m_battles_100_models", |b| {
        b.iter(|| fit_contextual(&d, &ContextualConfig::default()));
    });
    group.finish();
}

criterion_group!(benches, kernels, style_control);
criterion_main!(benches);
