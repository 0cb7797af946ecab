"""Benchmark the served app in headless Chromium: every page-load wait a visitor meets,
kernel memory, click-to-plots latency, and the state after an idle period.

    python benchmarks/app.py [--visitors 5] [--clicks 3] [--idle 600] [--write]
    python benchmarks/app.py --quick          # a check that it runs: --idle 20 --clicks 1

Starts ``python -m circuitviz.serve`` on a free port (the shipped model, the preheated
pool, culling after ``--idle`` × 0.8 seconds) and measures, in order:

1. **first load**: page open → the ``Cutoff`` and ``Generate`` controls shown;
2. **reloads**: three reloads of that page in a row (more than the pool holds);
3. **second tab**: a new tab beside the first;
4. **N at once**: ``--visitors`` fresh browsers open the page at the same moment; the
   wait of each until its controls show;
5. **memory**: resident and unique memory of every kernel with the model loaded, and
   the total with all visitors in;
6. **clicks**: ``Generate`` → table, schematic and both plots drawn (the first page);
7. **after idle**: the visitors' tabs vanish without closing (a crash, a dropped
   connection), nothing happens for ``--idle`` seconds, then: kernels left, their
   memory, and a new page's wait.

``--write`` replaces the "app" section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SPECS = [
    ("lowpass", "1k"),
    ("highpass", "2.2 kHz"),
    ("bandpass", "5k"),
    ("bandstop", "50 Hz"),
    ("lowpass", "100k"),
    ("highpass", "300"),
]


def _kernels(server_pid: int) -> list[dict]:
    """Kernel processes under the voila server: pid, resident and unique memory (MB)."""
    import psutil

    out = []
    for child in psutil.Process(server_pid).children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                mem = child.memory_full_info()
                out.append({"pid": child.pid, "rss_mb": mem.rss / 2**20, "uss_mb": mem.uss / 2**20})
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return out


def _server_pid(port: int) -> int:
    import psutil

    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
            return conn.pid
    raise RuntimeError(f"no process listens on port {port}")


def _gpu() -> str:
    import torch

    return f"GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no GPU"


def _controls(page, start: float) -> float:
    page.get_by_label("Cutoff").wait_for()
    page.get_by_role("button", name="Generate").wait_for()
    return time.perf_counter() - start


def click_and_wait(page, run: int) -> tuple[float, float]:
    """Click Generate; seconds until the status reports run ``run`` and until both new
    plotly plots are drawn (old plots are marked first so they do not count)."""
    page.evaluate(
        "document.querySelectorAll('.cv-design .js-plotly-plot').forEach(e => e.dataset.old = '1')"
    )
    start = time.perf_counter()
    page.get_by_role("button", name="Generate").click()
    page.locator(".cv-note", has_text=f"Run {run}:").wait_for()
    status_s = time.perf_counter() - start
    page.locator(".cv-design .js-plotly-plot:not([data-old]) .main-svg").nth(1).wait_for()
    page.locator(".cv-schematic svg").wait_for()
    return status_s, time.perf_counter() - start


def save_screenshot(page, path: Path) -> None:
    """The whole app as a small palette PNG (for the README)."""
    import io

    from PIL import Image

    page.locator(".cv-design .js-plotly-plot .main-svg").nth(1).wait_for()
    page.wait_for_timeout(500)
    box = page.locator(".cv-app").bounding_box()  # page shot clipped: element shots drop plots
    png = page.screenshot(clip=box)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def _context(browser, outside: list, height: int = 720):
    from circuitviz.app.headless import block_outside

    context = browser.new_context(viewport={"width": 1280, "height": height})
    outside.append(block_outside(context))
    return context


def run(visitors: int, clicks: int, idle_s: float, screenshot: Path | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from circuitviz.app.headless import launch
    from circuitviz.serve import free_port, running_server

    gpu = _gpu()
    port = free_port()
    cull = max(5, int(0.8 * idle_s))
    result: dict = {"clicks": [], "visitors": visitors, "idle_s": idle_s, "cull_idle_s": cull}
    outside: list[list[str]] = []
    t0 = time.perf_counter()
    with running_server(port, extra=["--cull-idle", str(cull)]) as url, sync_playwright() as pw:
        result["server_up_s"] = time.perf_counter() - t0
        pid = _server_pid(port)
        browser = launch(pw)
        # the pool is full when the server starts serving; give it the time a visitor
        # arriving a little after start-up would
        time.sleep(10)
        first = _context(browser, outside, height=2000)  # whole app: no redraw on resize
        page = first.new_page()
        page.set_default_timeout(180_000)
        start = time.perf_counter()
        page.goto(url)
        result["first_load_s"] = _controls(page, start)
        page.locator(".cv-note", has_text="Model ready").wait_for()
        result["first_model_ready_s"] = time.perf_counter() - start

        result["reload_s"] = []
        for _ in range(3):
            start = time.perf_counter()
            page.reload()
            result["reload_s"].append(_controls(page, start))
        tab = first.new_page()
        tab.set_default_timeout(180_000)
        start = time.perf_counter()
        tab.goto(url)
        result["second_tab_s"] = _controls(tab, start)
        tab.close(run_before_unload=True)
        page.locator(".cv-note", has_text="Model ready").wait_for()

        others = [_context(browser, outside) for _ in range(visitors)]
        pages = [c.new_page() for c in others]
        for p in pages:
            p.set_default_timeout(180_000)
        start = time.perf_counter()
        for p in pages:
            p.goto(url, wait_until="commit")
        result["at_once_s"] = [_controls(p, start) for p in pages]
        ready_by = time.perf_counter() + 240
        for p in pages:  # the model loads in each visitor's kernel, one at a time
            p.locator(".cv-note", has_text="Model ready").wait_for(
                timeout=max(1.0, ready_by - time.perf_counter()) * 1000
            )
        result["at_once_model_ready_s"] = time.perf_counter() - start
        kernels = _kernels(pid)
        result["kernels_with_visitors"] = len(kernels)
        result["kernel_rss_mb"] = statistics.median(k["rss_mb"] for k in kernels)
        result["kernel_uss_mb"] = statistics.median(k["uss_mb"] for k in kernels)
        result["kernels_total_rss_mb"] = sum(k["rss_mb"] for k in kernels)

        for i in range(clicks):
            filter_type, cutoff = SPECS[i % len(SPECS)]
            page.get_by_label("Filter type").select_option(filter_type)
            page.get_by_label("Cutoff").fill(cutoff)
            table_s, plots_s = click_and_wait(page, i + 1)
            note = page.locator(".cv-note", has_text=f"Run {i + 1}:").inner_text()
            kernel_s = float(note.split(" candidates in ")[1].split(" s")[0])
            result["clicks"].append(
                {
                    "spec": f"{filter_type} {cutoff}",
                    "kernel_s": kernel_s,
                    "status_s": table_s,
                    "plots_s": plots_s,
                }
            )
        if screenshot is not None:
            page.get_by_label("Filter type").select_option("lowpass")
            page.get_by_label("Cutoff").fill("1.5k")  # unlike the timed specs: new plots
            click_and_wait(page, clicks + 1)
            save_screenshot(page, screenshot)

        # the visitors vanish without closing their tabs; then nothing for idle_s
        for c in others:
            c.close()
        time.sleep(idle_s)
        kernels = _kernels(pid)
        result["after_idle_kernels"] = len(kernels)
        result["after_idle_total_rss_mb"] = sum(k["rss_mb"] for k in kernels)
        late = _context(browser, outside).new_page()
        late.set_default_timeout(180_000)
        start = time.perf_counter()
        late.goto(url)
        result["after_idle_load_s"] = _controls(late, start)
        result["outside_requests"] = [u for urls in outside for u in urls]
        browser.close()
    if result["clicks"]:
        plots = [c["plots_s"] for c in result["clicks"]]
        kernel = [c["kernel_s"] for c in result["clicks"]]
        result["plots_median_s"] = statistics.median(plots)
        result["kernel_median_s"] = statistics.median(kernel)
    load = os.getloadavg()[0]
    result["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {gpu}, load average "
        f"{load:.1f} at the end ({'shared' if load > 1.5 else 'quiet'})"
    )
    return result


def _s(values) -> str:
    return ", ".join(f"{v:.1f}" for v in values) + " s"


def markdown(r: dict) -> str:
    lines = [
        "## app",
        "",
        "Voila + headless Chromium (1280×720), the shipped model, 8 candidates a click, the "
        "default server (`python -m circuitviz.serve`: preheated pool, ready-only hand-out, "
        "model slots, one warm-up at a time).",
        "",
        f"- Machine: {r['machine']}",
        f"- Date: {time.strftime('%Y-%m-%d')}",
        "- Command: `.venv/bin/python benchmarks/app.py --write`",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| first load: page open → controls shown | {r['first_load_s']:.1f} s |",
        f"| first load → model ready | {r['first_model_ready_s']:.1f} s |",
        f"| three reloads in a row → controls | {_s(r['reload_s'])} |",
        f"| second tab → controls | {r['second_tab_s']:.1f} s |",
        f"| {r['visitors']} visitors at once → controls, each | {_s(r['at_once_s'])} |",
        f"| {r['visitors']} visitors at once → all models ready | "
        f"{r['at_once_model_ready_s']:.1f} s |",
        f"| kernel memory with the model (median RSS / unique) | {r['kernel_rss_mb']:.0f} MB / "
        f"{r['kernel_uss_mb']:.0f} MB |",
        f"| kernels with {r['visitors'] + 1} visitors (pool included), total RSS | "
        f"{r['kernels_with_visitors']}, {r['kernels_total_rss_mb']:.0f} MB |",
    ]
    if r["clicks"]:
        lines += [
            f"| click → plots drawn, median of {len(r['clicks'])} | {r['plots_median_s']:.2f} s |",
            f"| in the kernel (sample + ngspice + views), median | {r['kernel_median_s']:.2f} s |",
        ]
    lines += [
        f"| after {r['idle_s']:.0f} s idle (visitors gone without closing; cull after "
        f"{r['cull_idle_s']} s): kernels left, total RSS | {r['after_idle_kernels']}, "
        f"{r['after_idle_total_rss_mb']:.0f} MB |",
        f"| after idle: a new page → controls | {r['after_idle_load_s']:.1f} s |",
        f"| requests leaving 127.0.0.1 | {len(r['outside_requests'])} |",
        "",
        "Past the memory limit (`--max-visitors`, by default what fits in 60 % of the memory "
        "at ~500 MB a kernel: 2 on a 2 GB Binder, 29 on 24 GB) a page still shows its "
        "controls and the netlist tab from a light kernel, and Generate says the server is "
        "full. Closed tabs end their kernels at once; vanished ones are culled when idle.",
    ]
    return "\n".join(lines) + "\n"


def write_section(text: str, path: Path = RESULTS) -> None:
    """Replace (or append) the ``## app`` section of RESULTS.md, leaving the others alone."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == "## app"), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        new = (
            "".join(lines[:start])
            + text
            + ("\n" if end < len(lines) else "")
            + "".join(lines[end:])
        )
    path.write_text(new, encoding="utf-8")


def screenshot_only(path: Path, width: int = 1280) -> None:
    """Serve the app, generate a lowpass 1.5k run with a stopband mask and save the
    picture (what the README shows)."""
    from playwright.sync_api import sync_playwright

    from circuitviz.app.headless import launch
    from circuitviz.serve import running_server

    with running_server() as url, sync_playwright() as pw:
        browser = launch(pw)
        page = _context(browser, [], height=1500).new_page()
        page.set_viewport_size({"width": width, "height": 1500})
        page.set_default_timeout(180_000)
        page.goto(url)
        _controls(page, time.perf_counter())
        page.locator(".cv-note", has_text="Model ready").wait_for()
        page.get_by_label("Filter type").select_option("lowpass")
        page.get_by_label("Cutoff").fill("1.5k")
        click_and_wait(page, 1)
        save_screenshot(page, path)
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=5, help="visitors at once (default 5)")
    parser.add_argument("--clicks", type=int, default=3)
    parser.add_argument(
        "--idle",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="idle period before the last measures (default 600)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="check that it runs: --idle 20 --clicks 1 --visitors 2"
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--json", action="store_true", help="print the raw numbers as JSON")
    parser.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="also save the app after a lowpass 1.5k run, e.g. docs/app.png",
    )
    parser.add_argument(
        "--screenshot-only",
        action="store_true",
        help="only save --screenshot (default docs/app.png), no timing",
    )
    args = parser.parse_args(argv)
    if args.screenshot_only:
        screenshot_only(args.screenshot or Path(__file__).resolve().parents[1] / "docs" / "app.png")
        return 0
    if args.quick:
        args.idle, args.clicks, args.visitors = 20.0, 1, 2
    result = run(args.visitors, args.clicks, args.idle, args.screenshot)
    text = markdown(result)
    print(json.dumps(result, indent=2) if args.json else text)
    if args.write:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
