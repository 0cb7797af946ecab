"""End to end in real headless Chromium: ``python -m circuitviz.serve`` on a free port,
driven the way a designer uses it, by the controls' labels.

One page walks through the whole story (the steps share the page, so they are one
test): generate with Enter, inspect, select other candidates by click and keyboard,
E-series values, survive a bad cutoff, generate again, analyse a pasted netlist.  Other
tests reload, open a second tab and bring several visitors at once, each of whom must
see the controls within seconds.  Requests leaving 127.0.0.1 are blocked and must not
happen (the app works offline).  Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
#: What "within seconds" means on a 2-core CI machine: a reload or a second tab within
#: this long, or a few times one page's own load where the machine is busier (the app
#: benchmark measures the real figures; before the fix a reload waited ~120 s for the
#: preheated pool's refill).
CONTROLS_WITHIN_S = 20.0


def _bound(single_s: float, pages: int = 1) -> float:
    """The longest acceptable wait for ``pages`` loading at once, given how long one page
    took on this machine just now."""
    return max(CONTROLS_WITHIN_S * (1 + 0.5 * (pages - 1)), 3.0 * pages * single_s)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from circuitviz.serve import running_server

    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with running_server(log_path=log) as url:
        yield url, log


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from circuitviz.app.headless import launch

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


def _context(browser, width=1280, height=720):
    from circuitviz.app.headless import block_outside

    context = browser.new_context(viewport={"width": width, "height": height})
    context.outside = block_outside(context)
    return context


def _page(context, timeout_s: float = 90.0):
    pg = context.new_page()
    pg.set_default_timeout(timeout_s * 1000)
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    return pg


def _controls_shown(page, start: float) -> float:
    page.get_by_label("Cutoff").wait_for()
    page.get_by_role("button", name="Generate").wait_for()
    return time.perf_counter() - start


def _status_run(page, n: int) -> None:
    page.locator(".cv-note", has_text=f"Run {n}:").wait_for()


def test_designer_end_to_end(server, browser):
    from playwright.sync_api import expect

    url, _log = server
    context = _context(browser)
    page = _page(context)
    page.goto(url)
    _controls_shown(page, time.perf_counter())
    assert page.title() == "circuitviz"
    expect(page.locator(".cv-intro")).to_contain_text("Seed")
    expect(page.locator(".cv-intro")).to_contain_text("centre")
    for label in (
        "Filter type",
        "Cutoff",
        "Response",
        "Ripple",
        "Stopband",
        "Attenuation",
        "Gain",
        "Op-amp",
        "Kind",
    ):
        expect(page.get_by_label(label, exact=True)).to_be_visible()
    # no unlabelled sliders anywhere
    for slider in page.get_by_role("slider").all():
        assert slider.get_attribute("aria-label") or slider.get_attribute("aria-labelledby")

    # -- Enter in Cutoff generates, with the value just typed ---------------------------
    page.get_by_label("Filter type").select_option("highpass")
    page.get_by_label("Cutoff").fill("2.2 kHz")
    start = time.perf_counter()
    page.get_by_label("Cutoff").press("Enter")
    _status_run(page, 1)
    first_click_s = time.perf_counter() - start
    expect(page.locator(".cv-reading")).to_contain_text("cutoff 2.2 kHz")

    # -- candidates, schematic and plots, reachable at 1280 x 720 -------------------------
    rows = page.locator("table[aria-label=ranking] tbody tr")
    expect(rows).to_have_count(8)
    assert "highpass" in rows.first.inner_text()
    expect(page.locator("select[multiple], .widget-select select")).to_have_count(0)  # no list box
    schematic = page.locator(".cv-design .cv-schematic svg")
    expect(schematic).to_have_count(1)
    design = page.locator(".cv-design")
    expect(design.locator(".js-plotly-plot")).to_have_count(2)
    expect(design.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    assert schematic.bounding_box()["y"] < 720, "schematic far below the fold"
    assert design.locator(".cv-bode").bounding_box()["y"] < 1.3 * 720, "Bode plot far below"
    expect(page.locator(".cv-error")).to_have_count(0)
    expect(page.get_by_text("Download:")).to_be_visible()

    # -- a row click and the keyboard select candidates ----------------------------------------
    heading = page.locator(".cv-detail h3").first
    rows.nth(2).click()
    expect(heading).to_contain_text("Candidate #3")
    expect(page.locator("tr.cv-selected")).to_have_attribute("data-rank", "3")
    page.keyboard.press("ArrowDown")
    expect(heading).to_contain_text("Candidate #4")
    page.keyboard.press("Home")
    expect(heading).to_contain_text("Candidate #1")
    rows.nth(1).focus()
    page.keyboard.press("Enter")
    expect(heading).to_contain_text("Candidate #2")

    # -- E-series values: shown, kept across candidates ----------------------------------
    page.get_by_role("button", name="E24").click()
    expect(heading).to_contain_text("E24 values")
    expect(page.locator(".cv-detail .cv-note", has_text="E24 values:")).to_be_visible()
    rows.nth(0).click()
    expect(heading).to_contain_text("Candidate #1")
    expect(heading).to_contain_text("E24 values")
    expect(page.locator(".cv-downloads a", has_text="(E24)").first).to_be_visible()
    page.get_by_role("button", name="exact").click()
    expect(heading).to_contain_text("exact values")

    # -- a bad cutoff: plain words, nothing lost, the app still works --------------------
    page.get_by_label("Cutoff").fill("1M")
    page.get_by_role("button", name="Generate").click()
    error = page.locator(".cv-error")
    expect(error).to_contain_text("did you mean 1meg")
    expect(error).to_contain_text("previous results are still shown")
    expect(rows).to_have_count(8)
    expect(schematic).to_have_count(1)
    page.get_by_label("Cutoff").fill("1k")
    page.get_by_label("Filter type").select_option("lowpass")
    start = time.perf_counter()
    page.get_by_role("button", name="Generate").click()
    _status_run(page, 2)
    warm_click_s = time.perf_counter() - start
    expect(page.locator(".cv-error")).to_have_count(0)
    assert "lowpass" in rows.first.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".cv-design .js-plotly-plot .main-svg").nth(1).wait_for()
    page.screenshot(path=str(ARTIFACTS / "app.png"))
    print(f"\nclick to plots: first {first_click_s:.2f} s, warm {warm_click_s:.2f} s")

    # -- 800 px wide: the table is not clipped, schematic labels stay readable -------------
    page.set_viewport_size({"width": 800, "height": 900})
    page.wait_for_timeout(500)
    table = page.locator("table[aria-label=ranking]")
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 800 + 1, box
    label = page.locator(".cv-design .cv-schematic svg text").first
    assert label.bounding_box()["height"] >= 9, label.bounding_box()
    page.screenshot(path=str(ARTIFACTS / "app_800.png"))
    page.set_viewport_size({"width": 1280, "height": 720})

    # -- the netlist mode ---------------------------------------------------------------
    page.get_by_role("tab", name="Analyze a netlist").click()
    page.get_by_label("Netlist").fill("* RC low-pass\nR1 in out 1k\nC1 out 0 1u\n")
    page.get_by_role("button", name="Analyze netlist").click()
    netlist_tab = page.locator(".cv-netlist")
    expect(
        netlist_tab.get_by_role("heading", name=re.compile("Your circuit: lowpass"))
    ).to_be_visible()
    expect(netlist_tab.locator(".js-plotly-plot")).to_have_count(2)
    expect(netlist_tab.locator(".cv-schematic svg")).to_have_count(1)

    assert context.outside == [], f"requests left 127.0.0.1: {context.outside}"
    assert page.errors == [], f"JavaScript errors: {page.errors}"
    context.close()


def test_reloads_and_a_second_tab_show_the_controls_within_seconds(server, browser):
    url, _log = server
    context = _context(browser)
    page = _page(context)
    start = time.perf_counter()
    page.goto(url)
    single = _controls_shown(page, start)
    waits = []
    for _ in range(3):  # more reloads than preheated kernels
        start = time.perf_counter()
        page.reload()
        waits.append(_controls_shown(page, start))
    second = _page(context)
    start = time.perf_counter()
    second.goto(url)
    waits.append(_controls_shown(second, start))
    print(
        f"\nfirst {single:.1f} s; reloads and a second tab: "
        f"{', '.join(f'{s:.1f}' for s in waits)} s"
    )
    assert max(waits) < _bound(single), (single, waits)
    # the second tab works, not just shows
    second.get_by_label("Cutoff").fill("5k")
    second.get_by_role("button", name="Generate").click()
    _status_run(second, 1)
    assert context.outside == [] and page.errors == [] and second.errors == []
    context.close()


def test_several_visitors_at_once_each_see_the_controls(server, browser):
    url, _log = server
    visitors = 3
    probe = _page(_context(browser))
    start = time.perf_counter()
    probe.goto(url)
    single = _controls_shown(probe, start)
    probe.close(run_before_unload=True)
    contexts = [_context(browser) for _ in range(visitors)]
    pages = [_page(c) for c in contexts]
    start = time.perf_counter()
    for page in pages:  # all requests out before any page is drawn
        page.goto(url, wait_until="commit")
    waits = [_controls_shown(page, start) for page in pages]
    print(
        f"\none page {single:.1f} s; {visitors} visitors at once: "
        f"{', '.join(f'{s:.1f}' for s in waits)} s"
    )
    assert max(waits) < _bound(single, visitors), (single, waits)
    assert all(c.outside == [] for c in contexts)
    assert all(p.errors == [] for p in pages)
    for c in contexts:
        c.close()
