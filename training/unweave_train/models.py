"""The deep-clustering embedding network: log-magnitude features -> unit-norm embeddings."""

from __future__ import annotations

import torch
from torch import nn

from .config import ModelConfig


class DeepClusteringNet(nn.Module):
    """BLSTM deep clustering (Hershey et al. 2016).

    forward(features [B, T, F]) -> embeddings [B, T, F, D], every D-vector unit-norm.
    The global per-bin mean/std normalisation is part of the module (buffers), so the exported
    ONNX graph applies it itself ('in_graph').
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        bins = cfg.bins
        self.register_buffer("feat_mean", torch.zeros(bins))
        self.register_buffer("feat_std", torch.ones(bins))
        self.blstm = nn.LSTM(
            input_size=bins,
            hidden_size=cfg.hidden,
            num_layers=cfg.layers,
            batch_first=True,
            bidirectional=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.proj = nn.Linear(2 * cfg.hidden, bins * cfg.embedding_dim)

    def set_normalisation(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Store the global per-bin feature mean and standard deviation [F]."""
        self.feat_mean.copy_(mean.to(torch.float32))
        self.feat_std.copy_(std.to(torch.float32).clamp_min(1e-3))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = (features - self.feat_mean) / self.feat_std
        h, _ = self.blstm(x)
        h = self.drop(h)
        e = self.proj(h)  # [B, T, F*D]
        e = e.reshape(e.shape[0], e.shape[1], self.cfg.bins, self.cfg.embedding_dim)
        if self.cfg.activation == "tanh":
            e = torch.tanh(e)
        norm = torch.sqrt(torch.sum(e * e, dim=-1, keepdim=True) + 1e-12)
        return e / norm


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def read_checkpoint(path: str) -> dict:
    """A checkpoint of this package (a dict of tensors, numbers, strings and lists) on the CPU.
    Our own files, read as full pickles: torch 1.13's weights-only reader refuses their floats,
    and torch >= 2.6 (the GPU machine's) reads weights-only unless told."""
    return torch.load(path, map_location="cpu", weights_only=False)
