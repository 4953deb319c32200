"""Sphinx configuration: `make docs` builds the site with warnings as
errors and executes the notebooks (MyST text files) at build time."""
import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "bingham"
author = "the bingham developers"
extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "myst-nb"}
exclude_patterns = ["_build"]
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 600
myst_enable_extensions = ["dollarmath"]
autodoc_member_order = "bysource"
napoleon_numpy_docstring = True
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
