#!/usr/bin/python3
"""PyTorch CPU peer of `longattn bench`: times the same workloads the way a PyTorch user would
write them (fp32, gathered key blocks + softmax, chunked exact dense, chunked linear attention),
1 head, standard-normal q, k, v. Prints one JSON object on stdout.

Run it as `bench --compare torch` does (OpenBLAS told the CPU kind, threads pinned):
    OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=2 /usr/bin/python3 bin/peer-torch.py \
        --pattern bigbird --tokens 1048576 --head-dim 64 --block_size 64 --random_blocks 3
Needs Debian's python3-torch (and libopenblas0-pthread)."""
import argparse
import json
import math
import random
import statistics
import sys
import time

import torch

CHUNK_TOKENS = 16384  # query rows per step of the chunked loops (bounds the gathered keys)


def bigbird_blocks(nb, r, seed, causal):
    """Key blocks per query block: the global first and last, the window (1..nb-2), r random
    others (earlier ones when causal). Rows are padded with block 0 where fewer exist (a few edge
    blocks: the timing peer does not mask them)."""
    rng = random.Random(seed)
    width = 3 + r + 2
    idx = torch.empty(nb, width, dtype=torch.long)
    for qb in range(nb):
        window = [x for x in (qb - 1, qb, qb + 1) if 1 <= x <= nb - 2 and (not causal or x <= qb)]
        top = qb if causal else nb - 1  # random candidates: 1 .. top-1, outside the window
        cands = [x for x in range(1, top) if x not in window] if top < 4 * r + 8 else None
        if cands is not None:
            rnd = rng.sample(cands, min(r, len(cands)))
        else:
            rnd = set()
            while len(rnd) < r:
                x = rng.randrange(1, top)
                if x not in window:
                    rnd.add(x)
            rnd = sorted(rnd)
        blocks = [0] + window + list(rnd) + ([nb - 1] if nb > 1 else [])
        blocks += [0] * (width - len(blocks))
        idx[qb] = torch.tensor(blocks[:width])
    return idx


def run_bigbird(q, k, v, a):
    n, d = q.shape
    b = a.block_size
    nb = n // b
    idx = bigbird_blocks(nb, a.random_blocks, 1, a.causal)
    scale = 1.0 / math.sqrt(d)
    kb = k.view(nb, b, d)
    vb = v.view(nb, b, d)
    out = torch.empty_like(q)
    step = max(1, CHUNK_TOKENS // b)

    def timed():
        for lo in range(0, nb, step):
            hi = min(nb, lo + step)
            sel = idx[lo:hi]
            keys = kb[sel].reshape(hi - lo, -1, d)  # gathered key blocks
            vals = vb[sel].reshape(hi - lo, -1, d)
            s = torch.bmm(q[lo * b : hi * b].view(hi - lo, b, d) * scale, keys.transpose(1, 2))
            p = torch.softmax(s, dim=-1)
            out[lo * b : hi * b] = torch.bmm(p, vals).view(-1, d)
        g = torch.cat([q[:b], q[(nb - 1) * b :]])  # global rows read every key
        s = (g * scale) @ k.T
        out[:b] = (torch.softmax(s, dim=-1) @ v)[:b]

    flops = 4.0 * d * (nb * b * idx.shape[1] * b + 2 * b * n)
    return timed, flops


def run_longformer(q, k, v, a):
    """Sliding window |i - j| <= w (causal: 0 <= i - j <= w), by query blocks against the key
    slice that covers their window, masked, one softmax."""
    n, d = q.shape
    b = a.block_size
    w = a.window
    scale = 1.0 / math.sqrt(d)
    out = torch.empty_like(q)
    step = max(b, (CHUNK_TOKENS // b) * b)

    def timed():
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            # block-wise: each query block against keys [start - w, end + w]
            nbk = (hi - lo) // b
            klo = torch.arange(nbk) * b + lo - w
            span = b + 2 * w
            pos = klo[:, None] + torch.arange(span)[None, :]
            valid = (pos >= 0) & (pos < n)
            posc = pos.clamp(0, n - 1)
            keys = k[posc]  # (nbk, span, d) gathered window
            vals = v[posc]
            qs = q[lo:hi].view(nbk, b, d) * scale
            s = torch.bmm(qs, keys.transpose(1, 2))
            qi = (torch.arange(nbk) * b + lo)[:, None, None] + torch.arange(b)[None, :, None]
            dist = qi - pos[:, None, :]
            mask = valid[:, None, :] & (dist.abs() <= w)
            if a.causal:
                mask &= dist >= 0
            s = s.masked_fill(~mask, float("-inf"))
            out[lo:hi] = torch.bmm(torch.softmax(s, dim=-1), vals).view(-1, d)

    return timed, 4.0 * d * n * (b + 2 * w)


def run_dense(q, k, v, a):
    """Exact attention in query chunks: S = Q_c Kᵀ, softmax, P V."""
    n, d = q.shape
    scale = 1.0 / math.sqrt(d)
    out = torch.empty_like(q)
    step = 1024

    def timed():
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            s = (q[lo:hi] * scale) @ k.T
            if a.causal:
                s = s.masked_fill(
                    torch.arange(n)[None, :] > torch.arange(lo, hi)[:, None], float("-inf")
                )
            out[lo:hi] = torch.softmax(s, dim=-1) @ v

    return timed, 4.0 * n * n * d * (0.5 if a.causal else 1)


def run_linear(q, k, v, a):
    """Linear attention with φ = elu + 1: non-causal φ(Q)(φ(K)ᵀV) / φ(Q)Σφ(K); causal in chunks
    of block_size tokens (intra-chunk masked product + the running state)."""
    n, d = q.shape
    c = a.block_size

    def timed():
        fq = torch.nn.functional.elu(q) + 1
        fk = torch.nn.functional.elu(k) + 1
        if not a.causal:
            s = fk.T @ v
            z = fk.sum(0)
            return (fq @ s) / (fq @ z)[:, None]
        out = torch.empty_like(q)
        s = torch.zeros(d, d)
        z = torch.zeros(d)
        tri = torch.tril(torch.ones(c, c))
        for lo in range(0, n, c):
            hi = min(n, lo + c)
            qc, kc, vc = fq[lo:hi], fk[lo:hi], v[lo:hi]
            att = (qc @ kc.T) * tri[: hi - lo, : hi - lo]
            num = qc @ s + att @ vc
            den = qc @ z + att.sum(1)
            out[lo:hi] = num / den[:, None]
            s = s + kc.T @ vc
            z = z + kc.sum(0)
        return out

    return timed, (6.0 if a.causal else 4.0) * n * d * d


RUNS = {"bigbird": run_bigbird, "longformer": run_longformer, "dense": run_dense,
        "linear": run_linear}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pattern", required=True, choices=sorted(RUNS))
    ap.add_argument("--tokens", type=int, default=1 << 20)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--block_size", type=int, default=64)
    ap.add_argument("--random_blocks", type=int, default=3)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--causal", type=lambda s: s.lower() == "true", default=False)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    a, _ = ap.parse_known_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n, d = a.tokens, a.head_dim
    q, k, v = torch.randn(n, d), torch.randn(n, d), torch.randn(n, d)
    timed, flops = RUNS[a.pattern](q, k, v, a)
    warm, runs = [], []
    for i in range(a.warmup + a.repeat):
        t0 = time.perf_counter()
        with torch.no_grad():
            timed()
        (warm if i < a.warmup else runs).append(time.perf_counter() - t0)
    med = statistics.median(runs)
    print(json.dumps({
        "peer": "torch " + torch.__version__, "threads": torch.get_num_threads(),
        "pattern": a.pattern, "tokens": n, "head_dim": d, "causal": a.causal,
        "warmup_s": warm, "runs_s": runs, "min_s": min(runs), "median_s": med,
        "spread": (max(runs) - min(runs)) / med, "gflops": flops / med / 1e9}))


if __name__ == "__main__":
    sys.exit(main())
