"""The health verdict and the held-out images in a package: what the build measures and stores,
the schema's bounds, the atlas's round trip and checksums, older packages without them, and
``upgrade`` adding them in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vae_core import ModelPackage, PackageError
from vae_core.latent.metrics import active_dims, kl_per_dimension
from vae_core.package.build import upgrade_package
from vae_core.package.format import ARRAY_FILES, CHECKSUMS, MANIFEST, amend, sha256_file, verify
from vae_core.package.health import VERDICTS, Health, HealthFigures, judge
from vae_core.package.held_out import ATLAS, INDEX, HeldOut, capacity


def _resign_manifest(root: Path, change) -> None:
    """Edit the manifest and make its line in the checksums match again."""
    manifest = json.loads((root / MANIFEST).read_text())
    change(manifest)
    (root / MANIFEST).write_text(json.dumps(manifest))
    lines = [
        f"{sha256_file(root / MANIFEST)}  {MANIFEST}" if line.endswith(f"  {MANIFEST}") else line
        for line in (root / CHECKSUMS).read_text().splitlines()
    ]
    (root / CHECKSUMS).write_text("\n".join(lines) + "\n")


def _strip_health(root: Path) -> None:
    """Make ``root`` look like a package built before health checks (no verdict, no held-out files)."""

    def change(m: dict) -> None:
        m.pop("health"), m.pop("held_out")
        for name in (ATLAS, INDEX):
            m["files"].pop(name)

    _resign_manifest(root, change)
    for name in (ATLAS, INDEX):
        (root / name).unlink()
    lines = [line for line in (root / CHECKSUMS).read_text().splitlines() if not line.endswith((ATLAS, INDEX))]
    (root / CHECKSUMS).write_text("\n".join(lines) + "\n")


def set_verdict(root: Path, verdict: str) -> Health:
    """Give the package at ``root`` a verdict of figures made up to produce it (through the
    package's own write path), so page tests do not depend on how well a tiny run learns."""
    made_up = {
        "healthy": {"recon_error": 10.0, "active_dims": 9},
        "weak": {"recon_error": 40.0, "active_dims": 3},
        "collapsed": {"recon_error": 70.0, "active_dims": 0},
    }[verdict]
    figures = HealthFigures(
        mean_image_error=60.0, latent_dim=10, kl_total=5.0, held_out=30, train_images=270, steps=10, image_size=32,
        **made_up,
    )  # fmt: skip
    health = judge(figures)
    assert health.verdict == verdict

    def change(tmp: Path, manifest: dict) -> list[str]:
        manifest["health"] = health.to_dict()
        return []

    amend(root, change)
    return health


# ------------------------------------------------------------------------------ the build
def test_the_build_measures_health_on_the_held_out_split(tiny_package_dir, small_splits):
    tr, te = small_splits
    pkg = ModelPackage.load(tiny_package_dir)
    h, f = pkg.health, pkg.health.figures
    assert h.verdict in VERDICTS and h == judge(f)  # the stored words are the rules' own
    mu, logvar = pkg.encode(te.images)
    recon = pkg.decode(mu)  # (200, 28, 28) in [0, 1]
    assert f.recon_error == pytest.approx(np.abs(te.images / 255.0 - recon).mean() * 255.0, rel=1e-6)
    mean = tr.images.astype(np.float64).mean(axis=0)
    assert f.mean_image_error == pytest.approx(np.abs(te.images - mean).mean(), rel=1e-9)
    assert f.active_dims == int(active_dims(kl_per_dimension(mu, logvar)).sum())
    assert f.kl_total == pytest.approx(kl_per_dimension(mu, logvar).sum(), rel=1e-4)
    assert (f.held_out, f.latent_dim, f.train_images, f.image_size) == (200, 10, 600, 28)
    assert f.knn5_accuracy == pkg.metrics["knn5_accuracy"] and f.chance == 0.1
    assert f.steps == 2 * 10  # 2 epochs of ceil(600 / 64) batches
    # a 2-epoch model of 600 garments draws grey blurs: no closer than the mean image
    assert h.verdict == "collapsed" and f.recon_error > f.mean_image_error


def test_the_package_carries_a_seeded_sample_of_held_out_images(tiny_package_dir, small_splits):
    _, te = small_splits
    pkg = ModelPackage.load(tiny_package_dir)
    held = pkg.held_out
    assert len(held) == 200 and held.source == "test split"  # all 200 (under the 500 cap)
    np.testing.assert_array_equal(held.images(), te.images[held.rows])
    np.testing.assert_array_equal(held.labels, te.labels[held.rows])
    assert held.images().flags.writeable is False
    entry = verify(tiny_package_dir)["held_out"]
    assert entry == {
        "file": ATLAS, "index": INDEX, "count": 200, "cols": 25, "image_size": 28, "channels": 1,
        "source": "test split", "seed": 0,
    }  # fmt: skip


def test_held_out_images_round_trip_through_an_atlas(tmp_path):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (37, 16, 16, 3), dtype=np.uint8)
    held = HeldOut.from_images(images, np.arange(37) % 4, np.arange(100, 137), "catalogue rows", seed=5)
    assert held.write(tmp_path) == [ATLAS, INDEX]
    back = HeldOut.open(tmp_path, held.manifest_entry(), n_classes=4)
    np.testing.assert_array_equal(back.images(), images)
    np.testing.assert_array_equal(back.labels, np.arange(37) % 4)
    assert back.rows.tolist() == list(range(100, 137)) and back.source == "catalogue rows"
    with pytest.raises(PackageError, match="label outside"):
        HeldOut.open(tmp_path, held.manifest_entry(), n_classes=3)
    assert capacity(28, 1) == 500 and capacity(128, 3) == 256  # the atlas pixel budget caps it


@pytest.mark.parametrize("name", [ATLAS, INDEX])
def test_a_damaged_held_out_file_is_refused(tiny_package_copy, name):
    path = tiny_package_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="does not match its checksum"):
        ModelPackage.load(tiny_package_copy)


def test_held_out_files_the_manifest_does_not_list_are_refused(tiny_package_copy):
    _resign_manifest(tiny_package_copy, lambda m: m.pop("held_out"))
    with pytest.raises(PackageError, match="held-out files disagree"):
        ModelPackage.load(tiny_package_copy)


# ------------------------------------------------------------------------------ the schema
BAD_HEALTH = {
    "verdict": ("great", "verdict must be one of healthy, weak, collapsed"),
    "recon_error": (300.0, "recon_error must be a number from 0 to 255"),
    "mean_image_error": (-1.0, "mean_image_error must be a number from 0 to 255"),
    "kl_total": ("much", "kl_total must be a number"),  # NaN is refused earlier, as JSON
    "knn5_accuracy": (1.5, "knn5_accuracy must be a number from 0 to 1"),
    "active_dims": (11, "active_dims must be a whole number from 0 to 10"),
    "held_out": (0, "held_out must be a whole number from 1"),
    "reason": ("x" * 2001, "reason must be a text of at most 2000 characters"),
    "steps": (-3, "steps must be a whole number of at least 0"),
}


@pytest.mark.parametrize("key", list(BAD_HEALTH))
def test_the_schema_refuses_out_of_bounds_health(tiny_package_copy, key):
    value, message = BAD_HEALTH[key]
    _resign_manifest(tiny_package_copy, lambda m: m["health"].update({key: value}))
    with pytest.raises(PackageError, match="'health'") as caught:
        ModelPackage.load(tiny_package_copy)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": 501}, "count must be a whole number from 1 to 500"),
        ({"cols": 0}, "cols must be a whole number from 1 to the count"),
        ({"file": "../x.png"}, "must name the files 'heldout.png' and 'heldout.json'"),
        ({"channels": 2}, "1 or 3 channels"),
    ],
)
def test_the_schema_refuses_a_bad_held_out_entry(tiny_package_copy, change, message):
    _resign_manifest(tiny_package_copy, lambda m: m["held_out"].update(change))
    with pytest.raises(PackageError, match="'held_out'") as caught:
        ModelPackage.load(tiny_package_copy)
    assert message in str(caught.value)


def test_a_package_without_health_loads_as_not_measured(tiny_package_copy):
    _strip_health(tiny_package_copy)
    pkg = ModelPackage.load(tiny_package_copy)
    assert pkg.health is None and pkg.held_out is None
    assert set(verify(tiny_package_copy)["files"]) == set(ARRAY_FILES)


# ------------------------------------------------------------------------------ upgrading
def test_upgrade_adds_the_same_health_and_held_out_images_in_place(tiny_package_dir, tmp_path, small_splits):
    root = Path(shutil.copytree(tiny_package_dir, tmp_path / "old"))
    _strip_health(root)
    before = {n: (root / n).read_bytes() for n in ARRAY_FILES}
    upgraded = upgrade_package(root, small_splits[1], small_splits[0])
    built = ModelPackage.load(tiny_package_dir)
    assert upgraded.health == built.health  # the same measurement as the build's
    np.testing.assert_array_equal(upgraded.held_out.images(), built.held_out.images())
    assert (root / ATLAS).read_bytes() == (tiny_package_dir / ATLAS).read_bytes()
    assert {n: (root / n).read_bytes() for n in ARRAY_FILES} == before  # nothing else rewritten
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_upgrade_needs_the_training_images_it_compares_against(tiny_package_copy, small_splits):
    from vae_core import InputError
    from vae_core.model.data import Split

    tr, te = small_splits
    with pytest.raises(InputError, match="carries no catalogue images"):
        upgrade_package(tiny_package_copy, te)
    with pytest.raises(InputError, match="carries no catalogue images"):  # other images than it was built from
        upgrade_package(tiny_package_copy, te, Split(tr.images[:599], tr.labels[:599]))


def test_amend_refuses_a_change_that_breaks_the_package(tiny_package_copy):
    before = (tiny_package_copy / MANIFEST).read_bytes()

    def change(tmp: Path, manifest: dict) -> list[str]:
        manifest["health"]["verdict"] = "splendid"
        return []

    with pytest.raises(PackageError, match="verdict"):
        amend(tiny_package_copy, change)
    assert (tiny_package_copy / MANIFEST).read_bytes() == before
