import os

import mido
import numpy as np

from unweave_train.data import corpus
from unweave_train.data.midi import channel_stats, extract_channel, trio_voices
from unweave_train.data.mixtures import MixtureSampler, batch_sources

PROBS = {"trio": 0.3, "music": 0.4, "speech": 0.3}


def test_same_seed_same_batch(synthetic_cache):
    s1 = MixtureSampler(synthetic_cache, "train")
    s2 = MixtureSampler(synthetic_cache, "train")
    a, ca = batch_sources(s1, np.random.default_rng([1, 7]), 6, 4000, PROBS)
    b, cb = batch_sources(s2, np.random.default_rng([1, 7]), 6, 4000, PROBS)
    c, _ = batch_sources(s1, np.random.default_rng([1, 8]), 6, 4000, PROBS)
    assert np.array_equal(a, b) and np.array_equal(ca, cb)
    assert not np.array_equal(a, c)
    assert set(ca.tolist()) <= {2, 3, 4}


def test_examples_have_k_active_sources_and_sane_level(synthetic_cache):
    s = MixtureSampler(synthetic_cache, "train")
    rng = np.random.default_rng(3)
    for kind in ("trio", "music", "speech"):
        src = s.sample(rng, kind, 8000, k=2)
        assert src.shape == (2, 8000) and src.dtype == np.float32
        assert np.all(np.sqrt((src ** 2).mean(axis=1)) > 0)
        assert np.abs(src.sum(0)).max() <= 0.9 + 1e-6


def test_splits_are_disjoint_and_stable():
    keys = [f"piece{i}" for i in range(400)]
    s = [corpus.split_of(k) for k in keys]
    assert s == [corpus.split_of(k) for k in keys]
    assert 20 < s.count("test") < 80 and s.count("val") > 5
    assert corpus.speech_split("nl:m") == "test" and corpus.speech_split("cs:m") == "train"
    assert corpus.fillets_speaker("/x/vit-m-hlava.ogg") == "m"
    assert corpus.fillets_speaker("/x/v-chytra.ogg") == "v"
    assert corpus.fillets_speaker("/x/dr-1-achjo.ogg") == "minor"


def _midi(path):
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    t0 = mido.MidiTrack()
    t0.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    mid.tracks.append(t0)
    for ch, base in ((0, 72), (1, 60), (2, 40), (9, 36)):
        tr = mido.MidiTrack()
        tr.append(mido.Message("program_change", channel=ch, program=5, time=0))
        for i in range(30):
            tr.append(mido.Message("note_on", channel=ch, note=base + i % 5, velocity=90, time=0))
            tr.append(mido.Message("note_off", channel=ch, note=base + i % 5, velocity=0, time=240))
        mid.tracks.append(tr)
    mid.save(path)
    return mido.MidiFile(path)


def test_midi_channel_split_program_and_truncation(tmp_path):
    mid = _midi(str(tmp_path / "a.mid"))
    st = channel_stats(mid)
    assert set(st) == {0, 1, 2, 9} and st[0]["notes"] == 30
    voices = trio_voices(st)
    assert [v[1] for v in voices] == [40, 0, 42]  # violin highest, cello lowest
    one = extract_channel(mid, 1, program=40, transpose=12, out_channel=0, max_seconds=3.0)
    msgs = [m for m in one.tracks[0] if not m.is_meta]
    assert all(m.channel == 0 for m in msgs)
    progs = [m.program for m in msgs if m.type == "program_change"]
    assert progs == [40]
    notes = [m.note for m in msgs if m.type == "note_on"]
    assert min(notes) >= 72 and len(notes) < 30  # transposed, cut at 3 s (of 7.5 s)
    p = str(tmp_path / "one.mid")
    one.save(p)
    assert os.path.getsize(p) > 0


def test_sequential_midi_puts_each_voice_in_its_own_section(tmp_path):
    from unweave_train.data.render import TICKS_PER_SECOND, sequential_midi

    mid = _midi(str(tmp_path / "b.mid"))
    voices = trio_voices(channel_stats(mid))
    seq, section = sequential_midi(mid, voices, max_seconds=5.0)
    assert section == 9.0
    tick = 0
    for m in seq.tracks[0]:
        tick += m.time
        if not m.is_meta and m.type == "note_on":
            sec = tick / TICKS_PER_SECOND
            assert m.channel * section <= sec <= m.channel * section + 5.0 + 1e-6


def test_speaker_weights_uniform_keeps_draw_and_weights_bias_it(synthetic_cache, tmp_path):
    """Equal stream weights keep the original uniform speaker draw (test sets unchanged); a
    "weight" in a stream's metadata biases how often that speaker is drawn."""
    import json
    import shutil

    s = MixtureSampler(synthetic_cache, "train")
    assert s.speaker_p is None
    cache = str(tmp_path / "c")
    shutil.copytree(os.path.join(synthetic_cache, "speech"), os.path.join(cache, "speech"))
    meta_path = os.path.join(cache, "speech", "cs_a.json")
    with open(meta_path) as f:
        meta = json.load(f)
    meta["weight"] = 20.0
    with open(meta_path, "w") as f:
        json.dump(meta, f)
    w = MixtureSampler(cache, "train", music_banks=(), trio_banks=())
    assert w.speaker_p is not None and abs(w.speaker_p.sum() - 1) < 1e-9
    assert w.speaker_p[w.speakers.index("cs:a")] > 0.8
    rng = np.random.default_rng(3)
    for _ in range(5):
        x = w.sample(rng, "speech", 16000, k=2)
        assert x.shape == (2, 16000)
