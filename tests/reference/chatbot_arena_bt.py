#!/usr/bin/env python3
"""Reference Bradley-Terry ratings for cross-checking GoldArena.

Re-implements (in our own words, same math) the Chatbot Arena MLE-Elo fit:
`compute_mle_elo` from the Chatbot Arena notebook / lmsys blog, shipped in
lm-sys/FastChat as `compute_elo_mle_with_tie` in
fastchat/serve/monitor/elo_analysis.py (e.g. commit f17286bfd6dc):

  * count per (model_a, model_b) pivot tables of A-wins, B-wins and ties
    ("tie" and "tie (bothbad)"); ties are symmetrised (tie + tie.T);
  * "row beats column" weight  W = 2*A_win + 2*B_win.T + tie
    (so a tie is half a win each way);
  * for every ordered pair (i, j), i != j, emit two logistic-regression rows
    with features +ln(BASE) for i and -ln(BASE) for j: label 1 weighted W[i,j],
    label 0 weighted W[j,i];
  * LogisticRegression(fit_intercept=False, penalty=None, tol=1e-6) (lbfgs);
  * rating = SCALE * coef + INIT_RATING.  The mixtral anchor is NOT applied.

Notes:
  * FastChat's file version uses sklearn's default tol (1e-4); the notebook
    version uses tol=1e-6.  Both are printed, plus a tight fit
    (tol=1e-12, max_iter=10000); lbfgs then stops on sklearn's ftol (64 eps),
    ~1e-6 rating points from the optimum, so an exact Newton solve is added.
  * Quirk: FastChat adds the pivot tables with pandas label alignment, so a
    pair becomes NaN (and is skipped) whenever one of its models never
    appears as a row/column label in one of the tables.  The "full" tables
    below are reindexed to every model (fill 0) so each battle counts; the
    "literal" variant keeps FastChat's alignment for comparison.

Usage: python3 tests/reference/chatbot_arena_bt.py [path/to/testset-v1.json]
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression

# sklearn >= 1.8 deprecates penalty=None (use C=np.inf); keep FastChat's spelling.
warnings.filterwarnings("ignore", category=FutureWarning)

SCALE, BASE, INIT_RATING = 400, 10, 1000


def win_table(df, literal):
    """W[i, j] = 2*(i beat j) + (ties between i and j), as FastChat builds it."""
    def count(rows):
        t = pd.pivot_table(rows, index="model_a", columns="model_b",
                           aggfunc="size", fill_value=0)
        return t if literal else t.reindex(index=models, columns=models, fill_value=0)

    models = sorted(set(df.model_a) | set(df.model_b))
    a_win = count(df[df.winner == "model_a"])
    b_win = count(df[df.winner == "model_b"])
    tie = count(df[df.winner.isin(["tie", "tie (bothbad)"])])
    tie = tie + tie.T
    return a_win * 2 + b_win.T * 2 + tie


def compute_mle_elo(df, tol=1e-6, max_iter=100, literal=False):
    W = win_table(df, literal)
    idx = {m: k for k, m in enumerate(W.index)}
    X, Y, w = [], [], []
    for a in W.index:
        for b in W.columns:
            if a == b or math.isnan(W.loc[a, b]) or math.isnan(W.loc[b, a]):
                continue  # FastChat skips NaN (misaligned) pairs
            row = np.zeros(len(idx))
            row[idx[a]], row[idx[b]] = math.log(BASE), -math.log(BASE)
            X += [row, row]
            Y += [1.0, 0.0]
            w += [W.loc[a, b], W.loc[b, a]]
    lr = LogisticRegression(fit_intercept=False, penalty=None, tol=tol, max_iter=max_iter)
    lr.fit(np.array(X), np.array(Y), sample_weight=np.array(w, dtype=float))
    return pd.Series(SCALE * lr.coef_[0] + INIT_RATING, index=W.index), int(lr.n_iter_[0])


def newton_mle(df):
    """Not FastChat: exact MLE of the same likelihood by Newton's method, as a
    check on how far the sklearn fits stop from the optimum."""
    W = win_table(df, literal=False)
    S = W.values / 2.0          # points scored by row vs column (tie = 0.5)
    N = S + S.T                 # games per pair
    t = np.zeros(len(S))
    for _ in range(50):
        P = 1 / (1 + np.exp(t[None, :] - t[:, None]))
        g = S.sum(1) - (N * P).sum(1)
        H = N * P * (1 - P)
        H = H - np.diag(H.sum(1))
        H[-1, :], g[-1] = 1, 0  # replace last equation by the sum-zero step
        t = t - np.linalg.solve(H, g)
    return pd.Series(SCALE / math.log(BASE) * (t - t.mean()) + INIT_RATING, index=W.index), 50


def pandalm_battles(path):
    """cmp_key = '<model_a>_<model_b>'; each annotator vote 0/1/2 = tie/A/B is a battle."""
    rows = []
    for item in json.load(open(path)):
        a, b = item["cmp_key"].split("_", 1)
        for k in ("annotator1", "annotator2", "annotator3"):
            rows.append((a, b, {0: "tie", 1: "model_a", 2: "model_b"}[item[k]]))
    return pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])


def handmade_battles():
    """Small set; 'x beats y' is stored as model_a=x, model_b=y, winner=model_a."""
    spec = [("a", "b", "model_a", 7), ("b", "a", "model_a", 3), ("a", "b", "tie", 2),
            ("b", "c", "model_a", 6), ("c", "b", "model_a", 4),
            ("c", "a", "tie (bothbad)", 3), ("a", "c", "model_a", 2),
            ("c", "a", "model_a", 1), ("d", "a", "model_a", 1), ("a", "d", "model_a", 2),
            ("d", "b", "tie", 1)]
    rows = [(a, b, w) for a, b, w, n in spec for _ in range(n)]
    return pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])


def report(name, df):
    print(f"== {name}: {len(df)} battles")
    fits = {"tol=1e-6 (notebook)": dict(tol=1e-6),
            "tol=1e-4 (FastChat file default)": dict(tol=1e-4),
            "tight tol=1e-12,max_iter=10000": dict(tol=1e-12, max_iter=10000),
            "literal-alignment tol=1e-6": dict(tol=1e-6, literal=True)}
    fits["exact Newton (not FastChat)"] = None
    for label, kw in fits.items():
        try:
            r, it = newton_mle(df) if kw is None else compute_mle_elo(df, **kw)
        except ValueError as e:  # e.g. every pair NaN under literal alignment
            print(f"  [{label}] failed: {e}")
            continue
        print(f"  [{label}] n_iter={it} mean={r.mean():.6f}")
        for m, v in r.sort_values(ascending=False).items():
            print(f"    {m:20s} {v:.6f}")


if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    default = os.path.join(root, "..", "shared", "data", "pandalm_human_pairwise", "testset-v1.json")
    print(f"sklearn {sklearn.__version__}, pandas {pd.__version__}, numpy {np.__version__}")
    report("PandaLM human votes", pandalm_battles(sys.argv[1] if len(sys.argv) > 1 else default))
    report("hand-made", handmade_battles())
