//! Criterion benchmarks of the rating kernels on seeded synthetic data.
//! Run: `cargo bench --bench rating`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use goldarena::rating::bootstrap::{replicate_rng, resample};
use goldarena::rating::bradley_terry::{Curvature, fit_near};
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
        let mut group = c.benchmark_group(format!("{models}_models_1M_battles"));
        group.sample_size(20);
        group.bench_function("fit_cold", |b| b.iter(|| fit(&data, &cfg, None)));
        group.bench_function("resample", |b| {
            let mut round = 0;
            b.iter(|| {
                round += 1;
                resample(&data, &mut replicate_rng(1, round))
            });
        });
        let curvature = Curvature::at(&data, &cfg, &full).expect("positive definite");
        group.bench_function("replicate_resample_and_fit_near", |b| {
            let mut round = 0;
            b.iter(|| {
                round += 1;
                let sample = data.with_pairs(resample(&data, &mut replicate_rng(1, round)));
                fit_near(&sample, &cfg, &full, &curvature)
            });
        });
        group.bench_function("replicate_fit_near_only", |b| {
            let sample = data.with_pairs(resample(&data, &mut replicate_rng(1, 0)));
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

criterion_group!(benches, kernels);
criterion_main!(benches);
