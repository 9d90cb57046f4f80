"""Writes q/k/v arrays as PyTorch users save them, and PyTorch's attention over them.

Usage: python3 torch_reference.py OUT_DIR

OUT_DIR/npy/          DOC.q.npy, DOC.k.npy, DOC.v.npy in several layouts (see below)
OUT_DIR/safetensors/  two .safetensors files written from the format's specification (Debian has
                      no safetensors package): F32/F16/BF16/F64 tensors converted by torch itself
OUT_DIR/ref/MODE/     DOC.npy: float64, n x (H*dv), head-major: scaled dot-product attention by
                      torch for MODE = dense | causal | window (|i - j| <= WINDOW, a boolean mask)

The references are computed in float64 from the values the files hold (float32, or the rounded
float16/bfloat16 values), so any difference is the Java side's.
"""

import json
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

H, D, DV, WINDOW = 3, 8, 5, 16


def sdpa(q, k, v, mask=None, causal=False):
    """torch's scaled dot-product attention on (H, n, d) float64 tensors."""
    if hasattr(F, "scaled_dot_product_attention"):  # torch >= 2.0
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
    return F._scaled_dot_product_attention(q, k, v, mask, 0.0, False, causal)[0]  # torch 1.13


def references(out, stem, q, k, v):
    """q, k: (n, H, D), v: (n, H, DV) float64 tensors -> OUT/ref/MODE/STEM.npy."""
    n = q.shape[0]
    qh, kh, vh = (t.permute(1, 0, 2).contiguous() for t in (q, k, v))
    i = torch.arange(n)
    window = (i[:, None] - i[None, :]).abs() <= WINDOW
    for mode, o in (
        ("dense", sdpa(qh, kh, vh)),
        ("causal", sdpa(qh, kh, vh, causal=True)),
        ("window", sdpa(qh, kh, vh, mask=window)),
    ):
        os.makedirs(os.path.join(out, "ref", mode), exist_ok=True)
        flat = o.permute(1, 0, 2).reshape(n, H * DV).numpy()
        np.save(os.path.join(out, "ref", mode, stem + ".npy"), flat)


def random_doc(gen, n):
    """float32-representable q, k (n, H, D) and v (n, H, DV), as float32 tensors."""
    q = torch.randn(n, H, D, generator=gen)
    k = torch.randn(n, H, D, generator=gen)
    v = torch.randn(n, H, DV, generator=gen)
    return q, k, v


def write_safetensors(path, tensors):
    """The safetensors format: u64 LE header length, JSON header, little-endian C-order data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (dtype, t) in tensors.items():
        raw = t.contiguous().view(torch.int16).numpy().tobytes() if dtype in ("F16", "BF16") else (
            t.contiguous().numpy().astype("<f8" if dtype == "F64" else "<f4").tobytes())
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)  # as safetensors pads: data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main(out):
    gen = torch.Generator().manual_seed(20240611)
    npy = os.path.join(out, "npy")
    os.makedirs(npy, exist_ok=True)

    # "one": a single token, n x H x d float32 (what a hook's output[0].view(n, H, d) saves).
    q, k, v = random_doc(gen, 1)
    for name, t in (("q", q), ("k", k), ("v", v)):
        np.save(os.path.join(npy, "one.%s.npy" % name), t.numpy())
    references(out, "one", q.double(), k.double(), v.double())

    # "mid": 37 tokens; q n x (H*d) float64 big-endian, k n x H x d Fortran order, v n x (H*dv).
    q, k, v = random_doc(gen, 37)
    np.save(os.path.join(npy, "mid.q.npy"), q.double().reshape(37, H * D).numpy().astype(">f8"))
    np.save(os.path.join(npy, "mid.k.npy"), np.asfortranarray(k.numpy()))
    np.save(os.path.join(npy, "mid.v.npy"), v.reshape(37, H * DV).numpy())
    references(out, "mid", q.double(), k.double(), v.double())

    # "long doc/x": 300 tokens under an id that needs escaping in a file name (%2F is "/").
    q, k, v = random_doc(gen, 300)
    for name, t in (("q", q), ("k", k), ("v", v)):
        np.save(os.path.join(npy, "long%20doc%2Fx." + name + ".npy"), t.numpy())
    references(out, "long%20doc%2Fx", q.double(), k.double(), v.double())

    # safetensors: "st-a" and "st-b" in one file (tensors DOC.q, ...), "st-c" as plain q, k, v.
    st = os.path.join(out, "safetensors")
    os.makedirs(st, exist_ok=True)
    tensors = {}
    for doc, n, (tq, tk, tv) in (
        ("st-a", 45, ("F16", "BF16", "F32")),
        ("st-b", 7, ("BF16", "F64", "F16")),
    ):
        q, k, v = random_doc(gen, n)
        rounded = []
        for name, dtype, t in (("q", tq, q), ("k", tk, k), ("v", tv, v)):
            cast = {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32,
                    "F64": torch.float64}[dtype]
            tc = t.to(cast)
            tensors["%s.%s" % (doc, name)] = (dtype, tc)
            rounded.append(tc.double())
        references(out, doc, *rounded)
    write_safetensors(os.path.join(st, "pair.safetensors"), tensors)
    q, k, v = random_doc(gen, 64)
    write_safetensors(os.path.join(st, "st-c.safetensors"),
                      {"q": ("F32", q), "k": ("F32", k), "v": ("F64", v.double())})
    references(out, "st-c", q.double(), k.double(), v.double())


if __name__ == "__main__":
    main(sys.argv[1])
