"""Pole/zero map: grouping, multiplicity, hover values, styles, axes, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuitviz.analysis import analyze
from circuitviz.viz.pzmap import STYLES, pole_zero_data, pole_zero_figure

SK_HP = "C1 in n1 10n\nC2 n1 n2 10n\nR1 n1 out 10k\nR2 n2 0 20k\nEU1 out 0 n2 out 1meg"


def _roots(trace) -> list[complex]:
    return [complex(x, y) for x, y in zip(trace.x, trace.y) if x is not None]


def test_double_zero_at_origin_is_one_mark_with_multiplicity_two():
    data = pole_zero_data(analyze(SK_HP), style="exact")
    assert data.n_zeros == 2 and len(data.zeros) == 1
    assert data.zeros[0].s == 0 and data.zeros[0].multiplicity == 2
    fig = pole_zero_figure(data)
    zeros = next(t for t in fig.data if "zeros" in t.name)
    assert list(zeros.text) == ["×2"]
    assert "double zero" in zeros.hovertext[0] and "origin" in zeros.hovertext[0]


def test_hover_gives_rad_per_s_hz_and_w0_q_for_pairs():
    w0, q = 2 * math.pi * 1000, 2.0
    re, im = -w0 / (2 * q), w0 * math.sqrt(1 - 1 / (4 * q * q))
    data = pole_zero_data(poles=[complex(re, im), complex(re, -im)], zeros=[], style="spice")
    mark = data.poles[0]
    assert mark.q == pytest.approx(q) and mark.hz == pytest.approx(1000)
    text = mark.hover("SPICE")
    assert "rad/s" in text and "Hz" in text and "Q = 2" in text and "1 kHz" in text


def test_predicted_and_spice_styles_are_distinct_and_in_legend():
    a = analyze("R1 in a 10k\nR2 a b 10k\nC1 a out 20n\nC2 b 0 5n\nEU1 out 0 b out 1meg")
    fig = pole_zero_figure(
        [
            pole_zero_data(a, style="spice"),
            pole_zero_data((a.poles * 1.1, a.zeros), style="predicted"),
        ],
        cutoff_hz=1000,
    )
    names = [t.name for t in fig.data]
    assert "SPICE poles (2)" in names and "predicted poles (2)" in names
    assert "SPICE zeros (none)" in names and "predicted zeros (none)" in names
    spice = next(t for t in fig.data if t.name == "SPICE poles (2)")
    pred = next(t for t in fig.data if t.name == "predicted poles (2)")
    assert spice.marker.color != pred.marker.color and spice.marker.symbol != pred.marker.symbol
    assert spice.marker.color in ("#0072B2",) and pred.marker.color == "#D55E00"  # Okabe-Ito
    np.testing.assert_allclose(
        sorted(_roots(pred), key=lambda z: z.imag), sorted(a.poles * 1.1, key=lambda z: z.imag)
    )
    assert all(s["pole"].startswith("x") and "circle" in s["zero"] for s in STYLES.values())


def test_axes_equal_origin_visible_and_cutoff_circle():
    fig = pole_zero_figure(pole_zero_data(poles=[-100.0, -50 + 40j, -50 - 40j]), cutoff_hz=10)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.zeroline and fig.layout.yaxis.zeroline
    lo, hi = fig.layout.xaxis.range
    assert lo < 0 < hi and fig.layout.yaxis.range[0] < 0 < fig.layout.yaxis.range[1]
    circle = next(t for t in fig.data if t.name.startswith("cutoff"))
    radius = np.hypot(np.asarray(circle.x), np.asarray(circle.y))
    np.testing.assert_allclose(radius, 2 * math.pi * 10, rtol=1e-9)


def test_log_polar_when_roots_span_decades():
    data = pole_zero_data(poles=[-1e2, -1e6], zeros=[0.0])
    fig = pole_zero_figure(data)  # auto: 4 decades -> log-polar
    assert "log-polar" in fig.layout.xaxis.title.text
    poles = next(t for t in fig.data if t.name and "poles" in t.name)
    radii = sorted(abs(complex(x, y)) for x, y in zip(poles.x, poles.y))
    assert radii == pytest.approx([1.0, 5.0])  # 1 + decades above 100 rad/s
    zeros = next(t for t in fig.data if t.name and "zeros" in t.name)
    assert (zeros.x[0], zeros.y[0]) == (0.0, 0.0)  # the origin stays at the centre
    linear = pole_zero_figure(data, log_polar=False)
    assert "log-polar" not in linear.layout.xaxis.title.text


def test_empty_sets_and_nan_are_handled():
    empty = pole_zero_data(poles=[], zeros=None)
    fig = pole_zero_figure(empty)
    assert any("no finite poles or zeros" in a.text for a in fig.layout.annotations)
    bad = pole_zero_data(poles=[complex("nan"), -1.0], zeros=[[0.0, float("inf")]])
    assert bad.dropped == 2 and bad.n_poles == 1 and bad.n_zeros == 0
    fig = pole_zero_figure(bad)
    assert any("2 non-finite" in a.text for a in fig.layout.annotations)
    with pytest.raises(ValueError, match="style"):
        pole_zero_data(poles=[-1.0], style="neon")
    with pytest.raises(ValueError, match="cutoff_hz"):
        pole_zero_figure(bad, cutoff_hz=float("nan"))


def test_json_pairs_are_accepted():
    data = pole_zero_data({"poles": [[-1.0, 2.0], [-1.0, -2.0]], "zeros": [], "gain": 1})
    assert sorted(m.s.imag for m in data.poles) == [-2.0, 2.0]
