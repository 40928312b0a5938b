"""From a folder to a package: train, build, load, rank; the catalogue travels in the package."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from vae_core import ModelPackage, PackageError
from vae_core.cli.main import main
from vae_core.model import VAE
from vae_core.model.config import ModelConfig
from vae_core.model.image_folder import load_image_folder
from vae_core.model.synthetic import BROKEN, CLASSES
from vae_core.package.folder_train import add_catalogue


def test_colour_package_loads_ranks_and_carries_its_images(colour_package_dir: Path, garment_folder: Path):
    pkg = ModelPackage.load(colour_package_dir)
    data = load_image_folder(garment_folder, 32)
    assert (pkg.channels, pkg.image_size, len(pkg)) == (3, 32, 300)
    assert pkg.class_names == CLASSES and pkg.model_config.likelihood == "logistic-channel"
    assert pkg.data_fingerprint == data.fingerprint()
    idx = [0, 150, 299, 7]
    np.testing.assert_array_equal(pkg.images(idx), data.images[idx])
    assert pkg.decode(np.zeros(10)).shape == (32, 32, 3)
    assert pkg.decode(np.zeros((4, 10))).shape == (4, 32, 32, 3)
    mu, _ = pkg.encode(pkg.images([5]))
    np.testing.assert_allclose(mu[0], pkg.mu[5], atol=1e-4)  # the catalogue row is that image's code
    ranking = pkg.rank(mu[0], k=5)
    scores = pkg.index.log_q(mu[0])
    assert ranking.indices.tolist() == np.argsort(-scores, kind="stable")[:5].tolist()
    assert pkg.catalogue.original_path(5) == (garment_folder / data.paths[5]).resolve()
    pkg.catalogue.paths[6] = "../../../etc/passwd"  # a crafted path never leaves the folder
    assert pkg.catalogue.original_path(6) is None
    source = pkg.data_source
    assert {s["path"] for s in source["skipped"]} == set(BROKEN)
    assert len(source["held_out_rows"]) == 30
    m = pkg.metrics
    assert m["test_bits_per_dim"] == pytest.approx(m["test_neg_elbo"] / (3 * 32 * 32 * math.log(2)))


def test_cli_trains_from_images_and_reports_skipped(tmp_path: Path, capsys):
    from vae_core.model.synthetic import add_broken_files, make_garment_folder

    folder, out = tmp_path / "photos", tmp_path / "pkg"
    make_garment_folder(folder, per_class=20, seed=1)
    add_broken_files(folder)
    args = ["train", "--images", str(folder), "--out", str(out), "--epochs", "1", "--widths", "8", "16", "32"]
    args += ["--hidden", "32", "--device", "cpu", "--threads", "1", "--json", "--allow-collapsed"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["images"] == 60 and summary["channels"] == 3 and summary["held_out"] == 6
    assert {s["path"] for s in summary["skipped"]} == set(BROKEN)
    manifest = json.loads((out / "manifest.json").read_text())
    tc = manifest["train_config"]  # --epochs: that many passes (54 images, 2 steps each), warm-up over 30 %
    assert (tc["epochs"], tc["steps"], tc["batch_size"], tc["kl_warmup_steps"], tc["augment"]) == (1, 0, 32, 1, True)
    assert manifest["model_config"]["likelihood"] == "logistic-channel"
    assert {s["path"] for s in manifest["data"]["skipped"]} == set(BROKEN)
    assert ModelPackage.load(out).channels == 3


def test_cli_nothing_usable_is_one_error_line(tmp_path: Path, capsys):
    from vae_core.model.synthetic import add_broken_files

    add_broken_files(tmp_path / "broken")
    assert main(["train", "--images", str(tmp_path / "broken"), "--out", str(tmp_path / "p")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]  # after progress bars
    assert len(err) == 1 and err[0].startswith("error: No usable image in")
    assert not (tmp_path / "p").exists()


def test_cli_rejects_bad_channels(tmp_path: Path, garment_folder: Path, capsys):
    assert main(["train", "--images", str(garment_folder), "--out", str(tmp_path / "p"), "--channels", "2"]) == 2
    assert "--channels must be 1 or 3" in capsys.readouterr().err


def test_catalogue_changes_are_refused(colour_package_dir: Path, tmp_path: Path):
    copy = Path(shutil.copytree(colour_package_dir, tmp_path / "copy"))
    (copy / "catalogue-000.png").write_bytes((copy / "catalogue-000.png").read_bytes()[:-10])
    with pytest.raises(PackageError, match="catalogue-000.png does not match its checksum"):
        ModelPackage.load(copy)
    copy2 = Path(shutil.copytree(colour_package_dir, tmp_path / "copy2"))
    (copy2 / "catalogue-009.png").write_bytes(b"extra")
    with open(copy2 / "checksums.sha256", "a") as fh:  # listed with its true checksum, but not in the manifest
        fh.write(f"{hashlib.sha256(b'extra').hexdigest()}  catalogue-009.png\n")
    with pytest.raises(PackageError, match="catalogue files disagree"):
        ModelPackage.load(copy2)


def test_add_catalogue_to_a_fashion_mnist_package(tiny_package_copy: Path, small_splits):
    tr, _ = small_splits
    before = {n: (tiny_package_copy / n).read_bytes() for n in ("weights.safetensors", "latents.safetensors")}
    with pytest.raises(PackageError, match="not the ones"):
        add_catalogue(tiny_package_copy, tr.images[::-1].copy(), tr.fingerprint()[::-1])
    assert ModelPackage.load(tiny_package_copy).catalogue is None
    add_catalogue(tiny_package_copy, tr.images, tr.fingerprint())
    pkg = ModelPackage.load(tiny_package_copy)
    assert pkg.has_images and (pkg.channels, pkg.image_size) == (1, 28)
    np.testing.assert_array_equal(pkg.images([0, 599, 42]), tr.images[[0, 599, 42]])
    for name, data in before.items():
        assert (tiny_package_copy / name).read_bytes() == data
    saved = pkg.save(tiny_package_copy.parent / "resaved")  # a loaded catalogue travels on save
    np.testing.assert_array_equal(ModelPackage.load(saved).images([3]), tr.images[[3]])
    # warm() decodes every shard up front; reads afterwards are the same images
    fresh = ModelPackage.load(tiny_package_copy).catalogue
    assert fresh.nbytes == len(tr.images) * 28 * 28 and not fresh._cache
    fresh.warm()
    assert sorted(fresh._cache) == list(range(len(fresh.shards)))
    np.testing.assert_array_equal(fresh[[599, 0]], tr.images[[599, 0]])


def test_old_manifest_config_defaults():
    old = {"latent_dim": 10, "channels": [32, 64], "hidden": 512, "image_size": 28}
    cfg = ModelConfig.from_dict(old)
    assert (cfg.image_channels, cfg.likelihood, cfg.batch_norm) == (1, "bernoulli", False)


@pytest.mark.parametrize(
    ("size", "widths"), [(28, (8, 16)), (32, (8, 16, 32)), (64, (8, 16, 32, 32)), (128, (4, 8, 16, 32, 32))]
)
@pytest.mark.parametrize("channels", [1, 3])
def test_network_follows_image_size_and_channels(size: int, widths: tuple[int, ...], channels: int):
    cfg = ModelConfig(channels=widths, hidden=16, image_size=size, image_channels=channels, likelihood="logistic")
    model = VAE(cfg).eval()
    x = torch.rand(2, channels, size, size)
    logits, mu, _ = model(x)
    assert logits.shape == x.shape and mu.shape == (2, 10)
    allowed = {"Linear", "GELU", "Unflatten", "ConvTranspose2d", "Conv2d", "Sigmoid", "Sequential"}
    assert {type(m).__name__ for m in model.decoder.modules()} <= allowed  # the browser decoder's layers


def _interrupt_second_epoch(monkeypatch) -> None:
    """Make training stop with Ctrl-C while evaluating its second epoch (after the first
    epoch's checkpoint was written)."""
    import vae_core.model.train as tr

    calls = []
    real = tr.evaluate

    def evaluate(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(tr, "evaluate", evaluate)


def test_cli_honours_hidden_and_keeps_an_interrupted_runs_checkpoint_out_of_sight(tmp_path: Path, monkeypatch, capsys):
    from vae_core.model.synthetic import make_garment_folder

    folder, packages = tmp_path / "photos", tmp_path / "packages"
    make_garment_folder(folder, per_class=12, seed=2)
    packages.mkdir()
    out = packages / "shop"
    args = ["train", "--images", str(folder), "--out", str(out), "--epochs", "2", "--widths", "8", "16", "32"]
    args += ["--hidden", "24", "--device", "cpu", "--threads", "1", "--allow-collapsed"]  # 2 epochs learn little
    with monkeypatch.context() as m:
        _interrupt_second_epoch(m)
        assert main(args) == 130
    err = capsys.readouterr().err
    assert sorted(p.name for p in packages.iterdir()) == [".shop.ckpt"]  # hidden, beside the package
    assert ".shop.ckpt" in err and "run the same command to resume" in err and "--no-resume" in err
    assert main(args) == 0  # resumes from epoch 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_config"]["hidden"] == 24
    assert [row["epoch"] for row in manifest["history"]] == [1, 2]
    assert sorted(p.name for p in packages.iterdir()) == ["shop"]  # the checkpoint is gone


def test_cli_does_not_report_a_package_that_does_not_load(tmp_path: Path, monkeypatch, capsys):
    import vae_core.package.build as build
    from vae_core.model.synthetic import make_garment_folder

    real = build.encode_images

    def out_of_range(model, images, batch_size=2000):
        mu, logvar = real(model, images, batch_size)
        return mu, np.full_like(logvar, 50.0)  # beyond what every loader accepts

    monkeypatch.setattr(build, "encode_images", out_of_range)
    folder, out = tmp_path / "photos", tmp_path / "pkg"
    make_garment_folder(folder, per_class=10, seed=3)
    out.mkdir()  # what was there before stays as it was
    (out / "manifest.json").write_text("{}")
    args = ["train", "--images", str(folder), "--out", str(out), "--epochs", "1", "--widths", "8", "16", "32"]
    assert main([*args, "--hidden", "16", "--device", "cpu", "--threads", "1"]) == 2
    captured = capsys.readouterr()
    assert "wrote" not in captured.out
    # the first check to refuse it names the problem: the posterior's spread, or the KL it implies
    assert "does not make a package that loads" in captured.err
    assert "|logvar|" in captured.err or "'health' kl_total" in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos", "pkg"]  # no staging folder left
    assert (out / "manifest.json").read_text() == "{}"


# A small studio's plain garments in six colours, one of them red.
PALETTE = ((220, 30, 30), (30, 80, 200), (40, 170, 60), (240, 200, 40), (120, 60, 160), (250, 140, 30))


@pytest.mark.slow
def test_the_default_recipe_learns_a_small_colour_folder_and_keeps_red_red(tmp_path: Path):
    from vae_core.model.synthetic_catalogue import make_artwork_folder, red_garment
    from vae_core.package.folder_train import train_from_folder

    folder = tmp_path / "studio"
    make_artwork_folder(folder, per_class=30, seed=0, palette=PALETTE, pattern="plain")  # 240 images, 8 classes
    settings = {"steps": 400, "threads": 2}  # the recipe, shortened
    res = train_from_folder(folder, tmp_path / "pkg", image_size=32, settings=settings, device="cpu", n_jobs=1)
    pkg = res.package
    assert pkg.train_config.augment and pkg.model_config.likelihood == "logistic-channel"
    f = pkg.health.figures  # measured on the 24 held-out images
    assert pkg.health.verdict == "healthy" and f.active_dims >= 8 and f.kl_total >= 8.0
    assert f.recon_error < 0.5 * f.mean_image_error
    assert f.knn5_accuracy > 3 * f.chance
    red = red_garment(32, seed=1, cls="tops")  # a plain red top it has never seen
    mu, _ = pkg.encode(red[None])
    r, g, b = pkg.decode(mu[0])[red.min(axis=2) < 200].mean(axis=0)  # over the garment's pixels
    assert r > g + 0.15 and r > b + 0.15, (r, g, b)


def test_the_network_follows_the_recipe_per_size():
    from vae_core.package.folder_train import model_config_for

    small, large = model_config_for(32, 3), model_config_for(64, 3)
    assert (small.hidden, small.refine, large.hidden, large.refine) == (512, True, 256, False)
    assert model_config_for(64, 3, hidden=128).hidden == 128
