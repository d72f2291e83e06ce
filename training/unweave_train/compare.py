"""Compare two evaluations (eval.json of evaluate.py) mixture by mixture.

    /usr/bin/python3 -m unweave_train.compare runs/eval-A/eval.json runs/eval-B/eval.json

Both evaluations score the same test mixtures, so the difference B - A is taken per mixture and
its mean is given with its standard error (sample standard deviation / sqrt(n)). A difference of
two split means smaller than about twice that error is within the spread between mixtures.
"""

from __future__ import annotations

import argparse
import json
from typing import Optional

import numpy as np


def _by_id(ev: dict, metric: str, which: str) -> dict:
    """{split: {mixture id: value}} of rows that hold `which` (e.g. 'model')."""
    out: dict = {}
    for res in ev["results"]:
        out[res["split"]] = {r["id"]: r[which][metric] for r in res["rows"] if which in r}
    return out


def paired(a: dict, b: dict, metric: str = "sisdri", which: str = "model") -> list[dict]:
    """Per split present in both: n, mean of A and B, mean and standard error of B - A over the
    mixtures both scored, and how many mixtures improved. Splits keep A's order."""
    A, B = _by_id(a, metric, which), _by_id(b, metric, which)
    rows = []
    for split, va in A.items():
        vb = B.get(split)
        if not vb:
            continue
        ids = [i for i in va if i in vb]
        if not ids:
            continue
        x = np.array([va[i] for i in ids], dtype=np.float64)
        y = np.array([vb[i] for i in ids], dtype=np.float64)
        d = y - x
        se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
        rows.append({"split": split, "n": len(ids), "a": float(x.mean()), "b": float(y.mean()),
                     "diff": float(d.mean()), "se": se, "better": int((d > 0).sum())})
    return rows


def table(rows: list[dict], label_a: str = "A", label_b: str = "B") -> str:
    out = [f"| split | n | {label_a} | {label_b} | change | std. error | mixtures better |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['split']} | {r['n']} | {r['a']:.2f} | {r['b']:.2f} | {r['diff']:+.2f} | "
                   f"{r['se']:.2f} | {r['better']} of {r['n']} |")
    if rows:
        mean = float(np.mean([r["diff"] for r in rows]))
        out.append(f"| mean over splits | | | | {mean:+.2f} | | |")
    return "\n".join(out)


def main(argv: Optional[list] = None) -> None:
    p = argparse.ArgumentParser(description="Paired comparison of two eval.json files")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--metric", default="sisdri", help="sisdri (default) or sdri")
    p.add_argument("--which", default="model", help="model (soft masks, default) or model_hard")
    args = p.parse_args(argv)
    with open(args.a) as f:
        a = json.load(f)
    with open(args.b) as f:
        b = json.load(f)
    rows = paired(a, b, args.metric, args.which)
    if not rows:
        raise SystemExit("no split with mixtures scored in both evaluations")
    print(table(rows, a.get("checkpoint") or args.a, b.get("checkpoint") or args.b))


if __name__ == "__main__":
    main()
