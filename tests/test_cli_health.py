"""The command line and a package's health: a starved run is reported collapsed and exits 3
(0 with ``--allow-collapsed``), ``info`` shows the verdict, ``eval`` measures an image package on
its stored held-out images, ``upgrade`` adds health to an older package, and ``--package`` takes
a listed package's name."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_package_health import _strip_health
from vae_core import ModelPackage
from vae_core.cli.main import COLLAPSED_STATUS, main


def test_a_starved_run_is_collapsed_and_exits_non_zero(tmp_path: Path):
    from vae_core.model.synthetic import make_garment_folder

    folder = tmp_path / "starved"
    make_garment_folder(folder, per_class=7, seed=0)  # 21 images in 3 classes
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = {}
    for name, extra in (("strict", []), ("allowed", ["--allow-collapsed"])):
        command = [sys.executable, "-m", "vae_core", "train", "--images", str(folder), "--out", str(tmp_path / name)]
        command += ["--epochs", "1", "--threads", "1", *extra]
        runs[name] = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = {name: (p.wait(timeout=300), *(s.read().decode() for s in (p.stdout, p.stderr))) for name, p in runs.items()}
    code, stdout, stderr = out["strict"]
    assert code == COLLAPSED_STATUS == 3, stderr[-2000:]
    assert "health: COLLAPSED: The model learned almost nothing about your images" in stdout
    assert "To improve it: add more images (it learned from 19;" in stdout
    error = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "the model collapsed" in error[0] and "--allow-collapsed" in error[0]
    assert "strict is kept so you can look at it" in error[0]
    pkg = ModelPackage.load(tmp_path / "strict")  # written, to be inspected
    assert pkg.health.verdict == "collapsed" and len(pkg.held_out) == 2
    code, stdout, stderr = out["allowed"]
    assert code == 0 and "health: COLLAPSED" in stdout and "error:" not in stderr


def test_info_shows_the_verdict_or_not_measured(tiny_package_dir, tiny_package_copy, capsys):
    assert main(["info", "--package", str(tiny_package_dir)]) == 0
    out = capsys.readouterr().out
    verdict = ModelPackage.load(tiny_package_dir).health
    assert f"health: {verdict.verdict.upper()}: {verdict.reason}" in out
    assert "held-out images: 200 (test split)" in out
    _strip_health(tiny_package_copy)
    assert main(["info", "--package", str(tiny_package_copy)]) == 0
    out = capsys.readouterr().out
    assert "health: not measured" in out and "python -m vae_core upgrade" in out and "held-out images: none" in out


def test_eval_measures_an_image_package_on_its_held_out_images(colour_package_dir, tmp_path, capsys):
    pkg = ModelPackage.load(colour_package_dir)
    assert main(["eval", "--package", str(colour_package_dir), "--queries", "10", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["images"] == "30 held-out images stored in the package" and out["retrieval_queries"] == 10
    assert 0.0 <= out["knn5_accuracy"] <= 1.0 and out["test_neg_elbo"] == pytest.approx(
        out["test_recon"] + out["test_kl"]
    )
    assert out["test_neg_elbo"] == pytest.approx(pkg.metrics["test_neg_elbo"], rel=0.05)  # the same 30 images
    assert main(["eval", "--package", str(colour_package_dir), "--data", str(tmp_path)]) == 2
    assert "--data reads Fashion-MNIST test files" in capsys.readouterr().err


def test_upgrade_adds_health_to_an_older_image_package(colour_package_dir, tmp_path, capsys):
    root = Path(shutil.copytree(colour_package_dir, tmp_path / "older"))
    _strip_health(root)
    assert main(["upgrade", "--package", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("added the health verdict and 30 held-out images to older")
    upgraded, built = ModelPackage.load(root), ModelPackage.load(colour_package_dir)
    assert upgraded.health == built.health and upgraded.held_out.rows.tolist() == built.held_out.rows.tolist()


def test_package_takes_a_listed_packages_name(capsys):
    assert main(["info", "--package", "fashion-mnist-vae", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_items"] == 60_000
