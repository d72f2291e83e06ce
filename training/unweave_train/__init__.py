"""Unweave training: data generation, deep-clustering model, loss, training, export, evaluation.

Runs on Debian's system python3 (python3-torch 1.13 CPU, numpy, scipy, soundfile, onnx).
"""

__version__ = "0.1.0"
