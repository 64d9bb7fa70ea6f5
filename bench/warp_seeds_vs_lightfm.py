#!/usr/bin/env python3
"""LightFM WARP over many seeds on the loo split, to compare against `movienight eval --seeds N`.

WARP's seed-to-seed spread (NDCG@10 std ~0.003 on 608 test users) is as large as the 0.002
tolerance, so three seeds per side decide nothing: this measures the peer's mean over N seeds.

usage: PYTHONPATH=$PEERS/lightfm bench/warp_seeds_vs_lightfm.py DATA_DIR SPLIT_DIR N_SEEDS [max_sampled]
  DATA_DIR  ../shared/datasets/ml-latest-small   SPLIT_DIR ../shared/peers/splits/ml-latest-small-loo4
Protocol as ../shared/peers/scripts/peer_eval.py: fit on train + val, candidates = every movie of
ratings.csv minus the user's fitting positives; LightFM(no_components=64, loss='warp',
learning_rate=0.05, item_alpha=user_alpha=1e-5), 30 epochs, 2 threads, seeds 42, 43, ...
"""
import os
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import sys
import numpy as np
import pandas as pd
import scipy.sparse as sp
from lightfm import LightFM

data, split, n_seeds = sys.argv[1], sys.argv[2], int(sys.argv[3])
max_sampled = int(sys.argv[4]) if len(sys.argv) > 4 else 10
ratings = pd.read_csv(os.path.join(data, "ratings.csv"))
items = np.sort(ratings.movieId.unique())
users = np.sort(ratings.userId.unique())
item_index = {m: i for i, m in enumerate(items)}
user_index = {u: i for i, u in enumerate(users)}
fit = pd.concat([pd.read_csv(os.path.join(split, f)) for f in ("train.csv", "val.csv")])
test = pd.read_csv(os.path.join(split, "test.csv"))
rows = fit.userId.map(user_index).values
cols = fit.movieId.map(item_index).values
X = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(users), len(items)))
X.sum_duplicates()
X.data[:] = 1
results = []
for seed in range(42, 42 + n_seeds):
    model = LightFM(no_components=64, loss="warp", learning_rate=0.05, item_alpha=1e-5,
                    user_alpha=1e-5, max_sampled=max_sampled, random_state=seed)
    model.fit(X.tocoo(), epochs=30, num_threads=2)
    hr10 = ndcg10 = r100 = 0.0
    n = 0
    all_items = np.arange(len(items), dtype=np.int32)
    for u, m in zip(test.userId.map(user_index).values, test.movieId.map(item_index).values):
        scores = model.predict(int(u), all_items, num_threads=2)
        scores[X.indices[X.indptr[u]:X.indptr[u + 1]]] = -np.inf
        rank = int((scores > scores[m]).sum())
        hr10 += rank < 10
        ndcg10 += 1 / np.log2(rank + 2) if rank < 10 else 0
        r100 += rank < 100
        n += 1
    results.append((hr10 / n, ndcg10 / n, r100 / n))
    print(f"seed {seed}: HR@10 {hr10 / n:.4f} NDCG@10 {ndcg10 / n:.4f} Recall@100 {r100 / n:.4f}", flush=True)
r = np.array(results)
print(f"LightFM WARP max_sampled={max_sampled}, {n_seeds} seeds: HR@10 {r[:, 0].mean():.4f} ± {r[:, 0].std(ddof=1):.4f}, "
      f"NDCG@10 {r[:, 1].mean():.4f} ± {r[:, 1].std(ddof=1):.4f}, Recall@100 {r[:, 2].mean():.4f} ± {r[:, 2].std(ddof=1):.4f}")
