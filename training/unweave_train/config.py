"""Model and feature configuration shared by training, export and evaluation."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field


class DictSettings:
    """A settings dataclass as a plain dict and back (keys it does not know are left out)."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass
class ModelConfig(DictSettings):
    """Everything that defines a model's analysis grid and architecture."""

    name: str = "unweave-dc"
    version: str = "0.1.0"
    sample_rate: int = 16000
    n_fft: int = 512
    hop: int = 256
    eps: float = 1e-8
    embedding_dim: int = 20
    hidden: int = 300
    layers: int = 2
    dropout: float = 0.3
    activation: str = "tanh"
    silence_db: float = 40.0

    @property
    def bins(self) -> int:
        """Number of one-sided frequency bins, n_fft/2 + 1."""
        return self.n_fft // 2 + 1


@dataclass
class TrainConfig(DictSettings):
    """Optimisation and data settings of one training run."""

    seed: int = 1234
    batch_size: int = 16
    lr: float = 1e-3
    grad_clip: float = 5.0
    weight_decay: float = 0.0
    # Curriculum: list of [chunk_frames, steps]; the last stage runs until max_steps.
    curriculum: list = field(default_factory=lambda: [[100, 6000], [400, 10**9]])
    max_steps: int = 10**9
    max_hours: float = 1e9
    checkpoint_minutes: float = 5.0
    val_every: int = 500
    val_batches: int = 8
    weighting: str = "silence"  # 'silence' | 'magnitude'
    threads: int = 2
    device: str = "cpu"  # torch device of the model and the loss ("cuda" on a GPU machine)
    workers: int = 0  # processes preparing batches ahead (0: the training process itself)
    # Mixture recipe: probability of each kind of training example.
    mix_probs: dict = field(
        default_factory=lambda: {"trio": 0.3, "music": 0.45, "speech": 0.25}
    )
    # Mixture recipe of the fixed validation batches (None: mix_probs); keeping it fixed keeps
    # validation losses comparable when the training mix changes.
    val_mix_probs: dict = None
    lr_halve_patience: int = 4  # validations without improvement before halving the lr
    min_lr: float = 0.0  # the plateau halving never goes below this
    # Every score_every steps (0 = never) the run scores the validation splits (cache/valsets,
    # data.testsets --val) through the clustering: SI-SDR improvement and its fraction of the
    # IBM's, the first score_limit mixtures of each split, logged as "val_scores".
    score_every: int = 0
    score_limit: int = 12
    # Steps of linear learning-rate warm-up after starting a fresh optimiser (--init-from).
    warmup_steps: int = 0
    # Optional linear decay [start_step, end_step, final_factor]: the learning rate is multiplied
    # by a factor going from 1 at start_step to final_factor at end_step (and after).
    lr_decay: list = None
    # Timbre augmentation: probability that a training source gets a random smooth equaliser
    # curve (see train.random_eq); 0 = off. Validation batches are never equalised.
    eq_prob: float = 0.0
    eq_db: float = 6.0
    # Recording augmentation (data.chain), training batches only: the probability that an example
    # is placed in a random room (each source its own reverberant tail; the reverberant sources
    # are the targets), and that it passes through a random recording chain (one low-pass /
    # high-pass colouring for all of its sources).
    room_prob: float = 0.0
    chain_prob: float = 0.0
    # ... and that one source of a music example is driven through an amplifier-like distortion
    # (data.chain.add_drive; the driven source is the target).
    drive_prob: float = 0.0
    # Weight of losses.cluster_mask_loss (the app's soft masks through the clustering, scored
    # against the truncated phase-sensitive target) added to the deep-clustering loss; 0 = off.
    mask_loss_weight: float = 0.0
    mask_beta: float = 5.0  # the engine's DEFAULT_BETA
    # Centroids of that loss: 'oracle' (losses.cluster_mask_loss: the true partition) or 'kmeans'
    # (losses.kmeans_mask_loss: the partition k-means finds, sources matched by permutation).
    mask_centroids: str = "oracle"
    # Example kinds the mask loss applies to (e.g. ["trio", "music"]); None = every example.
    # Training batches only: the validation batches' mask part is over every example.
    mask_loss_kinds: list = None


def load_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)
