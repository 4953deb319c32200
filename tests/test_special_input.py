"""Domain checks, NaN and infinities, and the promise never to hang."""
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from bingham.special import (
    AccuracyWarning,
    grad_log_hyp1f1,
    hess_log_hyp1f1,
    hyp1f1,
    log_hyp1f1,
    log_normalizer,
    log_normalizer_eigvals,
    value_and_grad_log_hyp1f1,
)


@pytest.mark.parametrize("b", [0.0, -1.0, -3.0])
def test_b_outside_the_domain(b):
    with pytest.raises(ValueError, match="b="):
        log_hyp1f1(0.7, b, [1.0])


def test_b_domain_depends_on_the_rows_that_enter():
    # b = 1/2 is fine for one eigenvalue; with two, row 2 has b - 1/2 = 0
    log_hyp1f1(0.7, 0.5, [1.0])
    with pytest.raises(ValueError, match="b="):
        log_hyp1f1(0.7, 0.5, [1.0, 2.0])


def test_complex_and_non_numeric_input():
    with pytest.raises(ValueError, match="x must be real"):
        log_hyp1f1(0.5, 1.5, [1 + 1j])
    with pytest.raises(ValueError, match="a must be"):
        log_hyp1f1("a", 1.5, [1.0])
    with pytest.raises(ValueError, match="a and b must be finite"):
        log_hyp1f1(np.inf, 1.5, [1.0])


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        log_hyp1f1(0.5, 1.5, [1.0], method="magic")
    with pytest.raises(ValueError, match="does not apply"):
        log_hyp1f1(1.0, 2.5, [1.0, 2.0], method="contour")
    with pytest.raises(ValueError, match="does not apply"):
        log_hyp1f1(0.7, 2.5, [1.0, 2.0], method="laplace")


def test_mismatched_shapes():
    with pytest.raises(ValueError, match=r"a \(shape \(3,\)\).*do not broadcast"):
        log_hyp1f1([0.5, 0.5, 0.5], 1.5, np.ones((2, 3)))


def test_log_normalizer_arguments():
    A = np.diag([3.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="symmetric"):
        log_normalizer(A + np.triu(np.ones((3, 3)), 1), 1)
    with pytest.raises(ValueError, match="shape"):
        log_normalizer(np.ones((3, 2)), 1)
    with pytest.raises(ValueError, match="k must"):
        log_normalizer(A, 4)
    with pytest.raises(ValueError, match="k must"):
        log_normalizer(A, 1.5)
    with pytest.raises(ValueError, match="eigenvalues has 3 entries"):
        log_normalizer_eigvals([1.0, 2.0, 3.0], 1, 2)
    assert log_normalizer(A, 1) == pytest.approx(
        log_normalizer_eigvals([3.0, 1.0], 1, 3), rel=1e-14)


@pytest.mark.parametrize("k, p, l", [
    # the eigensolver's rounding made the implicit zeros a cluster of near
    # ties: the Laplace approximation answered, 6e3 off, with a warning
    (12, 64, [1e4, 1859.94, 1859.94, 2752.29]),
    (12, 40, [-1007.04, -5975.99, -1e4, -1007.04]),
    (3, 10, [8.0, 5.0, 2.0]),
    (2, 6, [30.0]),
])
def test_low_rank_concentration_in_a_rotated_frame(k, p, l):
    """``A = V diag(l) V^T``: its ``p - r`` eigenvalues within rounding of
    zero are the implicit zeros, as if given by their eigenvalues."""
    from bingham import grassmann, matrix_bingham
    V = grassmann.random_uniform(p, len(l), rng=1)
    A = V @ np.diag(l) @ V.T
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v, err = log_normalizer(A, k, return_error=True)
        ref, rerr = log_normalizer_eigvals(l, k, p, return_error=True)
        assert abs(v - ref) <= err + rerr
        assert err <= 1e-12 * max(1.0, abs(ref))
        # the distribution takes the same eigenvalues
        X = grassmann.random_uniform(p, k, rng=2)
        assert matrix_bingham(A, k).logpdf(X) == pytest.approx(
            matrix_bingham(eigenvalues=l, frame=V, k=k).logpdf(X),
            rel=1e-12, abs=1e-9)


def test_snap_zeros():
    """Within ``p eps max |eigenvalue|`` of zero: zero, per row, with the
    largest change; NaN rows stay NaN."""
    from bingham._special_args import snap_zeros
    eps = np.finfo(float).eps
    ev = np.array([[1e4, 3e-12, -2e-12, 5.0], [1.0, 1e-15, 1e-14, 0.0]])
    out, moved = snap_zeros(ev)
    np.testing.assert_array_equal(out, [[1e4, 0.0, 0.0, 5.0],
                                        [1.0, 1e-15, 1e-14, 0.0]])
    np.testing.assert_array_equal(moved, [3e-12, 0.0])
    assert 4 * eps * 1.0 < 1e-14 and 4 * eps * 1e4 > 3e-12
    A = np.diag([1.0, np.nan, 0.0])
    v, err = log_normalizer(np.stack([A, np.diag([2.0, 1.0, 0.0])]), 1,
                            return_error=True)
    assert np.isnan(v[0]) and np.isfinite(v[1]) and np.isfinite(err[1])


def test_nan_in_nan_out():
    v = log_hyp1f1(0.5, 1.5, [[np.nan, 1.0], [1.0, 2.0]])
    assert np.isnan(v[0]) and np.isfinite(v[1])
    assert np.isnan(log_hyp1f1(np.nan, 1.5, [1.0]))
    assert np.isnan(log_hyp1f1(0.5, np.nan, [1.0]))
    assert np.isnan(grad_log_hyp1f1(0.5, 1.5, [np.nan, 1.0])).all()
    A = np.diag([1.0, np.nan, 0.0])
    assert np.isnan(log_normalizer(A, 1))


def test_infinite_concentrations():
    assert log_hyp1f1(0.5, 1.5, [np.inf]) == np.inf
    assert log_hyp1f1(0.5, 1.5, [-np.inf]) == -np.inf
    assert log_hyp1f1(0.5, 2.5, [np.inf, -np.inf]) == np.inf
    assert hyp1f1(0.5, 1.5, [-np.inf]) == 0.0


@pytest.mark.parametrize("a,b,x", [
    (0.5, 1.5, [3.0, 1.0, -2.0]),
    (0.5, 32.0, list(np.linspace(-20.0, 20.0, 64))),
    (1.5, 2.0, [40.0, -3.0, 7.0, 0.0]),      # b - a = 1/2: Kummer
    (0.5, 2.0, [1e5, -1e5, 3.0]),
])
def test_single_input_path_matches_the_batch_path(a, b, x):
    """One 1-D float64 array takes a shorter path around the kernel; it must
    give exactly what the same row gives inside a batch."""
    x = np.array(x)
    v1, g1 = value_and_grad_log_hyp1f1(a, b, x)
    v2, g2 = value_and_grad_log_hyp1f1(a, b, np.stack([x, x]))
    assert v1 == v2[0] and v1 == v2[1]
    np.testing.assert_array_equal(g1, g2[0])
    h1 = hess_log_hyp1f1(a, b, x)
    np.testing.assert_array_equal(h1, hess_log_hyp1f1(a, b, x[None])[0])
    e1 = log_hyp1f1(a, b, x, return_error=True)[1]
    assert e1 == log_hyp1f1(a, b, x[None], return_error=True)[1][0]


def test_single_input_path_leaves_special_inputs_to_the_general_one():
    assert np.isnan(log_hyp1f1(0.5, 1.5, np.array([np.nan, 1.0])))
    assert np.isnan(grad_log_hyp1f1(0.5, 1.5, np.array([np.nan, 1.0]))).all()
    assert log_hyp1f1(0.5, 1.5, np.array([np.inf, 1.0])) == np.inf
    assert log_hyp1f1(0.5, 1.5, np.array([-np.inf, 1.0])) == -np.inf
    assert np.isnan(grad_log_hyp1f1(0.5, 1.5, np.array([-np.inf, 1.0]))).all()
    with pytest.raises(ValueError, match="contour"):
        log_hyp1f1(1.0, 3.0, np.array([1.0, 2.0]), method="contour")
    with pytest.raises(ValueError, match="b="):
        log_hyp1f1(0.5, -1.0, np.array([1.0]))


@pytest.mark.parametrize("k,p,x,certified", [
    # gaps of 1e300: the Laplace approximation is exact to rounding
    (2, 6, [1e300, 2.0, 1.0], True),
    # two implicit zeros: split by the branch-cut method
    (3, 6, [1e6, 5e5, 1e5, 1.0], True),
    # p = 16 distinct eigenvalues: the branch-cut method is exact here
    (2, 16, list(np.linspace(0.0, 2e4, 16)), True),
])
def test_enormous_concentrations_are_fast_finite_and_reported(k, p, x, certified):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log_normalizer_eigvals(x, k, p)   # compiles what the input needs
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v, err = log_normalizer_eigvals(x, k, p, return_error=True)
    # a hang check, not a speed test: the work budget is 1 s per input
    assert time.perf_counter() - t0 < 10
    warned = any(issubclass(w.category, AccuracyWarning) for w in caught)
    assert warned != certified
    assert (err <= 1e-12 * abs(v)) == certified
    top = np.sort(np.concatenate([x, np.zeros(p - len(x))]))[::-1][:k].sum()
    assert np.isfinite(v) and v <= top
    assert err > 0


def test_vector_bingham_enormous_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = log_normalizer_eigvals([1e300, -1e300, 5.0], 1, 3)
    assert np.isfinite(v) and v <= 1e300 and v > 0


def test_import_compiles_nothing_and_imports_no_torch():
    code = (
        "import sys, numba\n"
        "import bingham\n"
        "from bingham._kernels import (branch_cut, confluent, contour,\n"
        "                              direct, dispatch, zonal)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "mods = (branch_cut, confluent, contour, direct, dispatch, zonal)\n"
        "jitted = [f for m in mods for f in vars(m).values()\n"
        "          if hasattr(f, 'signatures')]\n"
        "assert jitted, 'no kernels found'\n"
        "compiled = [f.__name__ for f in jitted if f.signatures]\n"
        "assert not compiled, compiled\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
