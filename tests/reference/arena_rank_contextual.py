#!/usr/bin/env python3
"""Reference style-control fits from LMArena's arena-rank, for cross-checking
GoldArena's `rating::contextual` (its `Convention::ArenaRank`).

Pinned: arena-rank==0.1.1 (PyPI; it pins jax==0.8.1 and numpy==2.3.3):

    pip install --target /tmp/arena-rank arena-rank==0.1.1 pandas
    PYTHONPATH=/tmp/arena-rank python3 tests/reference/arena_rank_contextual.py \
        tests/reference/data/contextual_synthetic.csv > tests/reference/data/contextual_arena_rank.json

1. It draws a seeded synthetic set from a known contextual Bradley-Terry model
   (6 models, 4,000 battles, two style features tied to the models, 15% ties)
   and writes it to the CSV named on the command line (columns model_a,
   model_b, winner, length, markdown; the features already standardised).
2. It fits arena-rank's ContextualBradleyTerry with its defaults (reg 1.0,
   hessian_reg 1e-5, scale 400, base 10, init 1000), once with the dataset's
   default pair reweighting and once without, and prints each fit's ratings,
   95% sandwich bounds and coefficients as JSON.

The truth is in the JSON too: GoldArena's own convention must recover it,
arena-rank's (whose penalty does not fade with data) shrinks it.
"""

import csv
import json
import sys

import numpy as np
import pandas as pd

from arena_rank.models.contextual_bradley_terry import ContextualBradleyTerry
from arena_rank.utils.data_utils import ContextualPairDataset

SEED = 20261130
MODELS = ["m0", "m1", "m2", "m3", "m4", "m5"]
THETA = [0.6, 0.3, 0.0, -0.2, -0.3, -0.4]  # natural-log units, mean 0
VERBOSE = [1.5, 0.6, 1.0, 1.8, 0.7, 1.2]  # how long each model's answers run
BETA = [0.5, 0.2]  # per standardised feature
BATTLES = 4000
TIES = 0.15


def draw(path):
    rng = np.random.default_rng(SEED)
    a = rng.integers(0, len(MODELS), BATTLES)
    b = (a + rng.integers(1, len(MODELS), BATTLES)) % len(MODELS)
    verbose = np.array(VERBOSE)
    len_a = rng.poisson(300 * verbose[a])
    len_b = rng.poisson(300 * verbose[b])
    md_a = rng.poisson(4 * verbose[a])
    md_b = rng.poisson(4 * verbose[b])
    x = np.stack(
        [(len_a - len_b) / (len_a + len_b + 1), (md_a - md_b) / (md_a + md_b + 1)], axis=1
    )
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    theta = np.array(THETA)
    p = 1 / (1 + np.exp(-(theta[a] - theta[b] + x @ np.array(BETA))))
    u = rng.random(BATTLES)
    tie = rng.random(BATTLES) < TIES
    winner = np.where(tie, "tie", np.where(u < p, "model_a", "model_b"))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["model_a", "model_b", "winner", "length", "markdown"])
        for i in range(BATTLES):
            w.writerow([MODELS[a[i]], MODELS[b[i]], winner[i], repr(float(x[i, 0])), repr(float(x[i, 1]))])


def fit(df, reweighted):
    ds = ContextualPairDataset.from_pandas(
        df,
        feature_cols=["length", "markdown"],
        competitor_cols=["model_a", "model_b"],
        outcome_col="winner",
        reweighted=reweighted,
        min_pair_count=50,
        normalize_features=True,
    )
    model = ContextualBradleyTerry(n_competitors=len(ds.competitors), n_features=2)
    out = model.compute_ratings_and_cis(ds, significance_level=0.05, ci_method="sandwich")
    return {
        "models": [str(c) for c in ds.competitors],
        "ratings": [float(v) for v in out["ratings"]],
        "lower": [float(v) for v in out["rating_lower"]],
        "upper": [float(v) for v in out["rating_upper"]],
        "coefficients": [float(v) for v in out["coeffs"]],
    }


def main(path):
    draw(path)
    df = pd.read_csv(path)
    print(
        json.dumps(
            {
                "arena_rank": "0.1.1",
                "seed": SEED,
                "truth": {"models": MODELS, "theta": THETA, "beta": BETA},
                "reweighted": fit(df, True),
                "unweighted": fit(df, False),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
