"""The "New catalogue" page's panels: the latest job (live progress, cancel, or its result: the
package's health verdict with held-out images beside their reconstructions, prior samples and
which sliders do something), the choice of images (a zip upload or a folder inside the image
root), the settings and the start. The form starts empty again once a job this session watched
has ended.

Logic lives in the plain modules beside this one; here widgets are read and results drawn.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui.common import health
from ui.common.figures import kl_figure, training_progress_figure
from ui.common.loader import package_at
from ui.common.places import image_root
from ui.common.text import md
from ui.model import view as model_view
from vae_core import InputError, LatentAtelierError, ModelPackage
from vae_core.package.health import COLLAPSED, WEAK
from vae_core.package.schema import MIN_CATALOGUE, catalogue_problem

from .folders import resolve_in_root, scan_folder, subfolders, suggest_name, validate_name
from .jobs import (
    CANCELLED,
    DONE,
    RUNNING,
    Job,
    JobSpec,
    JobStatus,
    cancel_job,
    job_status,
    jobs_open,
    may_control,
    owner_tag,
    start_job,
    train_command,
    upload_dir,
)
from .progress import format_seconds, snapshot
from .zips import MiB, ZipLimits, check_zip, extract_zip

K = "new_catalogue."  # widget keys of this page
SIZES = (28, 32, 64)
CHANNELS = {"auto": None, "grey": 1, "colour": 3}
CHANNEL_LABELS = {"auto": "auto (colour if any image is)", "grey": "grey", "colour": "colour"}
DEFAULT_EPOCHS, MAX_EPOCHS = 0, 300  # 0: the trainer's recipe (vae_core.model.recipe)
REFRESH_SECONDS = 2.0
LIMITS = ZipLimits()
MSG = 400  # characters of a message shown (messages quote names at most 80 characters long)
WATCHED = f"{K}watched"  # the id of the job this session saw running
FORM_KEYS = ("name", "name_for", "size", "channels", "epochs", "source", "folder")
GENERATION = f"{K}form"  # bumped to give the zip uploader a new key (the only way to empty it)
SKIPPED_SHOWN = 50  # skipped files named on the page (a trained package's manifest lists them all)
K_TOKEN = f"{K}owner_token"  # this session's secret: the jobs it starts are its own
JOB_QUERY = "job"  # the token also rides in the page's link, so a reload keeps control of the job


@dataclass(frozen=True)
class Source:
    """The images chosen: a checked upload (``upload`` set) or a checked server folder."""

    label: str
    default_name: str
    count: int
    upload: object | None = None  # the UploadedFile
    folder: Path | None = None
    classes: tuple[str, ...] = ()  # the class names training will use


# ------------------------------------------------------------------ whose jobs
def session_token() -> str:
    """This session's secret token (made on its first visit; taken from the page's link after a
    reload), and the link made to carry it."""
    ss = st.session_state
    if K_TOKEN not in ss:
        linked = st.query_params.get(JOB_QUERY, "")
        ss[K_TOKEN] = linked if 16 <= len(linked) <= 64 else secrets.token_urlsafe(16)
    return ss[K_TOKEN]


def _claim_link(token: str) -> None:
    if st.query_params.get(JOB_QUERY) != token:
        st.query_params[JOB_QUERY] = token


# ------------------------------------------------------------------ the latest job
def render_latest_job(jobs: Path, job: Job | None) -> bool:
    """Show the latest job: to the session that started it (or to all, when the operator opened
    jobs to all sessions), live while it runs, else its result; to any other session only that
    the server is busy and until about when. Returns whether one runs."""
    if job is None:
        return False
    try:
        status = job_status(jobs, job)
    except (OSError, ValueError, TypeError) as exc:
        st.warning(f"The last training job's files could not be read ({md(exc, MSG)}).")
        return False
    token = session_token()
    mine = may_control(status.spec, token, jobs_open())
    if mine and status.spec.owner:
        _claim_link(token)
    if status.state == RUNNING:
        if mine:
            st.session_state[WATCHED] = job.id
            _running_panel(jobs, job)
            st.info("One catalogue trains at a time; the form returns when it ends.", icon=":material/hourglass_top:")
        else:
            _busy_panel(jobs, job)
        return True
    if st.session_state.get(WATCHED) == job.id:  # it ended while this session watched: the form is stale
        reset_form()
    if mine:
        _result_panel(status)
    return False


def reset_form() -> None:
    """Empty the form (call before its widgets are drawn): a new name, the default settings and no
    zip, so the next catalogue does not start from the last one's choices."""
    ss = st.session_state
    for name in FORM_KEYS:
        ss.pop(f"{K}{name}", None)
    ss[GENERATION] = ss.get(GENERATION, 0) + 1
    ss.pop(WATCHED, None)


def _zip_key() -> str:
    generation = st.session_state.get(GENERATION, 0)
    return f"{K}zip" if generation == 0 else f"{K}zip.{generation}"


@st.fragment(run_every=REFRESH_SECONDS)
def _busy_panel(jobs: Path, job: Job) -> None:
    """Another session's job: that the one training slot is busy, since when and until about when
    (no name, file or log of someone else's catalogue)."""
    status = job_status(jobs, job)
    if status.state != RUNNING:
        st.rerun()  # the form comes back
    snap = snapshot(status.events, status.spec.created, time.time(), status.spec.epochs)
    left = (
        f"about {format_seconds(snap.remaining)} of training left, then a few minutes to build the package"
        if snap.remaining is not None
        else "how long it will take is not known yet"
    )
    st.info(
        f"Another catalogue is being trained on this server: it started {format_seconds(snap.elapsed)} ago; {left}. "
        "One catalogue trains at a time; this page shows the form again as soon as it ends.",
        icon=":material/hourglass_top:",
    )


@st.fragment(run_every=REFRESH_SECONDS)
def _running_panel(jobs: Path, job: Job) -> None:
    status = job_status(jobs, job)
    if status.state != RUNNING:
        st.rerun()  # the whole page: the result replaces the live panel, the form comes back
    spec = status.spec
    snap = snapshot(status.events, spec.created, time.time(), spec.epochs)
    st.subheader(f"Training {md(spec.name)}")
    st.caption(f"From {md(spec.source)}. It runs on the server: close or reload this page and come back at any time.")
    stage = snap.label
    if snap.epochs:  # known from the first finished epoch when the recipe chose the length
        stage = f"{snap.label}: epoch {min(snap.epochs_done + 1, snap.epochs)} of {snap.epochs}"
    if snap.stage not in ("batch", "epoch"):
        counts = f" ({snap.stage_done:,} of {snap.stage_total:,})" if snap.stage_total > 1 else ""
        stage = f"{snap.label}{counts}"
    share = "training done" if snap.fraction >= 1 else f"{snap.fraction:.0%} of training"
    st.progress(snap.fraction, text=f"{stage} · {share}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Elapsed", format_seconds(snap.elapsed))
    c2.metric("Training time left", format_seconds(snap.remaining) if snap.stage in ("batch", "epoch") else "—")
    last = snap.epoch_rows[-1] if snap.epoch_rows else {}
    c3.metric("Held-out -ELBO", f"{last['test_neg_elbo']:.1f}" if "test_neg_elbo" in last else "—")
    if snap.batch_points or snap.epoch_rows:
        fig = training_progress_figure(snap.batch_points, snap.epoch_rows, max(snap.epochs, 1))
        st.plotly_chart(fig, key=f"{K}curve", config={"displayModeBar": False})
    st.caption("After training, the package is built (encoding, metrics and maps) and checked before it appears.")
    st.button("Cancel training", key=f"{K}cancel", icon=":material/cancel:", on_click=_cancel, args=(jobs, job))


def _cancel(jobs: Path, job: Job) -> None:
    """The cancel button's callback: only for a job this session may control."""
    if may_control(job.spec(), st.session_state.get(K_TOKEN), jobs_open()):
        cancel_job(jobs, job)


def _result_panel(status: JobStatus) -> None:
    spec = status.spec
    if status.state == DONE:
        _finished_panel(spec)
    elif status.state == CANCELLED:
        st.info(f"{md(spec.name)}: {md(status.message, MSG)}", icon=":material/cancel:")
    else:
        st.error(f"{md(spec.name)}: {md(status.message, MSG)}", icon=":material/error:")
        if status.log_tail:
            st.caption("The last lines the trainer printed:")
            st.code(status.log_tail, language=None)


def _finished_panel(spec: JobSpec) -> None:
    """A finished job's package: the verdict first (never "ready" for a collapsed model), then
    what it learned: held-out images beside their reconstructions, prior samples, which sliders
    do something."""
    try:
        pkg = package_at(spec.target)
    except LatentAtelierError as exc:
        st.warning(f"{md(spec.name)}: the package was made but cannot be shown now ({md(exc, MSG)}).")
        return
    name, verdict = md(spec.name), health.verdict_of(pkg.health)
    facts = _package_summary(pkg)
    if verdict == COLLAPSED:
        st.error(
            f"The package {name} was made, but its model collapsed: it learned almost nothing about your images. "
            "It is kept so you can see below what went wrong and what to try.",
            icon=":material/error:",
        )
    elif verdict == WEAK:
        st.warning(
            f"The package {name} is made, but its model is weak: see below what it learned and what to try. {facts}",
            icon=":material/warning:",
        )
    else:
        st.success(f"The package {name} is ready. {facts}", icon=":material/check_circle:")
    skipped = [
        (str(e.get("path")), str(e.get("reason"))) for e in pkg.data_source.get("skipped", []) if isinstance(e, dict)
    ]
    show_skipped(skipped, "files were skipped while reading the images")
    st.page_link(
        "pages/explore.py", label=f"Explore {name}", icon=":material/tune:", query_params={"package": spec.name}
    )
    st.subheader("What the model learned")
    health.verdict_panel(pkg, f"{K}result")
    model_view.recon_panel(pkg, n=8, seed_key=f"{K}recon_seed")
    model_view.samples_panel(pkg, n=6, key=f"{K}result")
    st.plotly_chart(kl_figure(pkg.kl_per_dim), key=f"{K}kl", config={"displayModeBar": False})
    st.caption(
        "Which sliders do something: the average KL of each latent dimension over the training images. "
        "Grey bars are dimensions the model ignores; moving their sliders changes nothing."
    )


def _package_summary(pkg: ModelPackage) -> str:
    """One sentence about a finished package."""
    elbo = pkg.metrics.get("test_neg_elbo")
    held = f", held-out -ELBO {elbo:.1f} nats" if isinstance(elbo, float) else ""
    return f"{len(pkg):,} images{held}; choose it in the package picker."


def show_skipped(skipped: list[tuple[str, str]], what: str) -> None:
    """Name the skipped files (and why), in an expander: a count alone does not say which."""
    if not skipped:
        return
    with st.expander(f"{len(skipped):,} {what}", icon=":material/playlist_remove:"):
        lines = [f"- {md(path, 160)}: {md(reason, 200)}" for path, reason in skipped[:SKIPPED_SHOWN]]
        if len(skipped) > SKIPPED_SHOWN:
            lines.append(f"- ... and {len(skipped) - SKIPPED_SHOWN:,} more")
        st.markdown("\n".join(lines))


# ------------------------------------------------------------------ the form
def choose_source(packages: Path) -> Source | None:
    """The images to train on: an uploaded zip or a server folder, checked; None (with the
    reason shown) until a usable choice is made."""
    root = image_root()
    options = ["upload", "folder"]
    kind = st.radio(
        "Where the images are",
        options,
        key=f"{K}source",
        horizontal=True,
        format_func={"upload": "Upload a .zip", "folder": "A folder on this server"}.get,
    )
    if kind == "folder":
        return _folder_source(root, packages)
    file = st.file_uploader(
        f"A .zip of images (up to {LIMITS.max_upload // MiB} MiB): one folder per class, or the images directly",
        type=["zip"],
        key=_zip_key(),
        max_upload_size=LIMITS.max_upload // MiB,
        help=f"PNG, JPEG, WebP, BMP or GIF; the .zip at most {LIMITS.max_upload // MiB} MiB, at least "
        f"{MIN_CATALOGUE} and at most {LIMITS.max_images:,} images, {LIMITS.max_total // MiB:,} MiB unpacked. "
        "Other files are skipped.",
    )
    if file is None:
        return None
    try:
        report = check_zip(file, LIMITS)
    except InputError as exc:
        st.error(f"{md(file.name)}: {md(exc, MSG)}", icon=":material/block:")
        return None
    classes = f" in {len(report.classes)} class folders" if report.classes else " (one class)"
    skipped = f"; {len(report.skipped)} other entries will be skipped" if report.skipped else ""
    st.caption(f"{len(report.images):,} images{classes}, {report.total_bytes / MiB:.1f} MiB unpacked{skipped}.")
    show_skipped(report.skipped, "entries of the archive will be skipped")
    problem = catalogue_problem(report.classes, len(report.images))
    if problem:
        st.error(f"{md(file.name)}: {md(problem, MSG)}", icon=":material/block:")
        return None
    name = suggest_name(file.name, packages)
    return Source(f"upload {file.name}", name, len(report.images), upload=file, classes=report.classes)


def _folder_source(root: Path | None, packages: Path) -> Source | None:
    if root is None:
        st.info(
            "This server offers no folders: its administrator can allow one by setting "
            "LATENT_ATELIER_IMAGE_ROOT. Upload a .zip instead.",
            icon=":material/folder_off:",
        )
        return None
    choices = subfolders(root)
    if not choices:
        st.info("The image root holds no folders.", icon=":material/folder_off:")
        return None
    choice = st.selectbox("Folder (inside the image root)", choices, key=f"{K}folder")
    try:
        folder = resolve_in_root(root, choice)
        summary = scan_folder(root, folder)
    except InputError as exc:
        st.error(md(exc, MSG), icon=":material/block:")
        return None
    classes = f" in {len(summary.classes)} class folders" if summary.classes else " (one class)"
    skipped = f"; {len(summary.skipped)} other files will be skipped" if summary.skipped else ""
    st.caption(f"{summary.images:,} images{classes}{skipped}.")
    show_skipped(list(summary.skipped), "files of the folder will be skipped")
    names = summary.classes or (folder.name,)  # a flat folder is one class named after it
    problem = catalogue_problem(names, summary.images)
    if problem:
        st.error(md(problem, MSG), icon=":material/block:")
        return None
    name = suggest_name(Path(choice).name, packages)
    return Source(f"folder {choice}", name, summary.images, folder=folder, classes=names)


def render_settings(source: Source | None) -> tuple[str, int, int | None, int]:
    """Name, image size, channels and epochs."""
    fresh = st.session_state.get(f"{K}name_for") != (source.label if source else None)
    if source is not None and (fresh or not st.session_state.get(f"{K}name")):
        st.session_state[f"{K}name"] = source.default_name  # a new source suggests its own name
        st.session_state[f"{K}name_for"] = source.label
    name = st.text_input("Name", key=f"{K}name", max_chars=64, help="Letters, digits, '-', '_' and dots.")
    c1, c2, c3 = st.columns([1, 2, 1])
    size = (
        c1.segmented_control(
            "Image size (pixels)",
            SIZES,
            default=32,
            key=f"{K}size",
            help="32 trains in a few minutes; 64 draws sharper shapes and takes about three times as long.",
        )
        or 32
    )
    channels = c2.radio("Colour", list(CHANNELS), key=f"{K}channels", format_func=CHANNEL_LABELS.get, horizontal=True)
    epochs = c3.number_input(
        "Epochs",
        0,
        MAX_EPOCHS,
        DEFAULT_EPOCHS,
        key=f"{K}epochs",
        help="0: automatic (a fixed number of training steps, enough for a small folder); N: N passes over the images",
    )
    return name, int(size), CHANNELS[channels], int(epochs)


def start(jobs: Path, packages: Path, source: Source, name: str, size: int, channels: int | None, epochs: int) -> None:
    """Validate, unpack an upload into the jobs folder, and start the job; errors are shown."""
    unpacked = upload_dir(jobs)
    try:
        name = validate_name(name, packages)
        problem = catalogue_problem(source.classes, source.count)
        if problem:
            raise InputError(problem)
        images = source.folder if source.folder is not None else Path("{images}")  # an upload: the job's images/
        spec = JobSpec(
            name=name,
            command=train_command(images, size, channels, epochs),
            target=str(packages / name),
            epochs=epochs,
            source=source.label,
            created=time.time(),
            owner=owner_tag(session_token()),
        )
        if source.upload is not None:
            extract_zip(source.upload, unpacked, LIMITS)
        start_job(jobs, spec, images=unpacked if source.upload is not None else None)
    except LatentAtelierError as exc:
        st.error(md(exc, MSG), icon=":material/block:")
        return
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)  # already moved into the job if it started
    _claim_link(session_token())
    st.rerun()
