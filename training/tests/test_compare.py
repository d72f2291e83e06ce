import json

import numpy as np
import pytest

from unweave_train.compare import main, paired


def _ev(split_rows):
    return {"checkpoint": None, "results": [
        {"split": s, "rows": [{"id": i, "model": {"sisdri": v}} for i, v in rows]}
        for s, rows in split_rows.items()]}


def test_paired_differences_are_per_mixture_with_their_standard_error():
    a = _ev({"trio": [("t0", 1.0), ("t1", 2.0), ("t2", 3.0)], "speech": [("s0", 0.0), ("s1", 1.0)]})
    # B: trio mixtures by +1, +2, -0.5; one trio mixture only in B; speech only in A
    b = _ev({"trio": [("t2", 2.5), ("t0", 2.0), ("t1", 4.0), ("t9", 50.0)], "other": [("o0", 1.0)]})
    rows = paired(a, b)
    assert [r["split"] for r in rows] == ["trio"]
    r = rows[0]
    d = np.array([1.0, 2.0, -0.5])
    assert r["n"] == 3 and r["better"] == 2
    assert r["a"] == pytest.approx(2.0) and r["b"] == pytest.approx(17 / 6)  # t9 not counted
    assert r["diff"] == pytest.approx(d.mean())
    assert r["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(3))


def test_cli_prints_a_table_and_refuses_evaluations_with_nothing_in_common(tmp_path, capsys):
    pa, pb, pc = (str(tmp_path / f"{n}.json") for n in "abc")
    json.dump(_ev({"trio": [("t0", 1.0), ("t1", 2.0)]}), open(pa, "w"))
    json.dump(_ev({"trio": [("t0", 1.5), ("t1", 1.0)]}), open(pb, "w"))
    json.dump(_ev({"speech": [("s0", 1.5)]}), open(pc, "w"))
    main([pa, pb])
    out = capsys.readouterr().out
    assert "| trio | 2 | 1.50 | 1.25 | -0.25 |" in out and "1 of 2" in out
    with pytest.raises(SystemExit, match="no split"):
        main([pa, pc])
