"""Training loop with automatic resume.

/usr/bin/python3 -m unweave_train.train --recipe recipes/dc_blstm/config.json --run-dir runs/dc_blstm

Resumes from <run-dir>/last.pt when it exists (model, optimiser, step, learning rate, best
validation loss); the data stream is a function of (seed, step), so a resumed run sees the same
batches it would have seen. Checkpoints every `checkpoint_minutes` (atomic rename) and on
SIGTERM/SIGINT; `best.pt` keeps the weights with the lowest validation loss, `candidate.pt` (fp16)
those with the best validation score (`val_scores.mean_frac`), the ship rule's candidate.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import signal
import sys
import time
from typing import Optional

# OpenMP threads that spin while waiting waste most of their CPU when the machine is shared
# (measured: 2 spinning threads used 7.6x the CPU of 1 thread for the same step); passive
# waiting keeps 2 threads as cheap as 1. Must be set before torch starts its thread pool.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
if __name__ == "__main__":
    # Before torch loads: the command line runs with glibc settings that keep the heap (heap.py).
    from .heap import reexec_with_kept_heap

    reexec_with_kept_heap("unweave_train.train")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import dsp
from .config import ModelConfig, TrainConfig, load_json
from .data import corpus
from .data import render as render_mod
from .data.chain import add_drive, add_room, random_chain_gains
from .data.mixtures import MixtureSampler, batch_sources
from .data.speech import stream_metadata
from .evaluate import evaluate_split, summarise
from .losses import (cluster_mask_loss, dominant_source_labels, dpcl_loss, kmeans_mask_loss,
                     magnitude_weights, silence_weights)
from .models import DeepClusteringNet, count_parameters, read_checkpoint


def chunk_for_step(cfg: TrainConfig, step: int) -> tuple[int, int]:
    """(chunk_frames, batch_size) of the curriculum stage that `step` is in."""
    acc = 0
    for stage in cfg.curriculum:
        frames, steps = int(stage[0]), int(stage[1])
        batch = int(stage[2]) if len(stage) > 2 else cfg.batch_size
        acc += steps
        if step < acc:
            return frames, batch
    stage = cfg.curriculum[-1]
    return int(stage[0]), int(stage[2]) if len(stage) > 2 else cfg.batch_size


def lr_factor(tcfg: TrainConfig, state: dict, step: int) -> float:
    """Multiplier of the (plateau-halved) learning rate at `step`: warm-up x linear decay."""
    f = 1.0
    w0 = state.get("warmup_from")
    if w0 is not None and tcfg.warmup_steps > 0:
        f *= min(1.0, (step - w0 + 1) / tcfg.warmup_steps)
    if tcfg.lr_decay:
        a, b, final = float(tcfg.lr_decay[0]), float(tcfg.lr_decay[1]), float(tcfg.lr_decay[2])
        t = min(1.0, max(0.0, (step - a) / max(1.0, b - a)))
        f *= 1.0 + (final - 1.0) * t
    return f


def random_eq(rng: np.random.Generator, bins: int, sr: int, max_db: float) -> np.ndarray:
    """A smooth random equaliser curve: linear gains [bins]. A tilt of up to +-max_db/4 per
    octave about 1 kHz plus three bells (0.5-2 octaves wide, +-max_db) at random log-spaced
    centres between 80 Hz and 0.9 x Nyquist; the total is clipped to +-2 max_db."""
    f = np.maximum(np.arange(bins) * (sr / 2) / (bins - 1), 20.0)
    octs = np.log2(f / 1000.0)
    g = rng.uniform(-max_db / 4, max_db / 4) * octs
    for _ in range(3):
        c = rng.uniform(np.log2(80 / 1000), np.log2(0.45 * sr / 1000))
        width = rng.uniform(0.5, 2.0)
        g += rng.uniform(-max_db, max_db) * np.exp(-0.5 * ((octs - c) / (width / 2)) ** 2)
    return (10 ** (np.clip(g, -2 * max_db, 2 * max_db) / 20)).astype(np.float32)


def batch_tensors(sources: np.ndarray, mcfg: ModelConfig, weighting: str,
                  eq_rng: np.random.Generator | None = None, eq_prob: float = 0.0,
                  eq_db: float = 6.0, with_stfts: bool = False, chain_prob: float = 0.0):
    """features [B,T,F], labels Y [B,T,F,C], weights w [B,T,F] from sources [B,C,n]; with_stfts
    adds the (equalised) source STFTs [B,C,T,F] and the activity mask [B,T,F] (cluster_mask_loss).

    With eq_rng, each source is equalised with probability eq_prob by a random_eq curve applied
    to its STFT; the mixture is the sum of the (equalised) source STFTs, so labels, weights and
    features stay consistent. With chain_prob, each example (after the equalisers) passes with
    that probability through one random recording chain (data.chain), the same for all of its
    sources."""
    s = torch.from_numpy(sources)
    Xs = dsp.stft(s, mcfg.n_fft, mcfg.hop)  # [B,C,T,F] complex
    if eq_rng is not None and eq_prob > 0:
        B, C = sources.shape[:2]
        gains = np.ones((B, C, 1, mcfg.bins), dtype=np.float32)
        for b in range(B):
            for c in range(C):
                if eq_rng.random() < eq_prob:
                    gains[b, c, 0] = random_eq(eq_rng, mcfg.bins, mcfg.sample_rate, eq_db)
        Xs = Xs * torch.from_numpy(gains)
    if eq_rng is not None and chain_prob > 0:
        B = sources.shape[0]
        gains = np.ones((B, 1, 1, mcfg.bins), dtype=np.float32)
        for b in range(B):
            if eq_rng.random() < chain_prob:
                gains[b, 0, 0] = random_chain_gains(eq_rng, mcfg.bins, mcfg.sample_rate)
        Xs = Xs * torch.from_numpy(gains)
    X = Xs.sum(dim=1)
    mag = X.abs()
    feats = torch.log(mag + mcfg.eps)
    S = Xs.abs()  # [B,C,T,F]
    Y = dominant_source_labels(S)
    if weighting == "magnitude":
        w = magnitude_weights(mag, mcfg.silence_db)
    else:
        w = silence_weights(mag, mcfg.silence_db)
    if with_stfts:
        active = w if weighting != "magnitude" else silence_weights(mag, mcfg.silence_db)
        return feats, Y, w, Xs, active
    return feats, Y, w


def objective(model, batch, tcfg: TrainConfig, seed: int = 0,
              kinds: Optional[list] = None) -> tuple[torch.Tensor, dict]:
    """The training loss of one batch (from batch_tensors) and its parts; `seed` seeds the
    k-means of the 'kmeans' mask loss; with `kinds` (the examples' kinds) and
    tcfg.mask_loss_kinds, the mask loss covers only the examples of those kinds. The batch is
    moved to the model's device."""
    dev = model.feat_mean.device
    batch = [t.to(dev, non_blocking=True) for t in batch]
    V = model(batch[0])
    dc = dpcl_loss(V, batch[1], batch[2])
    if tcfg.mask_loss_weight <= 0:
        return dc, {"dc": float(dc)}
    Vm, Xs, active = V, batch[3], batch[4]
    if kinds is not None and tcfg.mask_loss_kinds is not None:
        sel = [i for i, k in enumerate(kinds) if k in tcfg.mask_loss_kinds]
        if not sel:
            return dc, {"dc": float(dc), "mask": 0.0}
        Vm, Xs, active = V[sel], Xs[sel], active[sel]
    if tcfg.mask_centroids == "kmeans":
        ml = kmeans_mask_loss(Vm, Xs, active, tcfg.mask_beta,
                              torch.Generator().manual_seed(seed))
    elif tcfg.mask_centroids == "oracle":
        ml = cluster_mask_loss(Vm, Xs, active, tcfg.mask_beta)
    else:
        raise ValueError(f"mask_centroids must be 'oracle' or 'kmeans', got {tcfg.mask_centroids!r}")
    return dc + tcfg.mask_loss_weight * ml, {"dc": float(dc), "mask": float(ml)}


def training_batch(sampler: MixtureSampler, tcfg: TrainConfig, mcfg: ModelConfig, step: int):
    """The training batch of `step`, a function of (seed, step) alone: (tensors from
    batch_tensors, the examples' kinds, the seed of the step's objective, chunk frames, batch
    size)."""
    frames, bsz = chunk_for_step(tcfg, step)
    rng = np.random.default_rng([tcfg.seed, step])
    src, counts, kinds = batch_sources(sampler, rng, bsz, samples_for_frames(frames, mcfg.hop),
                                       tcfg.mix_probs, with_kinds=True)
    if tcfg.drive_prob > 0:  # the amplifier before the room it plays in
        src = add_drive(src, counts, kinds, rng, mcfg.sample_rate, tcfg.drive_prob)
    if tcfg.room_prob > 0:
        src = add_room(src, counts, rng, mcfg.sample_rate, tcfg.room_prob)
    batch = batch_tensors(src, mcfg, tcfg.weighting, rng, tcfg.eq_prob, tcfg.eq_db,
                          with_stfts=tcfg.mask_loss_weight > 0, chain_prob=tcfg.chain_prob)
    return batch, kinds, int(rng.integers(2**31)), frames, bsz


class StepBatches(torch.utils.data.Dataset):
    """training_batch by step number, for a DataLoader whose worker processes prepare the next
    steps' batches while the model trains (`workers` > 0: a GPU's trainer outruns one core's
    data preparation). The batches are those of the single-process loop, step for step."""

    def __init__(self, sampler: MixtureSampler, tcfg: TrainConfig, mcfg: ModelConfig):
        self.sampler, self.tcfg, self.mcfg = sampler, tcfg, mcfg

    def __len__(self) -> int:
        return self.tcfg.max_steps

    def __getitem__(self, step: int):
        return training_batch(self.sampler, self.tcfg, self.mcfg, int(step))


def _one_thread_worker(_worker_id: int) -> None:
    torch.set_num_threads(1)


def step_batches(sampler: MixtureSampler, tcfg: TrainConfig, mcfg: ModelConfig, first: int):
    """Iterator over training_batch(step) for step = first, first + 1, ...: computed here when
    tcfg.workers is 0, else by that many worker processes, a few steps ahead."""
    if tcfg.workers <= 0:
        return (training_batch(sampler, tcfg, mcfg, s) for s in range(first, tcfg.max_steps))
    loader = torch.utils.data.DataLoader(
        StepBatches(sampler, tcfg, mcfg), batch_size=None, sampler=range(first, tcfg.max_steps),
        num_workers=tcfg.workers, prefetch_factor=4, persistent_workers=True,
        worker_init_fn=_one_thread_worker, pin_memory=tcfg.device.startswith("cuda"))
    return iter(loader)


def samples_for_frames(frames: int, hop: int) -> int:
    """Signal length whose centred STFT has exactly `frames` frames."""
    return (frames - 1) * hop


def compute_normalisation(sampler, tcfg: TrainConfig, mcfg: ModelConfig, batches: int = 8):
    """Global per-bin mean and std of the features over a few seeded training batches."""
    rng = np.random.default_rng([tcfg.seed, 999999])
    n = samples_for_frames(400, mcfg.hop)
    acc, acc2, cnt = 0.0, 0.0, 0
    for _ in range(batches):
        src, _ = batch_sources(sampler, rng, 8, n, tcfg.mix_probs)
        feats, _, _ = batch_tensors(src, mcfg, tcfg.weighting)
        f = feats.reshape(-1, mcfg.bins).double()
        acc = acc + f.sum(0)
        acc2 = acc2 + (f * f).sum(0)
        cnt += f.shape[0]
    mean = acc / cnt
    std = torch.sqrt(acc2 / cnt - mean * mean)
    return mean.float(), std.float()


# Frames per step of 0.2.0's curriculum (100-frame chunks x 16, then 400 x 4): the frames seen
# by a checkpoint saved before checkpoints recorded "frames_seen".
LEGACY_FRAMES_PER_STEP = 1600


def frames_seen_of(ck: dict) -> int:
    """Training frames a checkpoint's weights have seen (recorded, or from its step count)."""
    if "frames_seen" in ck:
        return int(ck["frames_seen"])
    return int(ck.get("step", 0)) * LEGACY_FRAMES_PER_STEP


def validation_scores(model, valsets: str, limit: int) -> dict:
    """{split: {"sisdri": model SI-SDRi, "ibm": IBM SI-SDRi, "frac": their ratio}} on the first
    `limit` mixtures of each validation split in `valsets` (soft masks, k = the true count),
    plus "mean_frac" over the splits. Empty when there are no validation splits."""
    if not os.path.isdir(valsets):
        return {}
    out = {}
    for name in sorted(os.listdir(valsets)):
        d = os.path.join(valsets, name)
        if not os.path.exists(os.path.join(d, "manifest.json")):
            continue
        sm = summarise(evaluate_split(model, d, model.cfg, with_sdr=False, limit=limit))
        out[name] = {"sisdri": round(sm["sisdri_model"], 3), "ibm": round(sm["sisdri_ibm"], 3),
                     "frac": round(sm.get("fraction_of_ibm", float("nan")), 4)}
    if out:
        out["mean_frac"] = round(float(np.mean([v["frac"] for v in out.values()])), 4)
    return out


def save_atomic(obj, path: str) -> None:
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def weights_only(model: DeepClusteringNet, step: int, chunk: int, train_seconds: float,
                 info: dict, half: bool = False, frames_seen: Optional[int] = None) -> dict:
    """A small checkpoint: weights, config, step, frames seen (enough to export or to resume
    from)."""
    sd = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    if half:
        sd = {k: (v.half() if v.is_floating_point() and not k.startswith("feat_") else v)
              for k, v in sd.items()}
    out = {"model": sd, "model_config": model.cfg.to_dict(), "step": step, "chunk_frames": chunk,
           "train_seconds": train_seconds, "info": info, "weights_only": True}
    if frames_seen is not None:
        out["frames_seen"] = int(frames_seen)
    return out


def load_weights(model: DeepClusteringNet, ck: dict) -> None:
    sd = {k: v.float() if v.is_floating_point() else v for k, v in ck["model"].items()}
    model.load_state_dict(sd)


def validation_set(sampler, tcfg: TrainConfig, mcfg: ModelConfig, frames: int = 400):
    """Fixed validation batches (seeded), precomputed once."""
    rng = np.random.default_rng([tcfg.seed, 424242])
    n = samples_for_frames(frames, mcfg.hop)
    out = []
    for _ in range(tcfg.val_batches):
        src, _ = batch_sources(sampler, rng, 4, n, tcfg.val_mix_probs or tcfg.mix_probs)
        out.append(batch_tensors(src, mcfg, tcfg.weighting, with_stfts=tcfg.mask_loss_weight > 0))
    return out


def evaluate_parts(model, batches, tcfg: TrainConfig) -> dict:
    """Mean training objective over the validation batches and its parts: {'loss', 'dc'[, 'mask']}
    (the deep-clustering loss alone unless tcfg turns the mask loss on)."""
    model.eval()
    acc: dict = {}
    with torch.no_grad():
        for batch in batches:
            loss, parts = objective(model, batch, tcfg)
            for key, v in {"loss": float(loss), **parts}.items():
                acc[key] = acc.get(key, 0.0) + v
    model.train()
    return {key: v / max(1, len(batches)) for key, v in acc.items()}


def training_sources(cache: str, mix_probs: dict, music_banks=("fluidr3",),
                     trio_banks=("fluidr3",)) -> list[str]:
    """Human-readable list of the training material (for the metadata and the card), read from
    what the cache holds: the training renders of each bank and the training talkers by package."""
    out = []
    for bank in dict.fromkeys(tuple(music_banks) + tuple(trio_banks)):
        modes = [m for m, banks in (("orig", music_banks), ("trio", trio_banks)) if bank in banks]
        counts = {m: len(render_mod.load_rendered(cache, bank, m, "train")) for m in modes}
        what = ", ".join(f"{n} pieces as {'written' if m == 'orig' else 'piano/violin/cello'}"
                         for m, n in counts.items())
        if bank == "modules":
            out.append(f"tracker modules rendered channel by channel with xmp: {what}")
        else:
            path = corpus.BANKS.get(bank, bank)
            out.append(f"FluidSynth renders with {os.path.basename(path)}: {what} "
                       f"(MIDI of {', '.join(corpus.MIDI_PACKAGES)}, split by piece)")
    packages: dict[str, int] = {}
    for meta in stream_metadata(cache):
        if meta["split"] == "train" and meta.get("kind", "real") == "real":
            pkg = meta.get("package") or corpus.speech_package(meta["speaker"])
            packages[pkg] = packages.get(pkg, 0) + 1
    if packages:
        out.append(f"speech: {sum(packages.values())} real training voices from "
                   + ", ".join(f"{p} ({n})" for p, n in sorted(packages.items())))
    return out + (lead_sources(cache) if mix_probs.get("lead", 0) > 0 else []) + \
        extra_speaker_sources(cache)


def lead_sources(cache: str) -> list[str]:
    """A line for the lead-guitar-vs-band renders, when the cache has them."""
    n = sum(len(render_mod.load_rendered(cache, b, "lead", "train")) for b in ("fluidr3", "musescore"))
    if not n:
        return []
    return [f"lead guitar vs band: {n} train pieces re-rendered with FluidR3_GM.sf2, one melodic "
            "channel as a guitar (GM 25/27/29/30) against the sum of the other channels"]


def extra_speaker_sources(cache: str) -> list[str]:
    """A line for the extra training speakers of data.extra_speakers, when the cache has them."""
    kinds = {}
    for meta in stream_metadata(cache):
        k = meta.get("kind")
        if k:
            kinds[k] = kinds.get(k, 0) + 1
    if not kinds:
        return []
    return [f"extra training speakers: {kinds.get('speed', 0)} speed-perturbed copies (x0.89, "
            f"x1.12) of real training voices, {kinds.get('espeak', 0)} espeak-ng voices reading "
            "tuxpaint-stamps-default descriptions (data.extra_speakers)"]


class Stopper:
    def __init__(self):
        self.stop = False
        signal.signal(signal.SIGTERM, self._h)
        signal.signal(signal.SIGINT, self._h)

    def _h(self, *_):
        self.stop = True


def best_logged_score(log_path: str, upto_step: int) -> float | None:
    """The best `val_scores.mean_frac` a run's log.jsonl holds at or before `upto_step` (None when
    it has none, or there is no log). Lines that are not records (a cut-off write) are skipped."""
    if not os.path.exists(log_path):
        return None
    best = None
    with open(log_path) as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            score = rec.get("val_scores", {}).get("mean_frac") if isinstance(rec, dict) else None
            if isinstance(score, (int, float)) and rec.get("step", math.inf) <= upto_step:
                best = score if best is None else max(best, score)
    return best


def train(recipe: dict, run_dir: str, cache: str, init_from: str | None = None,
          max_steps: int | None = None, log=print, valsets: str | None = None) -> dict:
    mcfg = ModelConfig.from_dict(recipe.get("model", {}))
    tcfg = TrainConfig.from_dict(recipe.get("train", {}))
    if max_steps is not None:
        tcfg.max_steps = max_steps
    torch.set_num_threads(tcfg.threads)
    torch.manual_seed(tcfg.seed)
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "recipe.json"), "w") as f:
        json.dump({"model": mcfg.to_dict(), "train": tcfg.to_dict()}, f, indent=2)

    def make_sampler():
        return MixtureSampler(cache, "train", music_banks=tuple(recipe.get("music_banks", ["fluidr3"])),
                              trio_banks=tuple(recipe.get("trio_banks", ["fluidr3"])))

    sampler = make_sampler()
    val_sampler = MixtureSampler(cache, "val")
    log(f"train material: {sampler.available()}  val: {val_sampler.available()}")

    dev = torch.device(tcfg.device)
    if dev.type != "cpu" and tcfg.mask_loss_weight > 0:
        raise ValueError("the mask losses run on the CPU only: device 'cpu' or mask_loss_weight 0")
    model = DeepClusteringNet(mcfg)
    opt = torch.optim.Adam(model.parameters(), lr=tcfg.lr, weight_decay=tcfg.weight_decay)
    state = {"step": 0, "train_seconds": 0.0, "best_val": float("inf"), "bad_vals": 0,
             "lr": tcfg.lr, "history": [], "frames_seen": 0}
    last = os.path.join(run_dir, "last.pt")
    resumed = os.path.exists(last)
    if resumed:
        ck = read_checkpoint(last)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state.update(ck["state"])
        log(f"resumed from {last} at step {state['step']}")
    elif init_from:
        ck = read_checkpoint(init_from)
        load_weights(model, ck)
        state["step"] = int(ck.get("step", 0))
        state["train_seconds"] = float(ck.get("train_seconds", 0.0))
        state["frames_seen"] = frames_seen_of(ck)
        state["warmup_from"] = state["step"]
        # The run's log came along (run.sh carries the committed one): the candidate stays the
        # best score of the whole run, not the best since this resume.
        best = best_logged_score(os.path.join(run_dir, "log.jsonl"), state["step"])
        if best is not None:
            state["best_score"] = best
        log(f"initialised from weights {init_from} at step {state['step']} (fresh optimiser)"
            + (f"; best validation score so far {best:.4f}" if best is not None else ""))
    else:
        mean, std = compute_normalisation(sampler, tcfg, mcfg)
        model.set_normalisation(mean, std)
        log(f"normalisation: mean {float(mean.mean()):.3f} std {float(std.mean()):.3f}")
    for g in opt.param_groups:
        g["lr"] = state["lr"]
    model.to(dev)
    if dev.type != "cpu":
        # The optimiser's moments follow their parameters (resumed state is loaded on the CPU).
        for st in opt.state.values():
            for key, v in st.items():
                if torch.is_tensor(v) and v.dim() > 0:
                    st[key] = v.to(dev)
    log(f"model: {count_parameters(model)} parameters on {dev}")
    val = validation_set(val_sampler, tcfg, mcfg)
    info = {"sources": training_sources(cache, tcfg.mix_probs, recipe.get("music_banks", ["fluidr3"]),
                                        recipe.get("trio_banks", ["fluidr3"])),
            "recipe": recipe.get("name", "")}
    if init_from and not os.path.exists(last):
        log(json.dumps({"step": state["step"], "val_of_init": evaluate_parts(model, val, tcfg),
                        "time": time.strftime("%H:%M:%S")}))

    def checkpoint(tag: str = "last") -> None:
        chunk, _ = chunk_for_step(tcfg, state["step"])
        save_atomic({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": state,
                     "model_config": mcfg.to_dict(), "step": state["step"], "chunk_frames": chunk,
                     "train_seconds": state["train_seconds"], "info": info,
                     "frames_seen": state["frames_seen"]},
                    os.path.join(run_dir, "last.pt"))

    stopper = Stopper()
    model.train()
    t_last_ck = time.time()
    t_prev = time.time()
    losses = []
    part_sums: dict = {}
    data_seconds = 0.0  # time spent drawing and preparing batches since the last log line
    step_seconds = 0.0
    valsets = valsets or os.path.join(cache, "valsets")
    batches = None  # step_batches from the current step, (re)made when the sampler changes
    logf = open(os.path.join(run_dir, "log.jsonl"), "a+")
    # A write cut off by a killed process leaves a partial last line: end it, so the next record
    # starts a line of its own (readers skip the partial one).
    if logf.tell() > 0:
        logf.seek(logf.tell() - 1)
        if logf.read(1) != "\n":
            logf.write("\n")

    def log_record(rec: dict) -> None:
        logf.write(json.dumps(rec) + "\n")
        logf.flush()
        log(json.dumps(rec))
    if resumed:
        # The records after this one replace those of the same and later steps already in the log
        # (written after the checkpoint it resumed from, by a run that was stopped).
        log_record({"step": state["step"], "resumed": True, "frames_seen": state["frames_seen"],
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S")})
    while state["step"] < tcfg.max_steps and not stopper.stop:
        if state["train_seconds"] > tcfg.max_hours * 3600:
            break
        step = state["step"]
        t_data = time.time()
        if batches is None:
            batches = step_batches(sampler, tcfg, mcfg, step)
        batch, kinds, seed, frames, bsz = next(batches)
        data_seconds += time.time() - t_data
        loss, parts = objective(model, batch, tcfg, seed=seed, kinds=kinds)
        lr_now = state["lr"] * lr_factor(tcfg, state, step)
        for g in opt.param_groups:
            g["lr"] = lr_now
        opt.zero_grad()
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), tcfg.grad_clip)
        if torch.isfinite(loss) and torch.isfinite(gn):
            opt.step()
        now = time.time()
        state["train_seconds"] += now - t_prev
        step_seconds += now - t_prev
        t_prev = now
        state["step"] = step + 1
        state["frames_seen"] = state.get("frames_seen", 0) + frames * bsz
        losses.append(float(loss))
        for key, v in parts.items():
            part_sums[key] = part_sums.get(key, 0.0) + v
        if state["step"] % 20 == 0:
            rec = {"step": state["step"], "loss": float(np.mean(losses)), "frames": frames,
                   "frames_seen": state["frames_seen"], "lr": round(lr_now, 8),
                   "hours": round(state["train_seconds"] / 3600, 4),
                   "frames_per_s": round(len(losses) * frames * bsz / max(step_seconds, 1e-9), 1),
                   "data_share": round(data_seconds / max(step_seconds, 1e-9), 3),
                   "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
            if len(part_sums) > 1:
                rec.update({key: round(v / len(losses), 5) for key, v in part_sums.items()})
            log_record(rec)
            losses = []
            part_sums = {}
            data_seconds = step_seconds = 0.0
        if state["step"] % tcfg.val_every == 0:
            vp = evaluate_parts(model, val, tcfg)
            v = vp["loss"]
            rec = {"step": state["step"], "frames_seen": state["frames_seen"], "val_loss": v,
                   "hours": round(state["train_seconds"] / 3600, 4),
                   "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
            if len(vp) > 2:
                rec.update({f"val_{key}": vv for key, vv in vp.items() if key != "loss"})
            if tcfg.score_every and state["step"] % tcfg.score_every == 0:
                model.eval()
                scored = model if dev.type == "cpu" else copy.deepcopy(model).cpu()
                rec["val_scores"] = validation_scores(scored, valsets, tcfg.score_limit)
                model.train()
                score = rec["val_scores"].get("mean_frac")
                if score is not None and score > state.get("best_score", -math.inf):
                    # The ship rule's candidate: the weights with the best validation score.
                    state["best_score"] = score
                    save_atomic(weights_only(model, state["step"], frames, state["train_seconds"],
                                             info, half=True, frames_seen=state["frames_seen"]),
                                os.path.join(run_dir, "candidate.pt"))
            state["history"].append(rec)
            log_record(rec)
            if v < state["best_val"]:
                state["best_val"] = v
                state["bad_vals"] = 0
                save_atomic(weights_only(model, state["step"], frames, state["train_seconds"], info,
                                         frames_seen=state["frames_seen"]),
                            os.path.join(run_dir, "best.pt"))
            else:
                state["bad_vals"] += 1
                if state["bad_vals"] >= tcfg.lr_halve_patience and state["lr"] > tcfg.min_lr:
                    state["lr"] = max(tcfg.min_lr, state["lr"] * 0.5)
                    state["bad_vals"] = 0
                    for g in opt.param_groups:
                        g["lr"] = state["lr"]
                    log(f"lr halved to {state['lr']}")
            checkpoint()
            t_last_ck = time.time()
            t_prev = time.time()
        if time.time() - t_last_ck > tcfg.checkpoint_minutes * 60:
            checkpoint()
            # Pick up stems rendered since the start (the cache may still be growing).
            fresh = make_sampler()
            if fresh.available() != sampler.available():
                sampler = fresh
                batches = None
                log(f"train material now: {sampler.available()}")
            t_last_ck = time.time()
            t_prev = time.time()
    checkpoint()
    logf.close()
    log(f"stopped at step {state['step']}")
    return state


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="Train the deep-clustering model (auto-resume)")
    p.add_argument("--recipe", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--cache", default=corpus.CACHE)
    p.add_argument("--init-from", default=None, help="weights-only checkpoint to start from")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--valsets", default=None,
                   help="validation splits scored every score_every steps (default <cache>/valsets)")
    p.add_argument("--train-override", default=None, metavar="JSON",
                   help='settings replacing the recipe\'s "train" ones, e.g. \'{"device": "cuda"}\'')
    args = p.parse_args(argv)
    recipe = load_json(args.recipe)
    if args.train_override:
        recipe["train"] = {**recipe.get("train", {}), **json.loads(args.train_override)}
    train(recipe, args.run_dir, args.cache, args.init_from, args.max_steps,
          log=lambda s: print(s, flush=True), valsets=args.valsets)


if __name__ == "__main__":
    sys.exit(main())
