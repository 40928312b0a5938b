"""Server folders and package names for the New catalogue page (ui/new_catalogue/folders.py):
nothing outside the image root, links included; safe, unused names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ui.new_catalogue.folders import resolve_in_root, scan_folder, subfolders, suggest_name, validate_name
from vae_core import InputError


@pytest.fixture()
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """``root/`` with ``shop/{tops,shoes}/`` images, ``flat/`` images, ``empty/``, a hidden folder,
    and ``outside/`` beside the root with a secret image."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    for folder, names in {
        root / "shop" / "tops": ["a.png", "b.jpg"],
        root / "shop" / "shoes": ["c.WEBP", "notes.txt"],
        root / "flat": ["x.gif", ".hidden.png"],
        root / "empty": [],
        root / ".cache": ["y.png"],
        outside: ["secret.png"],
    }.items():
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_bytes(b"x")
    return root, outside


def test_a_folder_inside_the_root_is_resolved_and_counted(tree):
    root, _ = tree
    folder = resolve_in_root(root, "shop")
    assert folder == (root / "shop").resolve()
    summary = scan_folder(root, folder)
    assert summary.images == 3 and summary.classes == ("shoes", "tops")
    flat = scan_folder(root, resolve_in_root(root, "flat"))
    assert flat.images == 1 and flat.classes == ()  # the hidden file is not counted


@pytest.mark.parametrize("choice", ["..", "../outside", "shop/../../outside", "/etc", "/"])
def test_anything_outside_the_root_is_refused(tree, choice: str):
    root, _ = tree
    with pytest.raises(InputError, match="outside the image root"):
        resolve_in_root(root, choice)


def test_an_absolute_path_inside_the_root_is_accepted(tree):
    root, _ = tree
    assert resolve_in_root(root, str(root / "flat")) == (root / "flat").resolve()


def test_a_link_to_a_folder_outside_the_root_is_refused(tree):
    root, outside = tree
    os.symlink(outside, root / "sneaky")
    with pytest.raises(InputError, match="outside the image root"):
        resolve_in_root(root, "sneaky")


def test_a_link_inside_the_folder_pointing_outside_is_refused(tree):
    root, outside = tree
    os.symlink(outside / "secret.png", root / "flat" / "secret.png")
    with pytest.raises(InputError, match="points outside the image root"):
        scan_folder(root, resolve_in_root(root, "flat"))
    os.symlink(outside, root / "shop" / "more")  # a linked folder too
    with pytest.raises(InputError, match="'more' is a link"):
        scan_folder(root, resolve_in_root(root, "shop"))


def test_links_that_stay_inside_the_root_are_fine(tree):
    root, _ = tree
    os.symlink(root / "flat" / "x.gif", root / "shop" / "tops" / "x.gif")
    assert scan_folder(root, resolve_in_root(root, "shop")).images == 4


def test_missing_files_and_image_less_folders_are_refused(tree):
    root, _ = tree
    with pytest.raises(InputError, match="not a folder"):
        resolve_in_root(root, "nope")
    with pytest.raises(InputError, match="No image files"):
        scan_folder(root, resolve_in_root(root, "empty"))
    with pytest.raises(InputError, match="does not exist"):
        resolve_in_root(root / "missing", "x")


def test_the_folder_list_leaves_out_hidden_folders_and_links(tree):
    root, outside = tree
    os.symlink(outside, root / "sneaky")
    assert subfolders(root) == ["empty", "flat", "shop", "shop/shoes", "shop/tops"]


@pytest.mark.parametrize("name", ["tops", "My_shop-2026", "shop.v2", "a", "x" * 64])
def test_valid_names(name: str, tmp_path: Path):
    assert validate_name(f"  {name} ", tmp_path) == name


@pytest.mark.parametrize(
    "name", ["", "   ", "../x", "a/b", "a\\b", ".hidden", "-flag", "a..b", "trailing.", "x" * 65, "sp ace", "é"]
)
def test_unsafe_names_are_refused(name: str, tmp_path: Path):
    with pytest.raises(InputError):
        validate_name(name, tmp_path)


def test_a_taken_name_is_refused_and_suggestions_avoid_it(tmp_path: Path):
    (tmp_path / "shop").mkdir()
    with pytest.raises(InputError, match="already exists"):
        validate_name("shop", tmp_path)
    assert suggest_name("shop.zip", tmp_path) == "shop-2"
    assert suggest_name("My Photos (2026).zip", tmp_path) == "My-Photos-2026"
    assert suggest_name("...zip", tmp_path) == "catalogue"
    for text in ["../../etc.zip", "été 2026.zip", "a" * 200]:
        validate_name(suggest_name(text, tmp_path), tmp_path)  # always valid
