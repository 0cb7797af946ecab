"""The app's new pieces without a browser: spec options -> sample() keywords, input
hints, model slots, the ready-only kernel pool, the agreement verdict, plain notes,
mask shading, plot ranges, schematic scale and the download files."""

from __future__ import annotations

import asyncio
import datetime
import math
import re
import types

import numpy as np
import pytest

from circuitviz.app.controls import SpecControls, orders_for, parse_cutoff, read_q, read_spec


# -- controls -> circuitviz.sample keywords -----------------------------------------------
def test_only_what_the_user_set_becomes_a_keyword():
    assert read_spec("lowpass", "1k").sample_kwargs() == {}
    req = read_spec(
        "lowpass",
        "1k",
        order=3,
        response="elliptic",
        ripple="0.5 dB",
        stopband="2k",
        attenuation="40",
        gain="-6",
        kind="passive",
        opamp="10meg",
    )
    assert req.sample_kwargs() == {
        "order": 3,
        "response": "elliptic",
        "ripple_db": 0.5,
        "stopband_hz": 2000.0,
        "attenuation_db": 40.0,
        "gain_db": -6.0,
        "kind": "passive",
        "opamp": 1e7,
    }
    band = read_spec("bandpass", "10k", "1k", response="chebyshev")
    assert band.sample_kwargs() == {"q": pytest.approx(10.0), "response": "chebyshev"}
    assert (
        read_spec("highpass", "1k", opamp="ideal", kind="any", response="any").sample_kwargs() == {}
    )
    assert read_spec("highpass", "1k", opamp="10 MHz").sample_kwargs() == {"opamp": 1e7}


def test_the_controls_read_into_the_same_keywords():
    c = SpecControls()
    c.response.value = "chebyshev"
    c.ripple.value = "1"
    c.stopband.value = "3k"
    c.attenuation.value = "30"
    c.gain.value = "0"
    c.kind.value = "active"
    c.opamp.value = "1meg"
    assert c.request().sample_kwargs() == {
        "response": "chebyshev",
        "ripple_db": 1.0,
        "stopband_hz": 3000.0,
        "attenuation_db": 30.0,
        "gain_db": 0.0,
        "kind": "active",
        "opamp": 1e6,
    }


@pytest.mark.parametrize(
    "kwargs, says",
    [
        (dict(stopband="500"), "stopband of a low-pass starts above its cutoff"),
        (dict(stopband="2k"), "give the Attenuation"),
        (dict(ripple="-1"), "ripple -1 dB is outside"),
        (dict(ripple="lots"), "ripple 'lots' is not a number"),
        (dict(gain="99"), "gain 99 dB is outside"),
        (dict(opamp="1M"), "did you mean 1meg"),
        (dict(response="cauer"), "choose a response"),
    ],
)
def test_bad_options_are_refused_in_plain_words(kwargs, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        read_spec("lowpass", "1k", **kwargs)


def test_stopband_is_for_low_and_high_pass_only():
    with pytest.raises(ValueError, match="low- and high-pass"):
        read_spec("bandpass", "1k", stopband="2k", attenuation="40")
    with pytest.raises(ValueError, match="below its cutoff"):
        read_spec("highpass", "1k", stopband="2k", attenuation="40")


def test_a_milli_cutoff_asks_whether_meg_was_meant():
    with pytest.raises(ValueError, match=re.escape("did you mean 1meg")):
        parse_cutoff("1M")
    with pytest.raises(ValueError, match=re.escape("did you mean 0.5meg")):
        parse_cutoff("0.5m")


def test_q_box_says_whether_it_read_a_q_or_a_bandwidth():
    assert read_q("2", 5e3) == (2.0, "Q = 2")
    q, how = read_q("1k", 10e3)
    assert q == pytest.approx(10.0) and "bandwidth of 1 kHz" in how and "Q = 10" in how
    req = read_spec("bandpass", "10k", "1k")
    assert "read as a bandwidth" in req.reading
    with pytest.raises(ValueError, match="type a bandwidth with a unit"):
        read_q("1000", 10e3)


def test_order_offers_what_the_type_has():
    from circuitviz.topologies import CATALOGUE

    c = SpecControls()
    c.refresh_orders()  # the app does this once the model has loaded
    for filter_type in ("lowpass", "bandpass", "bandstop"):
        c.filter_type.value = filter_type
        offered = [v for _label, v in c.order.options if v]
        have = sorted({t.order for t in CATALOGUE.values() if t.family == filter_type})
        assert offered == have == list(orders_for(filter_type))
    c.filter_type.value = "lowpass"
    c.order.value = 1
    c.filter_type.value = "bandpass"  # no 1st-order band-pass
    assert c.order.value == 0


def test_enter_in_cutoff_generates():
    c = SpecControls()
    calls = []
    c.on_submit = lambda: calls.append(1)
    c.cutoff._handle_custom_msg({"event": "submit"}, [])
    assert calls == [1]


def test_unsupported_keywords_are_named_before_sampling():
    from circuitviz.app.engine import unsupported_options

    def old_sample(filter_type, cutoff_hz, n=8, seed=0, q=None, device=None, *, order=None):
        return []

    assert unsupported_options({"order": 2, "ripple_db": 1.0, "kind": "active"}, old_sample) == [
        "ripple_db",
        "kind",
    ]
    assert unsupported_options({"order": 2}, old_sample) == []


# -- slots and the kernel pool ------------------------------------------------------------
def test_slots_bound_the_pages_with_the_model(tmp_path):
    import subprocess
    import sys

    from circuitviz.app.slots import auto_max_visitors, claim_slot, live_slots

    assert claim_slot(tmp_path, 2, pid=1) == (True, 2)  # pid 1 always runs
    me = __import__("os").getpid()
    assert claim_slot(tmp_path, 2, pid=me) == (True, 2)
    assert claim_slot(tmp_path, 2, pid=me) == (True, 2)  # the same page again
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / f"{gone.pid}.pid").write_text("x")  # a page that ended
    assert live_slots(tmp_path) == sorted([1, me])
    assert claim_slot(tmp_path, 2, pid=gone.pid + 10**6)[0] is False
    assert claim_slot(None, None) == (True, None)  # outside the server
    assert auto_max_visitors(2 * 2**30) == 2  # Binder-sized
    assert auto_max_visitors(24 * 2**30) == 29
    from circuitviz.serve import default_pool_size

    assert [default_pool_size(m) for m in (2, 5, 29)] == [1, 2, 3]


def test_a_page_past_the_limit_keeps_controls_and_says_the_server_is_full(monkeypatch, tmp_path):
    from circuitviz.app import build_app
    from circuitviz.app.slots import ENV_DIR, ENV_MAX

    (tmp_path / "1.pid").write_text("1")
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    monkeypatch.setenv(ENV_MAX, "1")
    app = build_app()
    assert app.full_limit == 1 and app.engine._thread is None  # no model loading
    assert "limit of 1 designers" in app.status.value
    assert app.controls.cutoff.description == "Cutoff"
    assert not app.generate()
    assert "limit of 1 designers" in app.error.value
    assert app.netlist.run(), app.netlist.message.value


class _Task:
    def __init__(self, ready: bool, failed: bool = False):
        self._ready, self._failed = ready, failed

    def done(self):
        return self._ready or self._failed

    def cancelled(self):
        return False

    def exception(self):
        return RuntimeError("x") if self._failed else None


def test_a_page_never_waits_for_a_pool_refill():
    """Voila counts a refill still waiting as available; ours counts ready kernels only,
    so a reload right after the first page starts its own kernel instead of waiting."""
    from circuitviz.serve import ready_pool_factory

    seen = {}

    class Base:
        def __init__(self):
            self._pools = {}
            self.filled = 0

        def get_pool_size(self, name):
            return len(self._pools.get(name, []))

        async def get_rendered_notebook(self, notebook_name, extra_kernel_env_variables, **kw):
            seen["took"] = self._pools[notebook_name].pop(0)
            return "render task", [], "kernel-1"

        def get_kernel(self, kernel_id):
            return self.kernels[kernel_id]

        def fill_if_needed(self, delay=None, notebook_name=None, **kw):
            self.filled += 1

    def factory(base, preheat, size, page_config_hook=None):
        return Base

    cls = ready_pool_factory(factory)(object, True, 2)
    km = cls()
    pending, ready, failed = _Task(False), _Task(True), _Task(False, failed=True)
    km._pools["nb"] = [pending, failed, ready]
    long_ago = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    km.kernels = {"kernel-1": types.SimpleNamespace(last_activity=long_ago)}
    assert km.get_pool_size("nb") == 1  # the failed refill is dropped...
    assert km.filled == 1  # ...and replaced
    assert asyncio.run(km.get_rendered_notebook("nb"))[2] == "kernel-1"
    assert seen["took"] is ready
    assert km.get_pool_size("nb") == 0  # voila then starts a fresh kernel
    # the kernel handed out is active now: the idle culler leaves it to its page
    age = datetime.datetime.now(datetime.UTC) - km.kernels["kernel-1"].last_activity
    assert age.total_seconds() < 5
    assert ready_pool_factory(factory)(object, False, 2) is Base


# -- the agreement verdict ------------------------------------------------------------------
class _Spice:
    def __init__(self, tf, f):
        self.poles, self.zeros, self.freqs_hz, self.h = tf.poles, tf.zeros, f, tf.freqresp(f)


def test_agreement_counts_roots_and_a_floored_bode_gap():
    from circuitviz.analysis import TransferFunction
    from circuitviz.app.agreement import agreement

    w0 = 2 * math.pi * 1e3
    pair = w0 * np.exp(1j * np.array([0.75, -0.75]) * math.pi)
    tf = TransferFunction(pair, np.zeros(0), w0**2)
    f = np.logspace(1, 5, 400)
    same = agreement(tf, _Spice(tf, f))
    assert same.verdict == "agrees" and same.text().startswith("agrees: roots within")
    moved = TransferFunction(pair * 1.2, np.zeros(0), (1.2 * w0) ** 2)
    close = agreement(moved, _Spice(tf, f))
    assert close.verdict == "close" and "roots within 17 %" in close.text()
    extra = TransferFunction(pair, np.array([-w0]), w0)
    differs = agreement(extra, _Spice(tf, f))
    assert differs.verdict == "differs"
    assert "predicted 2 poles, 1 zero; SPICE 2 poles, 0 zeros" in differs.text()
    assert "✗" not in differs.text() and "match" not in differs.text().split(";")[0]
    # the matcher and the Bode-gap rule themselves: tests/test_verification.py


def test_table_flags_impractical_parts_and_shows_passband_gain():
    from circuitviz.app.candidates import part_issues, readable_name
    from circuitviz.circuit import Circuit, Element

    big = Circuit(
        (
            Element("R", "R1", ("in", "out"), 1e3),
            Element("L", "L1", ("out", "0"), 1.91),
            Element("C", "C1", ("out", "0"), 4.6e-13),
        )
    )

    class C:
        circuit = big

    issues = part_issues(C())  # the designer's check, run on it
    assert any("L1 = 1.91 H is above the practical 1 H" in i for i in issues)
    assert any(i.startswith("C1 = 460 fF is below the practical 1 pF") for i in issues)

    class Given:
        circuit = big
        impractical = ("L1 1.91 H above 1 H",)
        warnings = ("L2 200 mH is large",)

    assert part_issues(Given()) == ["L1 1.91 H above 1 H", "L2 200 mH is large"]

    class Fine:
        circuit = big
        impractical = ()

    assert part_issues(Fine()) == []  # the designer's word stands
    assert "Sallen-Key" in readable_name("sallen_key_lp2")


def test_ngspice_internals_become_plain_words():
    from circuitviz.app.engine import plain_note

    assert "stopped early" in plain_note("Pole-zero iteration limit reached; giving up")
    assert "no pole/zero result" in plain_note("There are no vectors currently active.")
    assert plain_note("something else. more") == "something else"


# -- plots ------------------------------------------------------------------------------
def test_mask_regions_shade_the_forbidden_areas():
    from circuitviz.viz.bode import Mask, mask_regions

    lp = mask_regions(Mask("lowpass", 1e3, 0.5, 2e3, 40.0), 0.0, (10.0, 1e5))
    assert len(lp) == 2
    passband, stopband = lp
    assert (passband["x0"], passband["x1"], passband["y1"]) == (10.0, 1e3, -0.5)
    assert passband["y0"] < -100
    assert (stopband["x0"], stopband["x1"], stopband["y0"]) == (2e3, 1e5, -40.0)
    hp = mask_regions(Mask("highpass", 1e3, 3.0, 500.0, 30.0), -6.0, (10.0, 1e5))
    assert (hp[0]["x0"], hp[0]["x1"], hp[0]["y1"]) == (1e3, 1e5, -9.0)
    assert (hp[1]["x0"], hp[1]["x1"], hp[1]["y0"]) == (10.0, 500.0, -36.0)
    # a high-pass on finite-GBW op-amps is judged up to a top: its passband ends there
    topped = mask_regions(Mask("highpass", 1e3, 3.0, top_hz=1e4), 0.0, (10.0, 1e5))
    assert (topped[0]["x0"], topped[0]["x1"]) == (1e3, 1e4)
    assert mask_regions(Mask("bandpass", 1e3), 0.0, (10.0, 1e5)) == []


def test_bode_starts_around_what_the_filter_does_with_a_way_to_see_all():
    from circuitviz.analysis import TransferFunction
    from circuitviz.viz.bode import Mask, bode_overlay

    w0 = 2 * math.pi * 1e3
    poles = w0 * np.exp(1j * math.pi * np.array([0.6, 0.8, 1.0, 1.2, 1.4]))
    tf = TransferFunction(poles, np.zeros(0), w0**5)
    fig = bode_overlay(
        exact=tf, requested_cutoff_hz=1e3, mask=Mask("lowpass", 1e3, 3.01, 3e3, 40.0)
    )
    lo, hi = fig.layout.yaxis.range
    assert -70 <= lo <= -55 and 0 < hi < 10  # not −250 dB
    assert fig.layout.height >= 600
    mag = fig.layout.yaxis.domain
    assert mag[1] - mag[0] >= 0.6  # magnitude gets the room
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["focus", "all"]
    full = fig.layout.updatemenus[0].buttons[1].args[0]["yaxis.range"]
    assert full[0] < -150
    texts = [a.text for a in fig.layout.annotations]
    assert any(t.startswith("−3 dB level:") for t in texts)
    assert not any(re.search(r"−3 dB \(", t) for t in texts)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 2


def test_elliptic_pole_zero_map_is_not_a_strip():
    from circuitviz.viz import pole_zero_data, pole_zero_figure

    w0 = 2 * math.pi * 1e3
    zeros = 1j * w0 * np.array([1.5, -1.5, 2.5, -2.5])
    poles = w0 * np.array([-0.05 + 1j, -0.05 - 1j, -0.3 + 0.7j, -0.3 - 0.7j, -0.5])
    fig = pole_zero_figure(
        [pole_zero_data(poles=poles, zeros=zeros)], cutoff_hz=1e3, log_polar=False
    )
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    assert (x1 - x0) / (y1 - y0) > 0.55
    empty = pole_zero_figure([pole_zero_data(poles=[], zeros=[])])
    note = [a for a in empty.layout.annotations if a.text == "no finite poles or zeros"][0]
    assert note.y > 0.9 and note.bgcolor == "white"  # clear of the axes


# -- schematic and downloads --------------------------------------------------------------
def test_schematics_keep_a_readable_minimum_scale():
    from circuitviz.app.detail import MIN_SCHEMATIC_SCALE, schematic_html
    from circuitviz.topologies import CATALOGUE
    from circuitviz.viz import schematic_svg

    t = CATALOGUE["tow_thomas_lp2"]
    svg = schematic_svg(t.build({s.name: 1e3 if s.kind == "R" else 1e-8 for s in t.slots}))
    width = float(re.search(r'<svg[^>]*width="([0-9.]+)pt"', svg).group(1))
    shown = schematic_html(svg)
    style = re.search(r'<svg style="([^"]+)"', shown).group(1)
    assert f"min-width:{MIN_SCHEMATIC_SCALE * width:.0f}pt" in style
    assert "width:100%" in style and MIN_SCHEMATIC_SCALE >= 0.75


def test_downloads_are_separate_tables_named_after_the_spec():
    from circuitviz.app.detail import bom_csv, components_csv, file_stem
    from circuitviz.circuit import Circuit, Element

    c = Circuit(
        (
            Element("R", "R1", ("in", "a"), 10e3),
            Element("R", "R2", ("a", "b"), 10e3),
            Element("C", "C1", ("b", "out"), 1.23456789e-8),
        )
    )
    comp = components_csv(c).splitlines()
    assert comp[0] == "name,kind,value,unit,nets" and comp[3].startswith("C1,capacitor,1.23457e-08")
    bom = bom_csv(c, "E24").splitlines()
    assert bom[0].startswith("quantity,part,value")
    assert any(line.startswith("2,resistor,") and "R1 R2" in line for line in bom)
    assert "" not in bom  # one table per file
    assert (
        file_stem("lowpass", "1 kHz", None, 2, "sallen_key_lp2") == "lowpass_1kHz_2_sallen_key_lp2"
    )
    assert file_stem("bandpass", "4.7 µHz") == "bandpass_4.7uHz"


def test_hiding_q_hides_nothing_else():
    c = SpecControls()
    assert c.q.layout.display == "none"
    shown = [
        c.filter_type,
        c.cutoff,
        c.response,
        c.order,
        c.ripple,
        c.stopband,
        c.attenuation,
        c.gain,
        c.kind,
        c.opamp,
    ]
    assert all(x.layout.display != "none" for x in shown)
    assert len({id(x.layout) for x in shown + [c.q]}) == len(shown) + 1


def test_a_waiting_page_gets_its_controls_before_torch_loads(monkeypatch):
    """In a kernel started for a waiting page, the model warm-up starts when the page
    says it has drawn the widgets (or after a fallback), not while it asks for them."""
    import circuitviz.app as app_module

    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setattr(app_module, "AFTER_RENDER_FALLBACK_S", 30.0)
    app = app_module.build_app(model="/nonexistent/model.pt")
    assert app.engine._thread is None
    app.table.grid._handle_custom_msg({"event": "rendered"}, [])
    assert app.engine._thread is not None
    assert app.engine.wait(timeout=600)


def test_filter_type_options_are_the_type_names():
    c = SpecControls()
    assert list(c.filter_type.options) == ["lowpass", "highpass", "bandpass", "bandstop"]


def test_warm_ups_take_turns(tmp_path):
    import threading

    from circuitviz.app.slots import warm_up_turn

    inside, most = [0], [0]

    def one():
        with warm_up_turn(tmp_path):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            threading.Event().wait(0.05)
            inside[0] -= 1

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1
    with warm_up_turn(None):  # outside the server: no waiting
        pass


def test_the_controls_do_not_load_the_catalogue():
    """Building the controls must stay light (the catalogue pulls in scipy.signal)."""
    import subprocess
    import sys

    code = (
        "import sys; from circuitviz.app.controls import SpecControls; c = SpecControls(); "
        "print('circuitviz.topologies' in sys.modules, [v for _l, v in c.order.options])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split(" ", 1)
    assert out[0] == "False"
    assert out[1].strip() == "[0, 1, 2, 3, 4, 5, 6, 7, 8]"


@pytest.mark.parametrize(
    "field, text, fragment",
    [
        ("ripple", "5", "outside 0.01 to 3.01 dB"),
        ("ripple", "0", "outside 0.01 to 3.01 dB"),
        ("attenuation", "5", "outside 10 to 100 dB"),
        ("attenuation", "120", "outside 10 to 100 dB"),
    ],
)
def test_mask_boxes_refuse_with_the_range_sample_accepts(field, text, fragment):
    # the app once let ripple 5 dB through and sample() then refused it with other numbers
    kwargs = {"stopband": "3k", "attenuation": "40", field: text}
    with pytest.raises(ValueError, match=fragment):
        read_spec("lowpass", "1k", **kwargs)


def test_attenuation_without_a_stopband_names_the_boxes_not_command_line_options():
    with pytest.raises(ValueError, match="give a Stopband edge too") as err:
        read_spec("lowpass", "1k", attenuation="40")
    assert "--" not in str(err.value)
    ok = read_spec("lowpass", "1k", response="elliptic", attenuation="30").sample_kwargs()
    assert ok == {"response": "elliptic", "attenuation_db": 30.0}
