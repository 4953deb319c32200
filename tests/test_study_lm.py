"""The routing study on real text (issue 21) at a very small size: the
corpus split, the report's structure, finite numbers, and the verdict
logic on constructed inputs."""
import math
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from bingham_torch import cli, study_lm  # noqa: E402


def test_corpus_is_the_standard_library_split_by_file():
    train, valid, info = study_lm.corpus(200_000)
    assert train.dtype == torch.uint8 and valid.dtype == torch.uint8
    assert 0 < valid.numel() < train.numel()
    assert info["train_bytes"] + info["valid_bytes"] <= 200_000
    assert "standard library" in info["source"]
    # deterministic
    again = study_lm.corpus(200_000)
    assert torch.equal(again[0], train) and torch.equal(again[1], valid)
    # text of Python code
    assert b"def " in bytes(train[:50_000].tolist())


@pytest.mark.slow
def test_study_runs_end_to_end_with_finite_numbers(tmp_path):
    path = study_lm.run(str(tmp_path), seeds=2, steps=3, config=dict(
        hidden=16, heads=2, experts=4, intermediate=16, seq=32, batch=2,
        eval_windows=2, corpus_bytes=150_000))
    text = open(path).read()
    for router in study_lm.ROUTERS:
        assert f"| {router} |" in text
    for section in ("## Held-out results", "## Per layer",
                    "## Post-hoc knob: bingham",
                    "## Post-hoc knob: uncertain", "## Verdicts"):
        assert section in text
    # one verdict per claim, each with a known outcome
    verdicts = re.findall(r"^- \*\*(.+?)\*\*: (reproduced|not reproduced|"
                          r"inconclusive at this scale) \(", text, re.M)
    assert len(verdicts) == 4
    # every number in the results table is finite
    table = text.split("## Held-out results")[1].split("Dead:")[0]
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", table)]
    assert numbers and all(math.isfinite(v) for v in numbers)
    assert (tmp_path / "training_curves.png").exists()


def _run(cv, ppl, collapsed=0, sweep=None, spread=(0.3, 0.05)):
    lam = np.array([[4.0 * (1 + spread[0] * s)] * 2 for s in (-1, 0, 1)])
    lam0 = np.array([[4.0 * (1 + spread[1] * s)] * 2 for s in (-1, 0, 1)])
    sw = sweep if sweep is not None else np.array(
        [[0.1, 1.0, 0.5, 0.1, 0.9, 1.0, 0.1], [1, 1.0, 0.9, 0.2, 0.6, 0.8, 0]])
    return {"loss": math.log(ppl), "ppl": ppl, "cv": np.array([cv]),
            "maxvio": np.array([0.1]), "dead": np.array([0]),
            "collapsed": np.array([collapsed]), "entropy": np.array([1.0]),
            "alignment": 0.1, "overlap": 0.2, "seconds": 1.0,
            "concentrations": [lam], "concentrations_init": [lam0],
            "sweep": sw}


def test_verdicts_follow_the_numbers():
    base = [_run(0.50, 10.0, collapsed=1), _run(0.52, 10.1),
            _run(0.48, 9.9)]
    good = {"softmax+aux": base,
            "bingham": [_run(0.35, 10.0), _run(0.36, 10.05), _run(0.34, 9.95)]}
    v = study_lm.verdicts(good)
    claim = [c for c in v if c.startswith("15-30%")][0]
    assert v[claim][0] == "reproduced"
    assert v["no expert collapse across seeds"][0] == "reproduced"
    assert v["experts learn different concentrations"][0] == "reproduced"
    bad = {"softmax+aux": base,
           "bingham": [_run(0.55, 11.0, collapsed=2), _run(0.56, 11.1),
                       _run(0.54, 10.9)]}
    v = study_lm.verdicts(bad)
    assert v[claim][0] == "not reproduced"
    assert v["no expert collapse across seeds"][0] == "not reproduced"
    # a sweep whose entropy falls with the temperature breaks monotonicity
    broken = np.array([[0.1, 1.0, 0.9, 0.1, 0.5, 1.0, 0.0],
                       [1.0, 1.0, 0.5, 0.1, 0.6, 1.0, 0.0]])
    v = study_lm.verdicts({"softmax+aux": base,
                           "bingham": [_run(0.4, 10.0, sweep=broken)] * 2})
    knob = [c for c in v if c.startswith("sparsity")][0]
    assert v[knob][0] == "not reproduced"


def test_study_command_parses():
    with pytest.raises(SystemExit):
        cli.main(["study", "nothing"])
    with pytest.raises(ValueError, match="device"):
        study_lm.run("unused", device="no-such-device")
