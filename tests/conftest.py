"""Shared fixtures: the data folder, a tiny model package, a live Streamlit server and Chromium.

Browser tests (marked ``browser``) start ``streamlit run app.py`` on a free loopback port and
drive Debian's Chromium through Playwright with the flags this machine needs.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from vae_core import ModelConfig, TrainConfig
from vae_core.model.data import ENV_VAR, Split, load_split

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_PACKAGE = ROOT / "assets" / "fashion-mnist-vae"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """A folder of Fashion-MNIST files: $LATENT_ATELIER_DATA_DIR, else ../shared/data/fashion-mnist,
    else the app's own one-time download (as on a newcomer's machine with internet access)."""
    from vae_core.model.data import download

    configured = os.environ.get(ENV_VAR)
    shared = ROOT.parent / "shared" / "data" / "fashion-mnist"
    folder = Path(configured) if configured else shared if shared.is_dir() else download()
    os.environ[ENV_VAR] = str(folder)  # AppTest scripts and servers started by tests read it too
    return folder


@pytest.fixture(scope="session", autouse=True)
def private_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests, their AppTest runs and the servers they start keep boards, directions and slider
    names in a throwaway SQLite file, never in the user's database (unless a test sets its own)."""
    if not os.environ.get("LATENT_ATELIER_DATABASE_URL"):
        folder = tmp_path_factory.mktemp("database")
        os.environ["LATENT_ATELIER_DATABASE_URL"] = f"sqlite:///{folder / 'latent-atelier.sqlite3'}"


@pytest.fixture(scope="session")
def small_splits(data_dir: Path) -> tuple[Split, Split]:
    """The first 600 training and 200 test items."""
    tr, te = load_split("train", data_dir), load_split("test", data_dir)
    return Split(tr.images[:600], tr.labels[:600]), Split(te.images[:200], te.labels[:200])


@pytest.fixture(scope="session")
def tiny_package_dir(tmp_path_factory: pytest.TempPathFactory, small_splits: tuple[Split, Split]) -> Path:
    """A complete model package (tiny model, 600-item catalogue) saved to a temporary folder."""
    from vae_core.model.train import train
    from vae_core.package.build import build_package

    tr, te = small_splits
    tcfg = TrainConfig(epochs=2, batch_size=64, seed=0)
    result = train(tr.as_float(), te.as_float(), ModelConfig(channels=(8, 16), hidden=64), tcfg)
    pkg = build_package(result.model, tr, te, tcfg, result.history, n_jobs=1, train_seconds=result.seconds)
    return pkg.save(tmp_path_factory.mktemp("pkg") / "tiny-package")


@pytest.fixture()
def tiny_package_copy(tiny_package_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny package that a test may damage."""
    import shutil

    return Path(shutil.copytree(tiny_package_dir, tmp_path / "copy"))


@pytest.fixture(scope="session")
def shipped_package_dir() -> Path:
    """The shipped default package (what a newcomer's app loads)."""
    if not (SHIPPED_PACKAGE / "manifest.json").is_file():
        pytest.fail(f"The shipped package {SHIPPED_PACKAGE} is missing.")
    return SHIPPED_PACKAGE


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def pkg(tiny_package_dir: Path):
    """The tiny package, loaded (modules may override this with their own ``pkg``)."""
    from vae_core import ModelPackage

    return ModelPackage.load(tiny_package_dir)


def run_page(page: Path | str, package_dir: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch):
    """``AppTest`` of one page script against ``package_dir``, after its first run (no exception)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(package_dir))
    monkeypatch.setenv(ENV_VAR, str(data_dir))
    at = AppTest.from_file(str(page), default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def _gallery_elements(at, key: str) -> list:
    return [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]


def gallery_tiles(at, key: str) -> list[dict]:
    """The tiles (``{src, caption, key}``) of the :func:`ui.gallery.gallery` drawn with ``key``
    ([] when the page draws no such gallery)."""
    import json

    found = _gallery_elements(at, key)
    assert len(found) <= 1, f"{len(found)} galleries with key {key!r}"
    return json.loads(found[0].proto.json)["tiles"] if found else []


def click_gallery(at, key: str, tile_key: str):
    """Press the action button of tile ``tile_key`` in the gallery ``key``, as the browser does:
    a one-rerun trigger value ``[{"event": "action", "value": tile_key}]`` (AppTest cannot press
    a custom component's buttons itself). Returns ``at`` after the rerun."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id

    assert tile_key in [t["key"] for t in gallery_tiles(at, key)]
    (element,) = _gallery_elements(at, key)
    states = at._tree.get_widget_states()
    trigger = states.widgets.add()
    trigger.id = _make_trigger_id(element.proto.id, "events")
    trigger.json_trigger_value = json.dumps([{"event": "action", "value": tile_key}])
    return at._run(states)


def plotly_array(value: object) -> np.ndarray:
    """A Plotly JSON array: a plain list, or Plotly's typed-array ``{"dtype", "bdata"}`` form."""
    import base64

    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_streamlit(
    script: Path,
    env_extra: dict[str, str] | None = None,
    timeout: float = 90.0,
    as_shipped: bool = False,
    cwd: Path = ROOT,
    python: str = sys.executable,
):
    """Start ``streamlit run script`` on a free loopback port; return (process, base URL).

    ``as_shipped=True`` leaves every setting but the port to the ``.streamlit/config.toml`` in
    ``cwd``, as a user's ``streamlit run app.py`` does (here the file watcher and usage
    statistics are switched off on the command line too)."""
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    cmd = [
        python, "-m", "streamlit", "run", str(script),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
    ]  # fmt: skip
    if not as_shipped:
        cmd += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise RuntimeError(f"streamlit exited early:\n{out}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")


@contextmanager
def served(script: Path, env_extra: dict[str, str] | None = None, as_shipped: bool = False) -> Iterator[str]:
    """A ``streamlit run script`` server for the block (see :func:`start_streamlit`); yields its URL."""
    proc, url = start_streamlit(script, env_extra, as_shipped=as_shipped)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def app_server(data_dir: Path, shipped_package_dir: Path) -> Iterator[str]:
    """``streamlit run app.py`` with the shipped package and the local data; yields its URL."""
    with served(ROOT / "app.py", {ENV_VAR: str(data_dir)}) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from bench.chromium import launch

    with sync_playwright() as p:
        try:
            b = launch(p)
        except FileNotFoundError as exc:
            pytest.fail(str(exc))
        try:
            yield b
        finally:
            b.close()


# ------------------------------------------------------------------ screenshots (never in the checkout)
_SCREENSHOT_FOLDERS: list[Path] = []


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the screenshots browser tests save to be looked at, under pytest's temporary
    folder (pytest keeps the last three runs'); its path is printed at the end of the run."""
    folder = tmp_path_factory.mktemp("screenshots")
    _SCREENSHOT_FOLDERS.append(folder)
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """When a test that uses ``page`` fails, screenshot the page as it was and name the file in
    the failure's report (a "screenshot" section)."""
    outcome = yield
    report = outcome.get_result()
    pg = getattr(item, "funcargs", {}).get("page") if report.when == "call" and report.failed else None
    if pg is None or pg.is_closed():
        return
    path = pg.failure_folder / "failure.png"
    try:
        pg.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # a crashed page: say so rather than hide the test's own failure
        report.sections.append(("screenshot", f"none: {type(exc).__name__}: {exc}"))
    else:
        report.sections.append(("screenshot", f"the page when the test failed: {path}"))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 (pytest's TerminalReporter)
    for folder in _SCREENSHOT_FOLDERS:
        if any(folder.iterdir()):
            terminalreporter.write_line(f"screenshots to look at: {folder}")


@pytest.fixture()
def page(browser, tmp_path: Path) -> Iterator[object]:
    """A fresh 1400x1000 browser page; errors in the page's console are collected on ``page.errors``.
    If the test fails, a screenshot of the page goes to its ``tmp_path`` (named in the report)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.errors = []
    pg.failure_folder = tmp_path
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()


def wait_for_app(pg, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has run the script (``data-test-script-state`` on ``stApp``, 1.67)."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    pg.wait_for_function(
        """() => {
            const s = document.querySelector('[data-testid="stApp"]')?.dataset?.testScriptState;
            return !!s && !['initial', 'running', 'rerunRequested'].includes(s);
        }""",
        timeout=timeout_ms,
    )


# ------------------------------------------------------------------ the latent pad in AppTest
def pad_element(at, key: str):
    """The element of the latent pad (or its feed, ``key + ".feed"``) drawn with ``key``."""
    (found,) = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    return found


def pad_feed(at, key: str) -> dict:
    """The pad's feed: ``{"set": {seq, values, range}, "guides": ...}`` (values in slider order)."""
    import json

    return json.loads(pad_element(at, f"{key}.feed").proto.json)


_REPORTS = iter(range(1, 1_000_000))


def pad_report(at, key: str, values: list[float], z: list[float], range_: float | None = 3.0, final: bool = True):
    """Rerun as after the browser's ``setStateValue("z", ...)``: the pad reports slider ``values``
    and the ``z`` they make (AppTest cannot drag a custom component's sliders itself)."""
    import json

    element = pad_element(at, key)
    states = at._tree.get_widget_states()
    mine = [w for w in states.widgets if w.id == element.proto.id]
    widget = mine[0] if mine else states.widgets.add()
    widget.id = element.proto.id
    old = json.loads(widget.json_value) if widget.json_value else {}
    report = {"values": values, "z": z, "range": range_, "final": final, "n": next(_REPORTS), "seq": "t"}
    widget.json_value = json.dumps({**old, "z": report})
    return at._run(states)


# ---------------------------------------------------------------- image folders (issue 13)
@pytest.fixture(scope="session")
def garment_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 synthetic colour garments in 3 class folders (every format), plus one broken file of
    every kind (``vae_core.model.synthetic.BROKEN``). Read-only: copy it to change it."""
    from vae_core.model.synthetic import add_broken_files, make_garment_folder

    root = tmp_path_factory.mktemp("garments") / "my garments"
    make_garment_folder(root, per_class=100, seed=0)
    add_broken_files(root)
    return root


@pytest.fixture(scope="session")
def colour_package_dir(tmp_path_factory: pytest.TempPathFactory, garment_folder: Path) -> Path:
    """A colour 32-px package (tiny network, 2 epochs on the CPU) trained on ``garment_folder``."""
    from vae_core.package.folder_train import train_from_folder

    out = tmp_path_factory.mktemp("colour") / "my-garments"
    tcfg = TrainConfig(epochs=2, batch_size=64, seed=0, kl_warmup_epochs=1.0)
    train_from_folder(garment_folder, out, image_size=32, train_config=tcfg, widths=(8, 16, 32), device="cpu", n_jobs=1)
    return out
