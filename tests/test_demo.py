"""The demo runs end to end (tiny configuration) and the command line
parses."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from bingham_torch import cli, demo  # noqa: E402


def test_routing_study_end_to_end(tmp_path):
    path = demo.run(str(tmp_path), seeds=1, steps=3,
                    config=dict(d=8, E=4, clusters=4, hidden=8, n_per=40))
    text = open(path).read()
    for name in demo.ROUTERS:
        assert name in text
    assert "Bounds respected at every knob setting: True" in text


def test_knob_sweep_respects_the_bounds():
    task = demo.make_task(8, 3, 20.0, 0)
    data = demo.sample(task, 50, 1)
    layer = demo.train("Bingham top-2", data, 4, 8, 5, 0)
    sweep = demo.knob_sweep(layer, data[0], np.geomspace(0.05, 20, 9))
    assert demo.bounds_respected(sweep)
    # entropy rises and top-2 mass falls with the temperature
    assert np.all(np.diff(sweep[:, 1]) >= -1e-12)
    assert np.all(np.diff(sweep[:, 4]) <= 1e-12)


def test_normalizer_command(capsys):
    assert cli.main(["normalizer", "--taus", "0,1"]) == 0
    assert "log F" in capsys.readouterr().out
