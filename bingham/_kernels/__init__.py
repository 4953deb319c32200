"""Jitted kernels (no validation).  See :mod:`bingham.special` for the API.

numba's on-disk cache is keyed on each function's own source file only: a
kernel that calls into another file keeps stale machine code when only the
callee changes.  On import, the cache of this package is therefore dropped
whenever the combined source of the kernel files changes (one hash of a few
small files; nothing is compiled here).
"""
import glob
import hashlib
import os


def _drop_stale_numba_cache():
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256()
    for path in sorted(glob.glob(os.path.join(here, "*.py"))):
        with open(path, "rb") as fh:
            digest.update(fh.read())
    digest = digest.hexdigest()
    cache = os.path.join(here, "__pycache__")
    stamp = os.path.join(cache, "kernels.sha256")
    try:
        with open(stamp) as fh:
            if fh.read() == digest:
                return
    except OSError:
        pass
    try:
        os.makedirs(cache, exist_ok=True)
        for path in glob.glob(os.path.join(cache, "*.nb[ic]")):
            os.remove(path)
        with open(stamp, "w") as fh:
            fh.write(digest)
    except OSError:  # read-only install: numba caches elsewhere
        pass


_drop_stale_numba_cache()
