"""The documentation notebooks (MyST text files in docs/notebooks) run
without error: every code cell is executed in order, in one namespace."""
import glob
import os
import re

import pytest

pytest.importorskip("torch")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOKS = sorted(glob.glob(os.path.join(HERE, "..", "docs", "notebooks",
                                          "*.md")))
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs(path):
    import matplotlib.pyplot as plt
    cells = CELL.findall(open(path).read())
    assert cells, f"{path} has no code cells"
    namespace = {"__name__": "__notebook__"}
    for i, code in enumerate(cells):
        try:
            exec(compile(code, f"{os.path.basename(path)}[{i}]", "exec"),
                 namespace)
        finally:
            plt.close("all")
