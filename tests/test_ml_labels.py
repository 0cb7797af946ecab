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


@pytest.mark.parametrize("ftype", ["lowpass", "highpass"])
@pytest.mark.parametrize("n,ap,rs", [(3, 0.5, 35.0), (4, 1.0, 60.0), (7, 0.1, 45.0)])
def test_an_elliptic_record_is_told_its_own_designs_stopband(ftype, n, ap, rs):
    """A circuit labelled elliptic carries its own attenuation and the edge from which it
    stays that far down — what a user's elliptic spec of that order, Ap and As is told
    (ml.spec.condition_stopband) — not a random level, which would hide which As it is."""
    from circuitviz.ml.labels import label_records
    from circuitviz.ml.spec import condition_stopband
    from circuitviz.prototypes import highpass, prototype
    from circuitviz.spec import Spec

    fc = 2e3  # the -3 dB cutoff the dataset stores; the labels re-measure the Ap edge
    z, p, k = prototype("elliptic", n, ap, rs)
    if ftype == "highpass":
        z, p, k = highpass(z, p, k)
    from circuitviz.prototypes import edge_frequency

    w3 = edge_frequency(z, p, k, 10 * np.log10(2), highpass=ftype == "highpass")
    wc = 2 * np.pi * fc / w3
    row = {
        "type": ftype,
        "cutoff_hz": fc,
        "poles": [[r.real, r.imag] for r in p * wc],
        "zeros": [[r.real, r.imag] for r in z * wc],
        "gain": float(k * wc ** (len(p) - len(z))),
    }
    told = [lab for seed in range(40) for lab in label_records([row], [False], seed)]
    elliptic = [lab for lab in told if lab is not None and lab.response == "elliptic"]
    assert elliptic, "an exact elliptic prototype is labelled elliptic at some draws"
    spec_ratio, spec_as = condition_stopband(
        Spec.checked(ftype, 2e3, order=n, response="elliptic", ripple_db=ap, attenuation_db=rs)
    )
    for lab in elliptic:
        assert lab.ripple_db == pytest.approx(ap, abs=0.02)
        assert lab.attenuation_db == pytest.approx(rs, abs=0.05)
        assert lab.stopband_ratio == pytest.approx(spec_ratio, rel=2e-3)
        assert lab.attenuation_db == pytest.approx(spec_as, abs=0.05)
    others = [lab for lab in told if lab is not None and lab.response != "elliptic"]
    assert len({round(lab.attenuation_db or 0, 3) for lab in others}) > 1  # still random


def test_elliptic_specs_tell_the_attenuation_through_their_designs_stopband():
    """An elliptic order mask states As without a stopband edge: the model is told the
    edge of that design, so two attenuations give two conditions; a stopband mask is
    told the edge of the order it needs, inside the asked one; other families keep the
    asked stopband."""
    from circuitviz.ml.spec import condition_stopband, spec_features
    from circuitviz.prototypes import elliptic_stopband_edge
    from circuitviz.spec import Spec

    a = Spec.checked("lowpass", 1e3, order=5, response="elliptic", ripple_db=0.5, attenuation_db=30)
    b = Spec.checked("lowpass", 1e3, order=5, response="elliptic", ripple_db=0.5, attenuation_db=60)
    assert not np.array_equal(spec_features(a), spec_features(b))
    assert condition_stopband(a) == (elliptic_stopband_edge(5, 0.5, 30.0), 30.0)
    mask = Spec.checked("highpass", 1e3, response="elliptic", stopband_hz=600, attenuation_db=50)
    ratio, att = condition_stopband(mask)
    assert mask.order is not None and att == 50.0
    assert ratio == pytest.approx(elliptic_stopband_edge(mask.order, mask.ap_db, 50.0))
    assert 1.0 < ratio <= 1e3 / 600
    cheb = Spec.checked("lowpass", 1e3, response="chebyshev", stopband_hz=3e3, attenuation_db=50)
    assert condition_stopband(cheb) == (pytest.approx(3.0), 50.0)
    plain = Spec.checked("lowpass", 1e3, order=4, response="chebyshev")
    assert condition_stopband(plain) == (None, None)


@pytest.mark.parametrize("ftype", ["lowpass", "highpass"])
@pytest.mark.parametrize("ratio,as_db,ap", [(1.2, 40.0, None), (1.5, 60.0, 0.5), (2.0, 30.0, 1.0)])
def test_an_any_mask_only_elliptic_meets_is_told_the_centred_elliptic_design(
    ftype, ratio, as_db, ap
):
    """At the lowest order of an ``any`` stopband mask only an elliptic design meets it:
    the model is told one with room both ways (a level above As, an edge inside the
    asked one) that does meet it; where another family meets it too, the mask as asked."""
    from circuitviz.ml.spec import condition_response, condition_stopband
    from circuitviz.prototypes import attenuation_at, prototype, required_order
    from circuitviz.spec import Spec

    fs = 1e3 * ratio if ftype == "lowpass" else 1e3 / ratio
    spec = Spec.checked(ftype, 1e3, stopband_hz=fs, attenuation_db=as_db, ripple_db=ap)
    n = spec.order
    assert n == required_order("elliptic", spec.ap_db, ratio, as_db)
    assert condition_response(spec) == "elliptic"  # the answer has to be elliptic
    edge, level = condition_stopband(spec)
    assert 1.0 < edge < ratio and level > as_db
    z, p, k = prototype("elliptic", n, spec.ap_db, level)
    beyond = edge * np.logspace(1e-9, 3, 2000)
    assert min(attenuation_at(z, p, k, w, ref=1.0) for w in beyond) >= level - 1e-6
    cheb = required_order("chebyshev", spec.ap_db, ratio, as_db)
    assert cheb > n
    at = min(cheb, 8)
    wide = Spec.checked(ftype, 1e3, stopband_hz=fs, attenuation_db=as_db, ripple_db=ap, order=at)
    if cheb <= 8:  # a Chebyshev design meets it too: the choice stays open
        assert condition_stopband(wide) == (pytest.approx(ratio), as_db)
        assert condition_response(wide) is None
    else:
        assert condition_stopband(wide)[0] < ratio
        assert condition_response(wide) == "elliptic"
    # no stopband, or a band type: nothing to tell
    assert condition_response(Spec.checked(ftype, 1e3, order=n)) is None
