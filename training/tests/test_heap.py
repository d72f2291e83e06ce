"""The trainer's command line runs with glibc settings that keep its heap (unweave_train.heap)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from unweave_train.heap import HEAP_ENV

TRAINING = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="glibc settings: Linux only")


def _run(module: str, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in HEAP_ENV}
    env.update(extra or {})
    return subprocess.run([sys.executable, "-m", module, *args], cwd=TRAINING, env=env,
                          capture_output=True, text=True, timeout=120)


def test_reexecutes_once_with_the_heap_settings():
    r = _run("unweave_train.heap")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == HEAP_ENV


def test_glibc_defaults_on_request():
    r = _run("unweave_train.heap", extra={"UNWEAVE_GLIBC_HEAP": "1"})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {k: None for k in HEAP_ENV}


def test_the_trainer_command_line_keeps_its_arguments_across_the_reexecution():
    # argparse's answer to a missing --run-dir comes from the re-executed process, with the
    # arguments it was given
    r = _run("unweave_train.train", "--recipe", "recipes/dc_v1/config.json")
    assert r.returncode == 2
    assert "the following arguments are required: --run-dir\n" in r.stderr


def test_bench_step_measures_both_heaps():
    r = _run("unweave_train.bench_step", "--recipe", "recipes/dc_v1/config.json",
             "--settings", "1:1", "--steps", "1", "--batch", "1", "--glibc-heap",
             extra={"OPENBLAS_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    heaps = [ln.split(":")[0] for ln in lines]
    assert heaps == ["torch 1 / OpenBLAS 1 / heap kept", "torch 1 / OpenBLAS 1 / heap glibc"]
    assert all("frames/s" in ln for ln in lines)
