"""Training-step throughput of a recipe's network on this machine: frames per second of forward +
backward + Adam on random features, for each thread setting asked for.

/usr/bin/python3 -m unweave_train.bench_step --recipe recipes/dc_v1/config.json \
    --settings 1:1 2:1 2:default --steps 20

A setting is TORCH_THREADS:OPENBLAS_THREADS ('default' = OpenBLAS's own choice). Each setting
runs in a fresh process, because OpenBLAS reads OPENBLAS_NUM_THREADS only when it loads, with
the trainer's glibc heap settings (`heap.HEAP_ENV`); `--glibc-heap` also measures each setting
with glibc's defaults. The batch is the recipe's last curriculum stage (chunk frames x batch
size), or `--batch`. Run it on an idle machine: the numbers are only comparable with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from .heap import HEAP_ENV, kept_heap_env


def measure(recipe_path: str, steps: int, warmup: int = 3, batch: int | None = None) -> dict:
    """Frames per second of `steps` training steps of the recipe's network (this process)."""
    import torch

    from .config import ModelConfig, TrainConfig, load_json
    from .losses import dpcl_loss
    from .models import DeepClusteringNet

    recipe = load_json(recipe_path)
    mcfg = ModelConfig.from_dict(recipe.get("model", {}))
    tcfg = TrainConfig.from_dict(recipe.get("train", {}))
    stage = tcfg.curriculum[-1]
    frames = int(stage[0])
    batch = batch or (int(stage[2]) if len(stage) > 2 else tcfg.batch_size)
    torch.manual_seed(0)
    model = DeepClusteringNet(mcfg).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    feats = torch.randn(batch, frames, mcfg.bins)
    labels = torch.nn.functional.one_hot(torch.randint(0, 3, (batch, frames, mcfg.bins)), 4).float()
    weights = torch.ones(batch, frames, mcfg.bins)
    t0 = 0.0
    for i in range(warmup + steps):
        if i == warmup:
            t0 = time.perf_counter()
        loss = dpcl_loss(model(feats), labels, weights)
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = time.perf_counter() - t0
    return {"torch_threads": torch.get_num_threads(), "frames": frames, "batch": batch,
            "seconds_per_step": round(dt / steps, 4),
            "frames_per_s": round(steps * frames * batch / dt, 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Training-step throughput per thread setting")
    p.add_argument("--recipe", required=True)
    p.add_argument("--settings", nargs="+", default=["1:1", "2:1", "2:default"])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=None, help="chunks per step (default: the recipe's)")
    p.add_argument("--glibc-heap", action="store_true",
                   help="also measure each setting with glibc's default heap settings")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        import torch

        torch.set_num_threads(int(os.environ["UNWEAVE_TORCH_THREADS"]))
        print(json.dumps(measure(args.recipe, args.steps, batch=args.batch)))
        return 0
    for setting in args.settings:
        tt, ob = setting.split(":")
        for heap in (["kept", "glibc"] if args.glibc_heap else ["kept"]):
            env = dict(os.environ, UNWEAVE_TORCH_THREADS=tt, OMP_WAIT_POLICY="PASSIVE")
            env = kept_heap_env(env) if heap == "kept" else {
                k: v for k, v in env.items() if k not in HEAP_ENV}
            env.pop("OPENBLAS_NUM_THREADS", None)
            if ob != "default":
                env["OPENBLAS_NUM_THREADS"] = ob
            cmd = [sys.executable, "-m", "unweave_train.bench_step", "--recipe", args.recipe,
                   "--steps", str(args.steps), "--child"]
            if args.batch:
                cmd += ["--batch", str(args.batch)]
            r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            res = json.loads(r.stdout.strip().splitlines()[-1])
            print(f"torch {tt} / OpenBLAS {ob} / heap {heap}: {res['frames_per_s']} frames/s "
                  f"({res['seconds_per_step']} s per step of {res['batch']} x {res['frames']})",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
