"""Training labels: the classical family a circuit's own poles follow (ml.labels.family_of)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from circuitviz.analysis import TransferFunction
from circuitviz.ml.labels import family_of

X = np.logspace(-2, 2, 4000)  # rad/s, the prototypes' edge at 1


def _attenuation(z, p, k) -> np.ndarray:
    h = np.abs(TransferFunction(p, z, k).freqresp(X / (2 * np.pi)))
    return 20 * np.log10(h.max() / h)


@pytest.mark.parametrize(
    "proto, family, ripple",
    [
        (signal.buttap(4), "butterworth", 3.0103),
        (signal.besselap(5, norm="mag"), "bessel", 3.0103),
        (signal.cheb1ap(5, 1.0), "chebyshev", 1.0),
        (signal.cheb1ap(6, 0.1), "chebyshev", 0.1),
        (signal.ellipap(4, 0.5, 40), "elliptic", 0.5),
    ],
)
def test_scipy_prototypes_are_labelled_with_their_family_and_ripple(proto, family, ripple):
    z, p, k = proto
    for scale in (1.0, 3.7):  # a prototype scaled in frequency keeps its family
        got, got_ripple = family_of(p * scale, z * scale, X * scale, _attenuation(z, p, k))
        assert got == family
        assert got_ripple == pytest.approx(ripple, abs=1e-3)


def test_poles_off_every_family_get_no_label():
    p = signal.buttap(4)[1] * np.array([1.0, 1.0, 1.3, 1.3])  # two pairs moved apart
    z = np.array([], complex)
    assert family_of(p, z, X, _attenuation(z, p, 1.0))[0] is None


@pytest.mark.parametrize("family", ["bessel", "chebyshev", "elliptic"])
def test_first_order_specs_tell_the_model_the_family_the_labels_use(family):
    """A single real pole is labelled ``butterworth`` whatever family it is asked as, so
    a first-order spec in any family is told to the model as that (its Ap kept); from
    order 2 the families are told apart."""
    from circuitviz.ml.spec import spec_features
    from circuitviz.spec import Spec

    first = family_of(np.array([-1.0 + 0j]), np.array([], complex), X, np.zeros_like(X))
    assert first[0] == "butterworth"
    for ftype in ("lowpass", "highpass"):
        ripple = 0.5 if family != "bessel" else None
        asked = Spec.checked(ftype, 2e3, order=1, response=family, ripple_db=ripple)
        told = Spec.checked(ftype, 2e3, order=1, response="butterworth", ripple_db=asked.ap_db)
        assert np.array_equal(spec_features(asked), spec_features(told))
        second = Spec.checked(ftype, 2e3, order=2, response=family, ripple_db=ripple)
        second_b = Spec.checked(ftype, 2e3, order=2, response="butterworth", ripple_db=second.ap_db)
        assert not np.array_equal(spec_features(second), spec_features(second_b))
