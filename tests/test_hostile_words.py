"""Hostile words, round two (issue 20, item 11): Markdown in a package folder's name, Plotly
templates and direction overrides in class names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.test_hostile import edit_manifest, resign
from ui.common.text import plain, plotly_label
from vae_core import ModelPackage, PackageError

PAGES = {name: str(ROOT / "pages" / f"{name}.py") for name in ("explore", "latent_map")}


def _page(page: str, package: Path, data_dir: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(package))
    monkeypatch.setenv("LATENT_ATELIER_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PAGES[page], default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def test_markdown_in_a_package_folders_name_is_shown_literally(tiny_package_dir, tmp_path, data_dir, monkeypatch):
    name = ":red[x] **b** [l](javascript:1)"
    broken = Path(shutil.copytree(tiny_package_dir, tmp_path / name))
    (broken / "maps.safetensors").write_bytes(b"damaged")
    at = _page("explore", broken, data_dir, monkeypatch)
    (error,) = at.error
    assert ":red[" not in error.value and "**b**" not in error.value and "](javascript" not in error.value
    assert plain(error.value).startswith(f"The model package could not be loaded. Model package {name}: maps")
    assert str(tmp_path) not in plain(error.value)


def test_plotly_keeps_templates_in_class_names_literal(tiny_package_copy, data_dir, monkeypatch):
    assert plotly_label("a %{x} b") == "a &#37;{x} b"  # Chromium draws &#37; as % (checked by hand)
    names = [f"cls %{{x}} %{{meta}} {i}" for i in range(10)]
    edit_manifest(lambda m: m.__setitem__("class_names", names))(tiny_package_copy)
    resign(tiny_package_copy)
    at = _page("latent_map", tiny_package_copy, data_dir, monkeypatch)
    (chart,) = at.get("plotly_chart")
    traces = json.loads(chart.proto.spec)["data"]
    legend = [t["name"] for t in traces if t.get("name", "").startswith("cls")]
    assert legend == [f"cls &#37;{{x}} &#37;{{meta}} {i}" for i in range(10)]
    assert "%{x}" not in json.dumps([t["name"] for t in traces])


@pytest.mark.parametrize("hidden", ["\u202e", "\u2066", "\n", "\x1b[31m"])
def test_class_names_with_direction_overrides_or_controls_are_refused(hidden, tiny_package_copy, data_dir, monkeypatch):
    names = [f"Dress{i}" for i in range(10)]
    names[3] = f"{hidden}gnp.exe"
    edit_manifest(lambda m: m.__setitem__("class_names", names))(tiny_package_copy)
    resign(tiny_package_copy)
    with pytest.raises(PackageError, match=f"entry 3 holds the invisible control character U\\+{ord(hidden[0]):04X}"):
        ModelPackage.load(tiny_package_copy)
    at = _page("explore", tiny_package_copy, data_dir, monkeypatch)
    (error,) = at.error
    assert "invisible control character" in plain(error.value) and hidden not in error.value
