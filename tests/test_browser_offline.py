"""Every request a browser makes while using the app goes to the app's own server.

The app is started as a user starts it (``streamlit run app.py`` with the repository's
``.streamlit/config.toml``, usage statistics not switched off on the command line), and each page
is toured with some interaction: Explore (slider steps, the upload expander, a neighbour's
"use"), Interpolate, Latent map (a click on a point) and Model. The first test records every
request of that tour and refuses (aborts) any to another host, so nothing leaves this machine
even when the test fails; the second runs the same tour in a Chromium whose DNS resolves no host
but the loopback one, as on an offline machine, and checks that every page still works.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, start_streamlit, wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The server's answer to a step is the live mini-map (the latent pad draws the garment itself).
GARMENT = ".st-key-explore-minimap img"  # the live mini-map: its data-answer changes with each step
SLIDERS = ".st-key-explore-pad input.la-pad-input"
PAD_CANVAS = ".st-key-explore-pad canvas.la-pad-garment"
NAV = '[data-testid="stSidebarNav"] a'
MAP_POINTS_JS = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, out = [];
  gd._fullData.forEach(t => {
    if (!t.customdata || t.visible !== true) return;
    for (let i = 0; i < t.x.length; i += 97)
      out.push([box.left + xa.l2p(t.x[i]), box.top + ya.l2p(t.y[i])]);
  });
  return {points: out, plot: [box.left, box.top, box.width, box.height]};
}"""


@pytest.fixture(scope="module")
def shipped_server(data_dir, shipped_package_dir) -> Iterator[str]:
    """``streamlit run app.py`` with the repository's own configuration (no extra browser flags)."""
    proc, url = start_streamlit(ROOT / "app.py", {"LATENT_ATELIER_DATA_DIR": str(data_dir)}, as_shipped=True)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _garment_src(pg) -> str:
    return pg.locator(GARMENT).first.get_attribute("data-answer") or ""


def _no_errors(pg) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.errors == [], pg.errors


def _open(pg, url: str, title: str) -> None:
    pg.locator(NAV, has_text=title).click()
    # a sidebar link is a same-document navigation: wait for the address, not a "load" event, and
    # allow the query the page writes back (?package=...)
    target = re.compile(re.escape(f"{url}/{title.lower().replace(' ', '_')}") + r"(\?.*)?$")
    pg.wait_for_url(target, timeout=60_000, wait_until="commit")
    wait_for_app(pg, 120_000)
    _no_errors(pg)


def tour(pg, url: str) -> dict[str, int]:
    """Use every page a little; return how many things were checked on each."""
    done: dict[str, int] = {}
    pg.goto(url)
    wait_for_app(pg, 120_000)
    pg.locator(GARMENT).first.wait_for(timeout=60_000)
    sliders = pg.locator(SLIDERS)
    pg.locator(f"{SLIDERS}:enabled").first.wait_for(timeout=60_000)  # the pad holds its first values
    assert sliders.count() == 10
    for step in range(3):  # three slider steps, each answered by the server (a new mini-map)
        before = _garment_src(pg)
        sliders.nth(step).focus()
        pg.keyboard.press("ArrowRight")
        pg.wait_for_function(
            "([sel, before]) => { const im = document.querySelector(sel);"
            " return im && (im.dataset.answer || '') !== before && im.complete; }",
            arg=[GARMENT, before],
            timeout=60_000,
        )
        wait_for_app(pg)
    done["explore slider steps"] = 3
    pg.get_by_text("Start from your own garment", exact=True).click()  # an expander with a material icon
    pg.locator('[data-testid="stFileUploaderDropzone"]').first.wait_for(timeout=30_000)
    before = _garment_src(pg)
    pg.locator(".la-action").first.click()  # "use" the likeliest neighbour
    pg.wait_for_function(
        "([sel, before]) => { const im = document.querySelector(sel);"
        " return im && (im.dataset.answer || '') !== before; }",
        arg=[GARMENT, before],
        timeout=60_000,
    )
    wait_for_app(pg)
    pg.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # the big map on Explore
    _no_errors(pg)
    done["explore"] = 1

    _open(pg, url, "Interpolate")
    pg.locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
    done["interpolate"] = 1

    _open(pg, url, "Latent map")
    pg.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullData && gd._fullData.length >= 10; }",
        timeout=120_000,
    )
    info = pg.evaluate(MAP_POINTS_JS)
    left, top, width, height = info["plot"]
    inside = [p for p in info["points"] if left + 40 < p[0] < left + width - 40 and top + 40 < p[1] < top + height - 40]
    x, y = inside[len(inside) // 2]
    pg.mouse.move(x, y)
    pg.mouse.click(x, y)
    pg.get_by_text("reconstruction: decode(mu)").wait_for(timeout=60_000)
    wait_for_app(pg)
    _no_errors(pg)
    done["latent map click"] = 1

    _open(pg, url, "Model")
    pg.locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
    pg.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    _no_errors(pg)
    done["model"] = 1
    return done


def test_every_request_goes_to_the_apps_own_server(browser, shipped_server):
    own = urlsplit(shipped_server).netloc
    requests: list[str] = []
    refused: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def guard(route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == own or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", guard)
    context.on("request", lambda req: requests.append(req.url))
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    try:
        done = tour(pg, shipped_server)
        favicon = pg.locator('link[rel~="icon"]').first.get_attribute("href") or ""
    finally:
        context.close()
    assert done == {
        "explore slider steps": 3,
        "explore": 1,
        "interpolate": 1,
        "latent map click": 1,
        "model": 1,
    }
    assert refused == [], refused
    hosts = {urlsplit(u).netloc for u in requests if not u.startswith(("data:", "blob:"))}
    assert favicon.startswith("data:image/svg+xml"), favicon[:80]  # the shipped icon, inline
    assert hosts == {own}, hosts
    assert len(requests) > 20  # the tour really loaded the app's scripts, styles and fonts


def test_pages_work_when_no_other_host_resolves(browser, shipped_server):
    """As offline: a second Chromium resolves only 127.0.0.1, every other name fails at once."""
    from bench.chromium import CHROMIUM_ARGS, executable

    offline = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
    failed: list[str] = []
    b = browser.browser_type.launch(executable_path=executable(), args=offline, headless=True)
    try:
        context = b.new_context(viewport={"width": 1400, "height": 1000})
        context.on("requestfailed", lambda req: failed.append(req.url))
        pg = context.new_page()
        pg.errors = []
        pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
        done = tour(pg, shipped_server)
        pg.goto(shipped_server)  # back to Explore: the pad decodes offline, the pictures are inline
        wait_for_app(pg, 120_000)
        pg.locator(GARMENT).first.wait_for(timeout=60_000)
        expect(pg.locator(PAD_CANVAS)).to_have_attribute("data-frames", re.compile(r"^[1-9]"), timeout=60_000)
        pg.locator(".la-tile img").first.wait_for(timeout=60_000)  # the neighbours' thumbnails
        widths = pg.locator("[data-testid=stImage] img, .la-tile img, .la-minimap img").evaluate_all(
            "ims => ims.map(i => i.complete ? i.naturalWidth : 0)"
        )
        garment_width = pg.locator(PAD_CANVAS).evaluate("c => c.width")
    finally:
        b.close()
    assert sum(done.values()) == 7
    assert len(widths) >= 2 and all(w > 0 for w in widths), widths
    assert garment_width == 28
    external = [u for u in failed if urlsplit(u).hostname != "127.0.0.1"]
    assert external == [], external
