#!/usr/bin/env python3
"""Reference sandwich intervals from LMArena's arena-rank, for cross-checking
GoldArena's `rating::sandwich`.

Pinned: arena-rank==0.1.1 (PyPI; it pins jax==0.8.1 and numpy==2.3.3). Install
it into a folder of its own, then run this script with that folder on the path:

    pip install --target /tmp/arena-rank arena-rank==0.1.1
    PYTHONPATH=/tmp/arena-rank python3 tests/reference/arena_rank_sandwich.py \
        ../shared/data/pandalm_human_pairwise/testset-v1.json

It reads PandaLM's human votes as the Rust tests do (three annotators per
item; 0 = tie, 1 = first model, 2 = second), fits arena-rank's BradleyTerry
with its defaults (scale 400, base 10, init 1000, hessian_reg 1e-5) and prints
`compute_ratings_and_cis(ci_method="sandwich")`: each model's rating and the
half-width of its 95% interval. arena-rank fits from zeros without a gauge
term, so its ratings have mean 1000, as GoldArena's do when every model is
well sampled; it regularises the Hessian with hessian_reg x battles, which
GoldArena does not need (it handles the gauge explicitly).
"""

import json
import sys

import pandas as pd

from arena_rank.models.bradley_terry import BradleyTerry
from arena_rank.utils.data_utils import PairDataset

WINNER = {0: "tie", 1: "model_a", 2: "model_b"}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    rows = []
    for item in items:
        a, b = item["cmp_key"].split("_", 1)
        for annotator in ("annotator1", "annotator2", "annotator3"):
            rows.append({"model_a": a, "model_b": b, "winner": WINNER[item[annotator]]})
    df = pd.DataFrame(rows)
    dataset = PairDataset.from_pandas(df)
    model = BradleyTerry(n_competitors=len(dataset.competitors))
    out = model.compute_ratings_and_cis(dataset, ci_method="sandwich")
    print(f"{len(rows)} battles")
    for name, rating, lower, upper in zip(
        dataset.competitors, out["ratings"], out["rating_lower"], out["rating_upper"]
    ):
        print(f'("{name}", {float(rating):.6f}, {float(upper - rating):.6f}, {float(rating - lower):.6f}),')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/pandalm_human_pairwise/testset-v1.json")
