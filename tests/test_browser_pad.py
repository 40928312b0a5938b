"""The latent pad in headless Chromium (``tests/apps/pad_app.py`` under ``streamlit run``).

The browser's garment must equal the server's decode, follow a trusted mouse drag before the
button is released, step with the keyboard, fetch the decoder's weights once per session, fall
back to server decoding for a decoder it cannot run, and show filmstrips.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, served, wait_for_app
from playwright.sync_api import expect

from bench.cdp import SocketBytes, drag
from vae_core import ModelPackage
from vae_core.images import to_uint8
from vae_core.model.data import ENV_VAR

pytestmark = pytest.mark.browser

APP = ROOT / "tests" / "apps" / "pad_app.py"
KEY = "pad_app.pad"
PAD = ".st-key-pad_app-pad"
INPUTS = f"{PAD} input.la-pad-input"


def _serve(package: Path, data_dir: Path) -> Iterator[str]:
    with served(APP, {"LATENT_ATELIER_PACKAGE": str(package), ENV_VAR: str(data_dir)}) as url:
        yield url


@pytest.fixture(scope="module")
def shipped_pad(shipped_package_dir: Path, data_dir: Path) -> Iterator[str]:
    yield from _serve(shipped_package_dir, data_dir)


@pytest.fixture(scope="module")
def tiny_pad(tiny_package_dir: Path, data_dir: Path) -> Iterator[str]:
    yield from _serve(tiny_package_dir, data_dir)


def open_pad(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(f"{PAD} canvas.la-pad-garment", state="attached", timeout=120_000)
    wait_for_app(page)
    # the decoder is ready once the garment canvas is shown and the weights are acknowledged
    page.wait_for_function(f"() => window.__latentPads?.[{json.dumps(KEY)}]?.stats().ready", timeout=60_000)
    page.locator(f"{PAD} canvas.la-pad-garment").wait_for(state="visible", timeout=60_000)
    wait_for_app(page)


def stats(page) -> dict:
    return page.evaluate(f"() => window.__latentPads[{json.dumps(KEY)}].stats()")


def server_state(page) -> dict:
    """What the app's Python side holds (printed by the app as JSON)."""
    return json.loads(page.locator('[data-testid="stCode"] code').inner_text())


def wait_server(page, check, timeout: float = 15.0) -> dict:
    """Poll the app's printed state until ``check(state)`` holds; return it."""
    deadline = time.monotonic() + timeout
    while True:
        wait_for_app(page)
        state = server_state(page)
        if check(state) or time.monotonic() > deadline:
            return state
        page.wait_for_timeout(100)


def slider_dims(page) -> list[int]:
    """The latent dimension of each slider, in display order (labels read "z3 · ...")."""
    return [int(lab.split(" ")[0][1:]) - 1 for lab in page.locator(f"{PAD} .la-pad-label").all_inner_texts()]


_READ_CANVAS = """c => ({
  w: c.width, h: c.height, px: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
})"""


def canvas_bytes(page) -> np.ndarray:
    """The big garment canvas's red channel, (H, W) uint8."""
    got = page.locator(f"{PAD} canvas.la-pad-garment").evaluate(_READ_CANVAS)
    return np.array(got["px"], dtype=np.uint8).reshape(got["h"], got["w"], 4)[..., 0]


def set_z(page, z: np.ndarray) -> None:
    """Move the sliders from the server (the app's "set z" box) and wait until the pad shows it."""
    box = page.get_by_label("set z")
    box.fill(",".join(f"{v:.3f}" for v in z))
    box.press("Enter")
    wait_for_app(page)
    want = [round(float(z[d]), 3) for d in slider_dims(page)]
    page.wait_for_function(
        f"(want) => window.__latentPads[{json.dumps(KEY)}].stats().values.every((v, i) => v === want[i])",
        arg=want,
        timeout=30_000,
    )
    page.wait_for_timeout(100)  # one animation frame


@pytest.mark.parametrize("kernel", ["wasm-simd", "js"])
def test_browser_garment_equals_the_server_decode(page, shipped_pad, shipped_package_dir, kernel):
    """Both kernels: WebAssembly SIMD (the default) and the plain-JavaScript one that browsers
    without it get (forced here by ``window.__latentPadKernel``)."""
    pkg = ModelPackage.load(shipped_package_dir)
    if kernel == "js":
        page.add_init_script("window.__latentPadKernel = 'js'")
    open_pad(page, shipped_pad)
    assert stats(page)["kernel"] == kernel
    rng = np.random.default_rng(7)
    signs = rng.choice([-1.0, 1.0], size=(16, 10))
    signs[0], signs[1] = -1.0, 1.0
    zs = np.concatenate([3.0 * signs, rng.normal(size=(40, 10)), rng.uniform(-8, 8, size=(4, 10))])
    got = page.evaluate(f"(zs) => zs.map((z) => window.__latentPads[{json.dumps(KEY)}].pixels(z))", zs.tolist())
    got = np.array(got, dtype=np.int16).reshape(len(zs), 28, 28)
    want = to_uint8(pkg.decode(zs)).astype(np.int16)
    assert np.abs(got - want).max() <= 2  # 2/255
    # and what the canvas itself shows, for z set by the server (the range widens for +-5)
    for z in (3.0 * signs[2], np.round(rng.normal(size=10), 3), np.full(10, -5.0)):
        set_z(page, z)
        assert np.abs(canvas_bytes(page).astype(np.int16) - to_uint8(pkg.decode(z))).max() <= 2
    assert stats(page)["range"] == 5
    assert page.errors == []


def _thumb(page, i: int) -> tuple[float, float, float, float]:
    box = page.locator(INPUTS).nth(i).bounding_box()
    return box["x"], box["y"], box["width"], box["height"]


def test_drag_redraws_the_garment_before_release(page, tiny_pad):
    open_pad(page, tiny_pad)
    x, y, w, h = _thumb(page, 0)
    cdp = page.context.new_cdp_session(page)
    before = canvas_bytes(page)
    frames0 = stats(page)["frames"]
    drag(cdp, (x + w / 2, y + h / 2), (x + w - 10, y + h / 2), seconds=0.8, release=False)
    mid = stats(page)
    changed = (canvas_bytes(page) != before).any()
    cdp.send(
        "Input.dispatchMouseEvent",
        {"type": "mouseReleased", "x": x + w - 10, "y": y + h / 2, "button": "left", "buttons": 0, "clickCount": 1},
    )
    assert changed, "the garment did not change while the mouse button was held"
    assert mid["frames"] - frames0 >= 5 and mid["values"][0] > 2.0
    assert mid["n"] >= 1  # reported (throttled) during the drag
    page.wait_for_function(f"() => window.__latentPads[{json.dumps(KEY)}].stats().n > {mid['n']}", timeout=10_000)
    final = round(stats(page)["values"][0], 3)
    d0 = slider_dims(page)[0]
    state = wait_server(page, lambda s: s["z"][d0] == final)
    assert state["z"][d0] == final and state["reports"] >= 2  # the released z reached Python
    assert page.errors == []


def test_a_lost_report_is_sent_again(page, tiny_pad):
    """A released value the server has not taken (the feed says which report it took last) is
    reported again after a few seconds."""
    open_pad(page, tiny_pad)
    page.evaluate(f"() => window.__latentPads[{json.dumps(KEY)}].loseNextReport()")
    first = page.locator(INPUTS).first
    first.focus()
    page.keyboard.press("ArrowRight")
    d0 = slider_dims(page)[0]
    page.wait_for_timeout(1500)
    assert server_state(page)["z"][d0] == 0.0  # lost: the server never heard of it
    state = wait_server(page, lambda s: s["z"][d0] == 0.05, timeout=20)
    assert state["z"][d0] == 0.05 and stats(page)["resent"] == 1
    assert page.errors == []


def test_keyboard_steps_focus_ring_and_aria(page, tiny_pad):
    open_pad(page, tiny_pad)
    first = page.locator(INPUTS).first
    first.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(first).to_have_attribute("aria-valuetext", "0.25")  # drawn in the next animation frame
    assert first.get_attribute("aria-label").startswith("z")
    d0 = slider_dims(page)[0]
    assert wait_server(page, lambda s: s["z"][d0] == 0.25)["z"][d0] == 0.25
    outline = page.locator(f"{PAD} .la-pad-track").first.evaluate("t => getComputedStyle(t).outlineStyle")
    assert outline == "solid"  # the focus ring of the keyboard-focused slider
    page.keyboard.press("Home")
    expect(first).to_have_attribute("aria-valuetext", "-3.00")
    page.keyboard.press("End")
    expect(first).to_have_attribute("aria-valuetext", "3.00")
    assert page.errors == []


def test_weights_travel_once(page, shipped_pad):
    cdp = page.context.new_cdp_session(page)
    sockets = SocketBytes(cdp)
    open_pad(page, shipped_pad)
    page.wait_for_timeout(500)
    wait_for_app(page)
    first = sockets.take()
    assert first > 3_000_000  # the float16 weights (3.3 MB)
    sizes = []
    first_input = page.locator(INPUTS).first
    for _ in range(3):
        n = stats(page)["n"]
        first_input.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => window.__latentPads[{json.dumps(KEY)}].stats().n > {n}")
        page.wait_for_timeout(300)
        wait_for_app(page)
        sizes.append(sockets.take())
    assert all(0 < s < 10_000 for s in sizes), sizes  # a few kB: no weights, and the pad itself as a reference
    # a browser that lost the weights gets them again
    page.evaluate(f"() => window.__latentPads[{json.dumps(KEY)}].forget()")
    n = stats(page)["n"]
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => window.__latentPads[{json.dumps(KEY)}].pixels([0]) !== null", timeout=60_000)
    wait_for_app(page)
    assert sockets.take() > 3_000_000 and stats(page)["n"] > n
    assert page.errors == []


def test_filmstrip(page, tiny_pad):
    open_pad(page, tiny_pad)
    page.locator(f"{PAD} .la-pad-film-btn").first.click()
    frames = page.locator(f"{PAD} .la-pad-film").first.locator("canvas")
    assert frames.count() == 7
    values = [float(frames.nth(i).get_attribute("data-value")) for i in range(7)]
    assert values == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    lit = frames.nth(6).evaluate(_READ_CANVAS)["px"]
    assert max(lit[0::4]) > 0  # the frame is drawn
    page.locator(f"{PAD} .la-pad-film").first.locator("button").nth(6).click()
    # the pad writes the value's text in the next animation frame after the click: wait for it
    expect(page.locator(INPUTS).first).to_have_attribute("aria-valuetext", "3.00")
    assert page.errors == []


def test_unsupported_decoder_falls_back_to_the_server(page, tiny_pad):
    page.goto(f"{tiny_pad}/?unsupported=1")
    page.wait_for_selector(f"{PAD} img.la-pad-fallback", timeout=120_000)
    wait_for_app(page)
    note = page.locator(f"{PAD} .la-pad-note").inner_text()
    assert "Decoded on the server" in note and "BatchNorm2d" in note
    assert page.locator(f"{PAD} canvas.la-pad-garment").is_hidden()
    src0 = page.locator(f"{PAD} img.la-pad-fallback").get_attribute("src")
    assert src0.startswith("data:image/png")
    page.locator(INPUTS).first.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    d0 = slider_dims(page)[0]
    wait_server(page, lambda s: s["z"][d0] == 0.5)
    wait_for_app(page)
    assert page.locator(f"{PAD} img.la-pad-fallback").get_attribute("src") != src0
    assert page.errors == []
