//! Statistical tests of the rating engine: known values, the reference
//! implementation, invariances, recovery of known ratings, interval coverage,
//! and the `ratings` command.

mod cli;
mod properties;
mod reference;
mod simulation;
mod style;
mod ties;

use std::path::{Path, PathBuf};

use goldarena::domain::Verdict;
use goldarena::rating::{Comparisons, ComparisonsBuilder};

pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `../shared/data/<sub>` (or under `GOLDARENA_SHARED_DATA`); `None` means skip,
/// which fails under CI.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("GOLDARENA_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    let path = root.join(sub);
    if path.exists() {
        return Some(path);
    }
    assert!(
        !under_ci(),
        "shared test data {} is required under CI",
        path.display()
    );
    eprintln!(
        "skipped: shared test data {} is not available",
        path.display()
    );
    None
}

/// The PandaLM human votes: each annotator's verdict is one battle between the
/// model of response 1 (model_a) and the model of response 2 (model_b).
pub fn pandalm_battles() -> Option<Vec<(String, String, Verdict)>> {
    let path = shared_data("pandalm_human_pairwise/testset-v1.json")?;
    let text = std::fs::read_to_string(path).expect("read PandaLM");
    let items: Vec<serde_json::Value> = serde_json::from_str(&text).expect("PandaLM JSON");
    let mut out = Vec::new();
    for item in items {
        let key = item["cmp_key"].as_str().expect("cmp_key");
        let (a, b) = key.split_once('_').expect("model_model");
        for annotator in ["annotator1", "annotator2", "annotator3"] {
            let verdict = match item[annotator].as_i64() {
                Some(0) => Verdict::Tie,
                Some(1) => Verdict::ModelA,
                Some(2) => Verdict::ModelB,
                other => panic!("unexpected vote {other:?}"),
            };
            out.push((a.to_owned(), b.to_owned(), verdict));
        }
    }
    Some(out)
}

pub fn comparisons_of(battles: &[(String, String, Verdict)]) -> Comparisons {
    let mut b = ComparisonsBuilder::default();
    for (x, y, v) in battles {
        b.add(x, y, *v);
    }
    b.build()
}
