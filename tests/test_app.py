"""The app's pieces without a browser: control parsing, the netlist mode, views, serving."""

from __future__ import annotations

import base64
import datetime
import json
import math
import os
import re
from pathlib import Path

import ipywidgets
import pytest

from circuitviz.app.controls import (
    SpecControls,
    parse_cutoff,
    parse_q_or_bandwidth,
    read_spec,
)
from circuitviz.app.netlist_mode import EXAMPLE, MAX_UPLOAD_BYTES, NetlistMode, read_upload
from circuitviz.app.views import PLOTLY_MIME, download_link, figure_output, message_html


# -- cutoff, Q and the whole spec -------------------------------------------------------
@pytest.mark.parametrize(
    "text, hz",
    [
        ("1k", 1e3),
        ("2.2 kHz", 2200.0),
        ("2.2kHz", 2200.0),
        ("1000", 1e3),
        ("1e3", 1e3),
        ("50 Hz", 50.0),
        ("1 MHz", 1e6),
        ("1meg", 1e6),
        ("10K", 1e4),
        (" 4.7k ", 4700.0),
        ("100 khz", 1e5),
    ],
)
def test_cutoff_accepts_spice_and_si_notation(text, hz):
    assert parse_cutoff(text) == pytest.approx(hz, rel=1e-12)


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "type a cutoff"),
        ("abc", "not a frequency"),
        ("1x", "unknown unit 'x'"),
        ("5 Hz", "outside the range"),
        ("10 mHz", "outside the range"),  # SPICE 'm' is milli: 0.01 Hz, not 10 MHz
        ("2 GHz", "outside the range"),
        ("-1k", "outside the range"),
    ],
)
def test_bad_cutoff_is_refused_in_plain_words(text, says):
    with pytest.raises(ValueError, match=re.escape(says)) as info:
        parse_cutoff(text)
    if "range" in says:
        assert "10 Hz to 1 MHz" in str(info.value)


def test_q_box_takes_a_q_or_a_bandwidth():
    assert parse_q_or_bandwidth("", 5e3) is None
    assert parse_q_or_bandwidth("2", 5e3) == 2.0
    assert parse_q_or_bandwidth("500 Hz", 5e3) == pytest.approx(10.0)
    assert parse_q_or_bandwidth("1 kHz", 5e3) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="outside the range.*0.5 to 30"):
        parse_q_or_bandwidth("100", 5e3)
    with pytest.raises(ValueError, match="bandwidth 10 Hz gives Q = 500"):
        parse_q_or_bandwidth("10 Hz", 5e3)
    with pytest.raises(ValueError, match="not a number"):
        parse_q_or_bandwidth("high", 5e3)


def test_read_spec_checks_everything_and_ignores_q_for_lowpass():
    req = read_spec("bandpass", "5k", "2", order=2, n=4, seed=7)
    assert (req.spec.filter_type, req.spec.cutoff_hz, req.spec.q, req.spec.order) == (
        "bandpass",
        5e3,
        2.0,
        2,
    )
    assert (req.n, req.seed) == (4, 7)
    assert read_spec("lowpass", "1k", "2").spec.q is None  # the hidden Q box does not count
    with pytest.raises(ValueError, match="choose a filter type"):
        read_spec("notch", "1k")
    with pytest.raises(ValueError, match="number of candidates"):
        read_spec("lowpass", "1k", n=0)


def test_controls_carry_the_contract_labels():
    c = SpecControls()
    labels = {
        "filter_type": "Filter type",
        "cutoff": "Cutoff",
        "button": "Generate",
        "response": "Response",
        "ripple": "Ripple",
        "stopband": "Stopband",
        "attenuation": "Attenuation",
        "gain": "Gain",
        "opamp": "Op-amp",
        "kind": "Kind",
    }
    for attr, label in labels.items():
        assert getattr(c, attr).description == label
    # a label is found by substring: no other control may contain one of them
    others = [c.q, c.order, c.n, c.seed]
    words = "|".join(re.escape(v) for v in labels.values())
    assert not any(re.search(words, x.description, re.I) for x in others)
    everything = [getattr(c, a) for a in labels] + others
    descriptions = [x.description.lower() for x in everything]
    for label in labels.values():
        assert sum(label.lower() in d for d in descriptions) == 1, label


def test_no_unlabelled_sliders():
    """Every input carries a label (sliders had none)."""
    c = SpecControls()
    for child in _walk(c.widget):
        if isinstance(
            child, (ipywidgets.IntSlider, ipywidgets.FloatSlider, ipywidgets.FloatLogSlider)
        ):
            assert child.description, child


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_q_box_shows_only_for_band_types_and_busy_disables_generate():
    c = SpecControls()
    assert c.q.layout.display == "none"
    c.filter_type.value = "bandstop"
    assert c.q.layout.display is None
    c.busy("working")
    assert c.button.disabled and "progressbar" in c.progress.value
    c.busy(None)
    assert not c.button.disabled and c.progress.value == ""


# -- views ----------------------------------------------------------------------------
def test_figure_output_is_plotly_mime_json_with_offline_config():
    import numpy as np
    import plotly.graph_objects as go

    out = figure_output(go.Figure(go.Scatter(x=np.arange(3), y=np.arange(3.0))))
    spec = out["data"][PLOTLY_MIME]
    assert out["output_type"] == "display_data"
    json.dumps(out)  # plain JSON, sendable to the page
    x = spec["data"][0]["x"]  # plotly.js reads typed arrays
    assert x == [0, 1, 2] or np.frombuffer(base64.b64decode(x["bdata"]), x["dtype"]).tolist() == [
        0,
        1,
        2,
    ]
    assert spec["config"]["displaylogo"] is False


def test_messages_escape_and_downloads_carry_content():
    assert "&lt;b&gt;" in message_html("<b>bad</b>")
    link = download_link("netlist", "a.cir", "R1 in out 1k\n", "text/plain")
    payload = re.search(r'base64,([^"]+)"', link).group(1)
    assert base64.b64decode(payload).decode() == "R1 in out 1k\n"
    assert 'download="a.cir"' in link


# -- netlist mode -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def netlist_mode():
    mode = NetlistMode()
    assert mode.run(), mode.message.value
    return mode


def test_netlist_mode_shows_schematic_overlays_components_and_downloads(netlist_mode):
    d = netlist_mode.detail
    assert "lowpass, 2.02 kHz" in d.heading.value
    assert d.schematic.value.lstrip().startswith(("<svg", "<?xml"))
    for out in (d.pz, d.bode):
        (record,) = out.outputs
        names = [t.get("name", "") for t in record["data"][PLOTLY_MIME]["data"]]
        assert any("SPICE" in n for n in names) and any("exact" in n for n in names), names
    assert "pole/zero analysis" in d.notes.value and ".pz" not in d.notes.value
    assert "R1" in d.components.value and "10 kΩ" in d.components.value
    assert 'download="sallen_key_unity_gain_low_pass.cir"' in d.downloads.value  # the title
    assert 'download="sallen_key_unity_gain_low_pass.svg"' in d.downloads.value
    assert 'download="sallen_key_unity_gain_low_pass.asc"' in d.downloads.value


def test_e_series_toggle_snaps_everything_shown(netlist_mode):
    d = netlist_mode.detail
    d.series.value = "E12"
    try:
        assert "E12" in d.components.value and "change" in d.components.value
        assert "E12 values: cutoff" in d.shift.value and "→" in d.shift.value
        assert "E12 values" in d.heading.value
        assert "_E12.cir" in d.downloads.value and "_E12_bom.csv" in d.downloads.value
        names = [t.get("name", "") for t in d.bode.outputs[0]["data"][PLOTLY_MIME]["data"]]
        assert any("E12 values" in n for n in names), names
        netlist = _download(d.downloads.value, "_E12.cir")
        from circuitviz.eseries import E12
        from circuitviz.netlist import parse_netlist

        for e in parse_netlist(netlist).elements:  # what is downloaded is snapped
            if e.kind in ("R", "C"):
                mantissa = e.value / 10 ** math.floor(math.log10(e.value) + 1e-9)
                assert min(abs(mantissa - v) for v in E12) < 1e-6, (e.name, e.value)
    finally:
        d.series.value = "exact"
    assert "_E12.cir" not in d.downloads.value and d.shift.value == ""


def _download(links: str, suffix: str) -> str:
    found = re.search(
        rf'download="[^"]*{re.escape(suffix)}" href="data:[^;]+;base64,([^"]+)"', links
    )
    assert found, links
    return base64.b64decode(found.group(1)).decode()


def test_bad_netlist_shows_the_reason_and_keeps_the_previous_views(netlist_mode):
    before = netlist_mode.detail.schematic.value
    netlist_mode.text.value = "R1 in out 1k\nQ1 out 0 x"
    assert not netlist_mode.run()
    msg = netlist_mode.message.value
    assert "line 2" in msg and "Q1" in msg.replace("&#x27;", "'")
    assert "previous circuit is still shown" in msg
    assert netlist_mode.detail.schematic.value == before
    assert not netlist_mode.button.disabled
    netlist_mode.text.value = EXAMPLE
    assert netlist_mode.run() and netlist_mode.message.value == ""


def test_upload_fills_the_box_and_refuses_oversized_files():
    name, text = read_upload(({"name": "rc.cir", "content": memoryview(b"R1 in out 1k\n")},))
    assert (name, text) == ("rc.cir", "R1 in out 1k\n")
    with pytest.raises(ValueError, match="must be under"):
        read_upload(({"name": "big.cir", "content": b"*" * (MAX_UPLOAD_BYTES + 1)},))
    mode = NetlistMode(text="")
    mode.upload.value = (
        {
            "name": "rc.cir",
            "content": memoryview(b"R1 in out 1k\nC1 out 0 1u\n"),
            "size": 24,
            "type": "",
            "last_modified": datetime.datetime(2024, 1, 1),
        },
    )
    assert mode.text.value.startswith("R1 in out 1k")
    assert "lowpass" in mode.detail.heading.value


# -- serving ---------------------------------------------------------------------------
def test_voila_command_serves_offline_preheated_and_culls():
    from circuitviz.serve import TEMPLATE_ROOT, notebook_path, voila_argv

    argv = voila_argv(notebook_path(), 8866)
    assert argv[0].endswith("designer.ipynb")
    assert "--port=8866" in argv and "--Voila.ip=127.0.0.1" in argv
    assert "--template=circuitviz" in argv
    assert "--preheat_kernel=True" in argv and "--pool_size=2" in argv
    assert any(a.startswith("--MappingKernelManager.cull_idle_timeout=") for a in argv)
    template = TEMPLATE_ROOT / "voila" / "templates" / "circuitviz" / "index.html.j2"
    assert "fontawesome" in template.read_text()  # the CDN links it removes


def test_template_removes_exactly_the_cdn_links_of_the_lab_template():
    """Our template deletes the lab template's CDN links by exact text: if voila changes
    them, this fails (the browser test would see the request)."""
    from voila.paths import collect_template_paths

    from circuitviz.serve import TEMPLATE_ROOT

    lab_dir = [
        p
        for p in collect_template_paths(["voila"], "lab", prune=True)
        if p.endswith(os.path.join("voila", "templates", "lab"))
    ][0]
    lab = Path(lab_dir, "index.html.j2").read_text()
    ours = (TEMPLATE_ROOT / "voila" / "templates" / "circuitviz" / "index.html.j2").read_text()
    removed = re.findall(r"replace\('([^']+)', ''\)", ours)
    assert len(removed) == 2 and all(link in lab for link in removed)
    links = re.findall(r'<link[^>]+href="https?://[^"]+"[^>]*>', lab)
    assert sorted(links) == sorted(removed)


def test_port_comes_from_env_and_a_taken_port_is_an_error(monkeypatch):
    import socket
    import subprocess
    import sys

    from circuitviz.serve import DEFAULT_PORT, _env_port

    monkeypatch.delenv("PORT", raising=False)
    assert _env_port() == DEFAULT_PORT == 8866
    monkeypatch.setenv("PORT", "9123")
    assert _env_port() == 9123
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SystemExit, match="PORT must be a number"):
        _env_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "circuitviz.serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert "could not be started" in done.stdout + done.stderr


def test_importing_the_app_is_light():
    """The notebook's first line must not wait for torch or SPICE: those load in the
    background after the page is up."""
    import subprocess
    import sys

    code = (
        "import sys, circuitviz.app, circuitviz.serve; "
        "print(sorted(m for m in ('torch', 'PySpice', 'plotly', 'schemdraw') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
