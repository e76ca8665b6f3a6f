"""The HTML reports render in headless Chromium with visible charts."""
import os
import pathlib
import shutil
import subprocess

import pytest

from kit_support import EXAMPLE_SET, full_server, run_kit, strict_server  # noqa: F401
from png_pixels import count_pixels, near, read_png

HERE = pathlib.Path(__file__).resolve().parent
SERIES_A, SERIES_B = "#3b6fd8", "#e07b39"  # the charts' first two series colours


def chromium():
    result = subprocess.run(["bash", str(HERE / "ensure_chromium.sh")], capture_output=True, text=True)
    path = result.stdout.strip().splitlines()[-1] if result.returncode == 0 and result.stdout.strip() else shutil.which("chromium")
    if not path:
        if os.environ.get("CI"):
            pytest.fail(f"chromium could not be installed: {result.stderr}")
        pytest.skip("chromium not available (install the Debian package 'chromium')")
    return path


def screenshot(html, png, height=1400):
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size=1280,{height}", f"--screenshot={png}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert png.exists() and png.stat().st_size > 1000


def assert_charts_visible(png):
    width, height, _, _ = read_png(png)
    total = width * height
    non_white = count_pixels(png, lambda r, g, b: r < 240 or g < 240 or b < 240)
    assert non_white > total * 0.02, f"screenshot looks blank: {non_white} of {total} pixels are not white"
    blue = count_pixels(png, near(SERIES_A))
    orange = count_pixels(png, near(SERIES_B))
    assert blue > 300 and orange > 300, f"chart series not drawn: {blue} blue, {orange} orange pixels"


def test_golden_report_screenshot_shows_charts(full_server, strict_server, tmp_path):
    html = tmp_path / "golden.html"
    result = run_kit("golden", EXAMPLE_SET, "--a", full_server.spec("full"), "--b", strict_server.spec("strict"), "--html", html)
    assert result.returncode == 0, result.stderr
    png = tmp_path / "golden.png"
    screenshot(html, png)
    assert_charts_visible(png)
    keep = os.environ.get("KIT_SCREENSHOT_DIR")
    if keep:
        shutil.copy(png, pathlib.Path(keep) / "golden.png")


def test_bench_report_screenshot_shows_charts(full_server, strict_server, tmp_path):
    html = tmp_path / "bench.html"
    result = run_kit("bench", "--a", full_server.spec("full"), "--b", strict_server.spec("strict"),
                     "--concurrency", "1,2,4", "--requests", "6", "--output-tokens", "8", "--warmup", "0", "--html", html)
    assert result.returncode == 0, result.stderr
    png = tmp_path / "bench.png"
    screenshot(html, png, height=1000)
    assert_charts_visible(png)
    keep = os.environ.get("KIT_SCREENSHOT_DIR")
    if keep:
        shutil.copy(png, pathlib.Path(keep) / "bench.png")
