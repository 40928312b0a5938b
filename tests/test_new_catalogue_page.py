"""The New catalogue page under AppTest: the form, a refused zip, a checked zip and folder, a
running job followed from its folder (as after a reload), and a failed job's message."""

from __future__ import annotations

import fcntl
import io
import json
import os
import time
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.common.places import IMAGE_ROOT_ENV_VAR, PACKAGES_ENV_VAR
from ui.common.text import plain

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "new_catalogue.py")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


def zip_bytes(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name), PNG)
    return buf.getvalue()


@pytest.fixture()
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "packages"
    monkeypatch.setenv(PACKAGES_ENV_VAR, str(folder))
    monkeypatch.delenv(IMAGE_ROOT_ENV_VAR, raising=False)
    return folder


def run(at: AppTest | None = None) -> AppTest:
    at = (at or AppTest.from_file(PAGE, default_timeout=60)).run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> list[str]:
    """What the elements read as on the page (user text is escaped Markdown)."""
    return [plain(e.value) for e in elements]


def seconds(text: str) -> int:
    """``"2 min 30 s"`` -> 150."""
    minutes, _, rest = text.partition(" min ")
    return int(minutes) * 60 + int(rest.removesuffix(" s")) if rest else int(text.removesuffix(" s"))


def start_button(at: AppTest):
    return next(b for b in at.button if b.key == "new_catalogue.start")


def test_the_form_renders_with_start_disabled_until_images_are_chosen(packages: Path):
    at = run()
    assert at.title[0].value == "New catalogue"
    assert start_button(at).disabled
    assert at.text_input(key="new_catalogue.name").value == ""
    at.radio(key="new_catalogue.source").set_value("folder")
    at = run(at)
    assert any("LATENT_ATELIER_IMAGE_ROOT" in t for t in texts(at.info))  # no root configured
    assert start_button(at).disabled


def test_a_bad_zip_is_refused_with_a_clear_message(packages: Path):
    at = run()
    at.file_uploader(key="new_catalogue.zip").set_value(
        ("evil.zip", zip_bytes(["ok.png", "../../x.png"]), "application/zip")
    )
    at = run(at)
    assert texts(at.error) == [
        "evil.zip: The archive holds a path that climbs out of its folder ('../../x.png'); it was refused."
    ]
    assert start_button(at).disabled and not at.exception
    loud = "**loud** :red[x] [a](javascript:alert(1)).zip"
    at.file_uploader(key="new_catalogue.zip").set_value((loud, b"not a zip", "application/zip"))
    at = run(at)
    assert texts(at.error)[0].startswith(f"{loud}: This is not a readable .zip archive")  # shown literally


def test_a_good_zip_is_summarised_and_names_the_catalogue(packages: Path):
    at = run()
    names = [f"My Shop/tops/{i}.png" for i in range(6)] + [f"My Shop/shoes/{i}.png" for i in range(5)]
    data = zip_bytes([*names, "My Shop/notes.txt"])
    at.file_uploader(key="new_catalogue.zip").set_value(("My Shop.zip", data, "application/zip"))
    at = run(at)
    assert not at.error
    assert any(
        c.startswith("11 images in 2 class folders") and "1 other entries will be skipped" in c
        for c in texts(at.caption)
    )
    assert "notes.txt" in " ".join(texts(at.markdown))  # the skipped entry is named, not only counted
    assert at.text_input(key="new_catalogue.name").value == "My-Shop"
    assert not start_button(at).disabled


def test_a_folder_inside_the_image_root_and_one_with_an_escaping_link(packages, tmp_path, monkeypatch):
    root = tmp_path / "images"
    for rel in [f"coats/{i}.png" for i in range(10)] + ["leaky/c.png"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(PNG)
    (tmp_path / "secret.png").write_bytes(PNG)
    os.symlink(tmp_path / "secret.png", root / "leaky" / "secret.png")
    monkeypatch.setenv(IMAGE_ROOT_ENV_VAR, str(root))
    at = run()
    at.radio(key="new_catalogue.source").set_value("folder")
    at = run(at)
    assert at.selectbox(key="new_catalogue.folder").options == ["coats", "leaky"]
    assert "10 images (one class)." in texts(at.caption)
    assert at.text_input(key="new_catalogue.name").value == "coats"
    at.selectbox(key="new_catalogue.folder").set_value("leaky")
    at = run(at)
    assert texts(at.error) == [
        "'secret.png' is a link that points outside the image root; remove it or choose another folder."
    ]
    assert start_button(at).disabled


def _fake_job(jobs: Path, name: str = "shop", **result) -> Path:
    """A job folder as the worker leaves it, with progress events; ``result`` ends it."""
    job = jobs / "20261127-120000-abcdef"
    job.mkdir(parents=True)
    now = time.time()
    spec = {"name": name, "command": [], "target": str(jobs.parent / name), "epochs": 4, "source": "upload shop.zip",
            "created": now - 100, "extra": {}}  # fmt: skip
    (job / "job.json").write_text(json.dumps(spec))
    events = [
        {"t": now - 90, "stage": "batch", "done": 0, "total": 10, "info": {"loss": 500.0}},
        {"t": now - 60, "stage": "epoch", "done": 1, "total": 4, "info": {"test_neg_elbo": 290.0}},
        {"t": now - 30, "stage": "batch", "done": 5, "total": 10, "info": {"loss": 280.0}},
    ]  # fmt: skip
    (job / "progress.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (job / "train.log").write_text("epoch 1/4: train -ELBO 300.00\nRuntimeError: CUDA out of memory\n")
    (jobs / "current").write_text(job.name)
    if result:
        (job / "result.json").write_text(json.dumps(result))
    return job


def test_a_running_job_is_followed_from_its_folder(packages: Path):
    jobs = packages / ".jobs"
    _fake_job(jobs)
    fd = os.open(jobs / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as the worker holds it
    try:
        at = run()
        bars = at.get("progress")
        assert len(bars) == 1
        # 1 epoch + 5/10 steps of 4: 37.5 %
        assert bars[0].proto.value == 37 and "Training: epoch 2 of 4 · 38% of training" in bars[0].proto.text
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Held-out -ELBO"] == "290.0"
        # the job started 100 s and training 90 s before the test's clock; d seconds later the
        # page shows elapsed 100 + d and time left (90 + d) * 0.625 / 0.375 = (elapsed - 10) * 5 / 3
        elapsed, left = seconds(metrics["Elapsed"]), seconds(metrics["Training time left"])
        assert 100 <= elapsed < 160
        assert abs(left - (elapsed - 10) * 5 / 3) <= 2  # both rounded to whole seconds
        assert [b.key for b in at.button] == ["new_catalogue.cancel"]  # no form while it runs
        assert len(at.get("plotly_chart")) == 1
    finally:
        os.close(fd)


def test_a_failed_job_shows_its_message_and_log_tail_not_a_traceback(packages: Path):
    _fake_job(packages / ".jobs", state="failed", message="Training stopped with exit status 1; no package was made.")
    at = run()
    assert texts(at.error) == ["shop: Training stopped with exit status 1; no package was made."]
    assert at.code[0].value.splitlines()[-1] == "RuntimeError: CUDA out of memory"
    assert start_button(at).disabled  # the form is back, waiting for images


def test_a_job_whose_worker_vanished_is_settled_on_the_next_visit(packages: Path):
    job = _fake_job(packages / ".jobs")  # no lock held, no result: the worker died
    (job / "staging" / "package").mkdir(parents=True)
    at = run()
    assert texts(at.error) == ["shop: The training process stopped without finishing; no package was made."]
    assert not (job / "staging").exists() and json.loads((job / "result.json").read_text())["state"] == "failed"


# ------------------------------------------------------------------------------ a finished job
@pytest.fixture()
def finished(packages: Path, colour_package_dir: Path):
    """A finished job whose package (a copy of the colour test package, named "shop") is in the
    packages folder; call it with the verdict the package should carry."""
    import shutil

    from tests.test_package_health import set_verdict

    def make(verdict: str, name: str = "shop"):
        target = Path(shutil.copytree(colour_package_dir, packages / name))
        health = set_verdict(target, verdict)
        _fake_job(
            packages / ".jobs", name, state="done", message=f"The package {name!r} is ready.", package=str(target)
        )
        return health

    return make


def run_in_shell(monkeypatch: pytest.MonkeyPatch, package: Path) -> AppTest:
    """The page inside ``app.py`` (its link to Explore needs the navigation), the first page
    served from ``package``."""
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(package))
    at = AppTest.from_file(str(Path(PAGE).parent.parent / "app.py"), default_timeout=120).run()
    at.switch_page("pages/new_catalogue.py")
    return run(at)


def test_a_collapsed_package_is_shown_with_its_verdict_and_never_called_ready(
    finished, colour_package_dir, monkeypatch
):
    health = finished("collapsed")
    at = run_in_shell(monkeypatch, colour_package_dir)
    shown = texts(at.error) + texts(at.success) + texts(at.warning) + texts(at.markdown) + texts(at.caption)
    assert not any("ready" in t for t in shown)
    assert texts(at.error)[0].startswith("The package shop was made, but its model collapsed")
    assert health.reason in texts(at.markdown) and health.advice in texts(at.markdown)
    assert any("collapsed: the model learned almost nothing" in t for t in texts(at.markdown))
    pairs = [i for i in at.image if "(#" in plain(i.proto.imgs[0].caption)]
    samples = [i for i in at.image if "typicality" in plain(i.proto.imgs[0].caption)]
    assert len(pairs) == 8 and len(samples) == 6  # held-out images over their reconstructions; prior samples
    charts = {c.proto.id.rsplit("-new_catalogue.", 1)[-1] for c in at.get("plotly_chart")}
    assert {"result.health", "kl"} <= charts
    assert start_button(at).disabled  # the form is back below


def test_a_healthy_package_is_ready_and_a_weak_one_says_so(finished, packages, colour_package_dir, monkeypatch):
    import shutil

    finished("healthy")
    at = run_in_shell(monkeypatch, colour_package_dir)
    assert texts(at.success)[0].startswith("The package shop is ready. 300 images")
    shutil.rmtree(packages)
    finished("weak", "shop-2")  # another folder: the app caches a package by its path
    at = run_in_shell(monkeypatch, colour_package_dir)
    assert texts(at.warning)[0].startswith("The package shop-2 is made, but its model is weak")
    assert not at.success


def test_the_form_is_reset_once_a_watched_job_ends(packages: Path):
    jobs = packages / ".jobs"
    at = run()
    data = zip_bytes([f"My Shop/tops/{i}.png" for i in range(5)] + [f"My Shop/shoes/{i}.png" for i in range(5)])
    at.file_uploader(key="new_catalogue.zip").set_value(("My Shop.zip", data, "application/zip"))
    at.number_input(key="new_catalogue.epochs").set_value(99)
    at = run(at)
    assert at.text_input(key="new_catalogue.name").value == "My-Shop"
    job = _fake_job(jobs, name="My-Shop")
    fd = os.open(jobs / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # the job runs while this session watches
    try:
        at = run(at)
        assert [b.key for b in at.button] == ["new_catalogue.cancel"]
    finally:
        os.close(fd)
    (job / "result.json").write_text(json.dumps({"state": "failed", "message": "Training stopped."}))
    at = run(at)
    assert texts(at.error) == ["My-Shop: Training stopped."]
    assert at.text_input(key="new_catalogue.name").value == ""  # a fresh form
    assert at.number_input(key="new_catalogue.epochs").value == 0  # back to the recipe
    (uploader,) = at.get("file_uploader")
    assert uploader.key != "new_catalogue.zip" and start_button(at).disabled  # no zip chosen
