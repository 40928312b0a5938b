"""Hostile uploads, folders and jobs, round two (issue 20, items 6-10): everything the package
schema will check is checked before training starts; one upload limit per kind of upload;
FIFOs and links to devices are never read; a name the shipped package shadows is refused; stale
upload folders are swept; skipped files are named; a job belongs to the session that started it."""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from ui.common.places import IMAGE_ROOT_ENV_VAR, PACKAGES_ENV_VAR
from ui.common.text import plain
from ui.new_catalogue.folders import scan_folder, suggest_name, validate_name
from ui.new_catalogue.jobs import (
    RUNNING,
    Job,
    JobSpec,
    current_job,
    hide_paths,
    job_status,
    may_control,
    owner_tag,
    sweep_uploads,
    upload_dir,
)
from ui.new_catalogue.zips import MiB, ZipLimits, check_zip, extract_zip
from vae_core import InputError, ModelPackage, PackageError
from vae_core.model.image_folder import load_image_folder
from vae_core.package.schema import catalogue_problem
from vae_core.upload import MAX_BYTES

PAGE = str(ROOT / "pages" / "new_catalogue.py")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def make_zip(names: list[str], data: bytes = PNG) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


def tops_and(*names: str) -> list[str]:
    """Ten good images in ``tops/`` plus ``names``."""
    return [f"tops/{i}.png" for i in range(10)] + list(names)


# ------------------------------------------------------------------------------ zips
@pytest.mark.parametrize(
    ("names", "message"),
    [
        (tops_and("shoes/x.png", "shoes/x.png/y.png"), "'shoes/x.png' both as an image and as a folder"),
        (tops_and("shoes/" + "n" * 300 + ".png"), "names may have at most 255"),
        (tops_and("/".join(["d" * 200] * 6) + "/x.png"), "path of over 1024 bytes"),
    ],
)
def test_an_archive_that_would_fail_while_writing_is_refused_before(names, message, tmp_path: Path):
    data = make_zip(names)
    with pytest.raises(InputError, match=message):
        check_zip(data)
    with pytest.raises(InputError, match=message):
        extract_zip(data, tmp_path / "out")  # never a FileExistsError or OSError
    assert not list((tmp_path / "out").rglob("*.png")) if (tmp_path / "out").exists() else True


def test_top_level_images_beside_class_folders_are_skipped_and_named():
    report = check_zip(make_zip(tops_and("stray.png", "shoes/a.png")))
    assert "stray.png" not in report.images and report.classes == ("shoes", "tops")
    assert ("stray.png", "outside the class folders (with class folders, top-level images are not used)") in (
        report.skipped
    )
    assert report.total_bytes == 11 * len(PNG)


@pytest.mark.parametrize(
    ("classes", "count", "message"),
    [
        (("tops",), 1, "There are 1 usable image; a catalogue needs at least 10"),
        (("tops",), 9, "There are 9 usable images"),
        (("x" * 101,), 20, "must be a non-empty text of at most 100 characters"),
        ((" ",), 20, "The class folder name ' ' cannot be used"),
        (("\u202egnp.exe",), 20, "U+202E"),
        (("tab\there",), 20, "U+0009"),
        (tuple(f"c{i}" for i in range(300)), 600, "300 class folders; at most 256"),
    ],
)
def test_what_the_schema_will_refuse_is_said_before_training(classes, count, message):
    assert message in catalogue_problem(classes, count)


def test_a_good_catalogue_passes():
    assert catalogue_problem(("T-shirt/top", "Ankle boot", "\u05d7\u05d5\u05dc\u05e6\u05d4"), 10) is None


# ------------------------------------------------------------------------------ the page
@pytest.fixture()
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "packages"
    monkeypatch.setenv(PACKAGES_ENV_VAR, str(folder))
    monkeypatch.delenv(IMAGE_ROOT_ENV_VAR, raising=False)
    monkeypatch.delenv("LATENT_ATELIER_JOBS_OPEN", raising=False)
    return folder


def run(at: AppTest | None = None) -> AppTest:
    at = (at if at is not None else AppTest.from_file(PAGE, default_timeout=60)).run()
    assert not at.exception, at.exception
    return at


def start_button(at: AppTest):
    return next(b for b in at.button if b.key == "new_catalogue.start")


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["tops/a.png"], "a catalogue needs at least 10"),
        ([f"{' '}/{i}.png" for i in range(10)] + ["b/x.png"], "The class folder name ' ' cannot be used"),
        ([f"{'x' * 101}/{i}.png" for i in range(10)] + ["b/x.png"], "at most 100 characters"),
    ],
)
def test_the_page_refuses_a_zip_the_package_could_not_hold(packages, names, message):
    at = run()
    at.file_uploader(key="new_catalogue.zip").set_value(("shop.zip", make_zip(names), "application/zip"))
    at = run(at)
    assert any(message in plain(e.value) for e in at.error), [e.value for e in at.error]
    assert start_button(at).disabled


def test_the_shipped_catalogues_name_is_refused_and_never_suggested(packages):
    with pytest.raises(InputError, match="the shipped catalogue's name"):
        validate_name("fashion-mnist-vae", packages)
    assert suggest_name("fashion-mnist-vae.zip", packages) == "fashion-mnist-vae-2"
    at = run()
    at.file_uploader(key="new_catalogue.zip").set_value(
        ("fashion-mnist-vae.zip", make_zip(tops_and()), "application/zip")
    )
    at = run(at)
    at.text_input(key="new_catalogue.name").set_value("fashion-mnist-vae")
    at = run(at)
    start_button(at).click()
    at = run(at)
    assert any("the shipped catalogue's name" in plain(e.value) for e in at.error)
    assert current_job(packages / ".jobs") is None


def test_uploads_a_killed_server_left_are_swept(packages):
    jobs = packages / ".jobs"
    dead = jobs / ".upload-999999999-abcd"  # no such process
    (dead / "tops").mkdir(parents=True)
    (dead / "tops" / "a.png").write_bytes(PNG)
    live = upload_dir(jobs)  # this process's: being unpacked right now
    live.mkdir()
    run()
    assert not dead.exists() and live.exists()
    assert sweep_uploads(jobs) == [] and live.name.startswith(f".upload-{os.getpid()}-")


def test_a_folders_skipped_files_are_named_and_fifos_never_read(packages, tmp_path, monkeypatch):
    root = tmp_path / "images"
    shop = root / "shop"
    (shop / "tops").mkdir(parents=True)
    for i in range(10):
        Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(shop / "tops" / f"{i}.png")
    os.mkfifo(shop / "tops" / "pipe.png")
    (shop / "tops" / "notes.txt").write_text("x")
    (shop / "stray.png").write_bytes(PNG)
    summary = scan_folder(root, shop)
    assert summary.images == 10 and summary.classes == ("tops",)
    reasons = dict(summary.skipped)
    assert reasons["tops/pipe.png"].startswith("not a regular file (a FIFO")
    assert reasons["tops/notes.txt"] == "not an image file" and reasons["stray.png"].startswith("outside the class")
    monkeypatch.setenv(IMAGE_ROOT_ENV_VAR, str(root))
    at = run()
    at.radio(key="new_catalogue.source").set_value("folder")
    at = run(at)
    listed = " ".join(plain(m.value) for m in at.markdown)
    for name in ("tops/pipe.png", "tops/notes.txt", "stray.png"):
        assert name in listed, name
    assert not start_button(at).disabled
    (shop / "tops" / "zero.png").symlink_to("/dev/zero")  # the CLI trains any folder: read nothing but files
    t = time.monotonic()
    data = load_image_folder(shop, image_size=28)  # what the trainer reads: no hang, no MemoryError
    assert time.monotonic() - t < 30 and len(data) == 10
    skipped = {s.path: s.reason for s in data.skipped}
    assert "a FIFO" in skipped["tops/pipe.png"] and "a device" in skipped["tops/zero.png"]


# ------------------------------------------------------------------------------ whose job
def _job(jobs: Path, owner: str, state: str | None = None) -> Job:
    job = Job(jobs / "20261207-120000-abcdef")
    job.dir.mkdir(parents=True)
    spec = JobSpec(name="secret-shop", command=[], target=str(jobs.parent / "secret-shop"), epochs=4,
                   source="upload secret.zip", created=time.time() - 100, owner=owner)  # fmt: skip
    job.spec_file.write_text(json.dumps(spec.__dict__))
    events = [
        {"t": time.time() - 90, "stage": "batch", "done": 0, "total": 10, "info": {"loss": 500.0}},
        {"t": time.time() - 30, "stage": "epoch", "done": 2, "total": 4, "info": {"test_neg_elbo": 290.0}},
    ]
    job.progress_file.write_text("".join(json.dumps(e) + "\n" for e in events))
    job.log_file.write_text(f"error: cannot read {ROOT}/vae_core/x.py and {sys.prefix}/lib/site.py\n")
    (jobs / "current").write_text(job.dir.name)
    if state:
        job.result_file.write_text(json.dumps({"state": state, "message": "The package 'secret-shop' is ready."}))
    return job


@pytest.fixture()
def running(packages: Path):
    """A job started by another session, holding the jobs' lock as its worker would."""
    import fcntl

    jobs = packages / ".jobs"
    job = _job(jobs, owner_tag("someone else's token"))
    fd = os.open(jobs / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield job
    os.close(fd)


def _everything(at: AppTest) -> str:
    kinds = ("markdown", "caption", "info", "warning", "error", "success", "subheader", "code")
    return " ".join(plain(str(e.value)) for kind in kinds for e in getattr(at, kind))


def test_another_sessions_job_shows_only_that_the_slot_is_busy(running):
    at = run()
    shown = _everything(at)
    assert "Another catalogue is being trained on this server" in shown and "of training left" in shown
    assert "secret" not in shown and not at.button and not at.get("progress")  # no name, file, log, cancel
    assert job_status(running.dir.parent, running).state == RUNNING


def test_the_owner_session_follows_and_may_cancel_its_job(running):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["new_catalogue.owner_token"] = "someone else's token"
    at = run(at)
    assert [b.key for b in at.button] == ["new_catalogue.cancel"] and "secret-shop" in _everything(at)
    assert at.query_params.get("job") == "someone else's token"  # a reload of this page keeps control
    reloaded = AppTest.from_file(PAGE, default_timeout=60)
    reloaded.query_params["job"] = "someone else's token"
    assert [b.key for b in run(reloaded).button] == ["new_catalogue.cancel"]


def test_an_operator_may_open_jobs_to_every_session(running, monkeypatch):
    monkeypatch.setenv("LATENT_ATELIER_JOBS_OPEN", "1")
    assert [b.key for b in run().button] == ["new_catalogue.cancel"]
    spec = running.spec()
    assert may_control(spec, None, open_to_all=True) and not may_control(spec, "guess")
    assert may_control(spec, "someone else's token")
    assert "someone else's token" not in running.spec_file.read_text()  # only its hash is on disk


def test_another_sessions_finished_job_is_not_shown(packages):
    _job(packages / ".jobs", owner_tag("someone else's token"), state="done")
    at = run()
    assert "secret" not in _everything(at) and not at.success
    assert start_button(at)  # the form is back for this session


# ------------------------------------------------------------------------------ words and paths
def test_the_trainer_log_shows_no_server_path(tmp_path: Path):
    job = Job(tmp_path / "packages" / ".jobs" / "20261207-120000-abcdef")
    text = (
        f'  File "{ROOT}/vae_core/cli/main.py", line 3\n'
        f'  File "{sys.prefix}/lib/python3.11/site-packages/torch/nn/modules/module.py", line 9\n'
        f"error: cannot write {job.dir}/staging/package and {tmp_path}/packages/shop, images {tmp_path}/imgs/tops"
    )
    shown = hide_paths(text, job)
    assert str(ROOT) not in shown and sys.prefix not in shown and str(tmp_path) not in shown
    assert '".../main.py"' in shown and '".../module.py"' in shown
    assert "<job>/staging/package and <packages>/shop, images .../tops" in shown


def test_the_worker_reports_the_trainers_own_error_line(tmp_path: Path):
    from ui.new_catalogue.worker import trainer_error

    job = Job(tmp_path / "packages" / ".jobs" / "j")
    job.dir.mkdir(parents=True)
    job.log_file.write_text(f"epoch 1\nerror: There are 3 usable images; a catalogue needs at least 10 ({job.dir}).\n")
    assert trainer_error(job) == "There are 3 usable images; a catalogue needs at least 10 (<job>)."


def test_one_upload_limit_per_kind_stated_at_the_widget_and_the_servers_cap_allows_the_largest(
    tiny_package_dir, data_dir, monkeypatch, packages
):
    cap = int(re.search(r"^maxUploadSize = (\d+)$", (ROOT / ".streamlit" / "config.toml").read_text(), re.M)[1])
    assert cap == ZipLimits().max_upload // MiB == 200  # the zip fits (it was 20: "status code 413")
    assert MAX_BYTES // MiB == 20 < cap
    assert "client_max_body_size 201m;" in (ROOT / "deploy" / "nginx.conf").read_text()
    at = run()
    zip_box = at.file_uploader(key="new_catalogue.zip")
    assert zip_box.proto.max_upload_size_mb == 200 and "up to 200 MiB" in zip_box.proto.label
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    explore = AppTest.from_file(str(ROOT / "pages" / "explore.py"), default_timeout=120).run()
    image_box = explore.file_uploader(key="explore.upload.file")
    assert image_box.proto.max_upload_size_mb == 20 and "up to 20 MiB" in image_box.proto.label


def test_a_package_the_schema_refuses_is_never_saved(tiny_package_copy: Path):
    pkg = ModelPackage.load(tiny_package_copy)
    before = (tiny_package_copy / "checksums.sha256").read_bytes()
    pkg.class_names = tuple(["x" * 101] + list(pkg.class_names[1:]))
    with pytest.raises(PackageError, match="cannot be saved: the manifest's 'class_names' entry 0"):
        pkg.save(tiny_package_copy)
    assert (tiny_package_copy / "checksums.sha256").read_bytes() == before  # the old package stays
    assert np.array_equal(ModelPackage.load(tiny_package_copy).mu, pkg.mu)
