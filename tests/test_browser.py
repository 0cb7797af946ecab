"""End to end in real headless Chromium: ``python -m circuitviz.serve`` on a free port,
driven the way a designer uses it, by the controls' labels.

One page walks through the whole story (the steps share the page, so they are one
test): generate, inspect, select another candidate, survive a bad cutoff, generate
again, analyse a pasted netlist.  Requests leaving 127.0.0.1 are blocked and must not
happen (the app works offline).  A screenshot lands in ``test-artifacts/``.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from circuitviz.serve import running_server

    log = tmp_path_factory.mktemp("voila") / "voila.log"
    with running_server(log_path=log) as url:
        yield url, log


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    from circuitviz.app.headless import block_outside, launch

    url, _log = server
    with sync_playwright() as pw:
        browser = launch(pw)
        context = browser.new_context(viewport={"width": 1360, "height": 1900})  # whole app
        outside = block_outside(context)
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.goto(url)
        pg.outside, pg.errors = outside, errors
        yield pg
        browser.close()


def _status_run(page, n: int) -> None:
    page.locator(".cv-note", has_text=f"Run {n}:").wait_for()


def test_designer_end_to_end(page, server):
    from playwright.sync_api import expect

    # -- the controls, found by their labels --------------------------------------
    page.get_by_label("Cutoff").wait_for()
    page.get_by_label("Filter type").select_option("highpass")
    page.get_by_label("Cutoff").fill("2.2 kHz")
    generate = page.get_by_role("button", name="Generate")
    start = time.perf_counter()
    generate.click()
    _status_run(page, 1)
    first_click_s = time.perf_counter() - start

    # -- candidates, schematic and plots -----------------------------------------
    rows = page.locator("table[aria-label=ranking] tbody tr")
    expect(rows).to_have_count(8)
    assert "highpass" in rows.first.inner_text()
    expect(page.locator(".cv-schematic svg")).to_have_count(1)
    design = page.locator(".cv-design")
    expect(design.locator(".js-plotly-plot")).to_have_count(2)
    expect(design.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.locator(".cv-error")).to_have_count(0)
    expect(generate).to_be_enabled()
    expect(page.get_by_text("Download:")).to_be_visible()

    # -- select another candidate ------------------------------------------------------
    second = rows.nth(1).locator("td").nth(1).inner_text()
    page.get_by_label("Candidate").select_option(index=1)
    expect(page.locator("tr.cv-selected")).to_have_attribute("data-rank", "2")
    expect(page.get_by_role("heading", name=f"Candidate: {second}")).to_be_visible()
    third = rows.nth(2).locator("td").nth(1).inner_text()
    page.get_by_role("option", name=re.compile(r"^#3 ")).click()       # a click works too
    expect(page.locator("tr.cv-selected")).to_have_attribute("data-rank", "3")
    expect(page.get_by_role("heading", name=f"Candidate: {third}")).to_be_visible()

    # -- a bad cutoff: plain words, nothing lost, the app still works --------------------
    page.get_by_label("Cutoff").fill("abc")
    generate.click()
    error = page.locator(".cv-error")
    expect(error).to_contain_text("not a frequency")
    expect(error).to_contain_text("previous results are still shown")
    expect(rows).to_have_count(8)
    expect(page.locator(".cv-schematic svg")).to_have_count(1)
    page.get_by_label("Cutoff").fill("1k")
    page.get_by_label("Filter type").select_option("lowpass")
    start = time.perf_counter()
    generate.click()
    _status_run(page, 2)
    warm_click_s = time.perf_counter() - start
    expect(page.locator(".cv-error")).to_have_count(0)
    assert "lowpass" in rows.first.inner_text()

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".cv-design .js-plotly-plot .main-svg").nth(1).wait_for()
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
    print(f"\nclick to plots: first {first_click_s:.2f} s, warm {warm_click_s:.2f} s")

    # -- the netlist mode ---------------------------------------------------------------
    page.get_by_role("tab", name="Analyze a netlist").click()
    page.get_by_label("Netlist").fill("* RC low-pass\nR1 in out 1k\nC1 out 0 1u\n")
    page.get_by_role("button", name="Analyze netlist").click()
    netlist_tab = page.locator(".cv-netlist")
    expect(netlist_tab.get_by_role("heading", name=re.compile("Your circuit: lowpass"))) \
        .to_be_visible()
    expect(netlist_tab.locator(".js-plotly-plot")).to_have_count(2)
    expect(netlist_tab.locator(".cv-schematic svg")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "app_netlist.png"), full_page=True)

    assert page.outside == [], f"requests left 127.0.0.1: {page.outside}"
    assert page.errors == [], f"JavaScript errors: {page.errors}"
