"""The command line's help and argument errors (vae_core/cli/main.py): answered without importing
torch or numpy, every command described, every option explained, no server path shown, and the
old spelling of the conv widths still accepted."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from vae_core.cli.main import _old_spellings, _parser

ROOT = Path(__file__).resolve().parent.parent

# each runs `python -m vae_core ARGS` in one interpreter and reports what was imported after it
_PROBE = """
import json, runpy, sys
seen = {}
for argv in json.loads(sys.argv[1]):
    sys.argv = ["vae_core", *argv]
    try:
        runpy.run_module("vae_core", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    seen[" ".join(argv)] = [code, sorted(m for m in ("torch", "numpy") if m in sys.modules)]
print(json.dumps(seen), file=sys.__stdout__)
"""


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_help_and_argument_errors_import_neither_torch_nor_numpy():
    argvs = [["--help"], *([name, "--help"] for name in _commands())]
    argvs += [["rank"], ["train", "--epochs", "many", "--out", "x"], ["decode", "--z", "0"], ["nonsense"]]
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argvs)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen.pop("--help") == [0, []]
    for name in _commands():
        assert seen.pop(f"{name} --help") == [0, []], name
    assert seen == {argv: [2, []] for argv in seen} and len(seen) == 4, seen  # usage errors: status 2


def test_every_command_is_described_and_every_option_explained():
    commands = _commands()
    assert set(commands) == {"train", "catalogue", "build", "upgrade", "rank", "decode", "info", "eval", "bench"}
    for name, parser in commands.items():
        assert parser.description and len(parser.description) > 40, name
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help and len(action.help) > 8, f"{name} {action.option_strings[0]} has no help"
        assert "--json" in parser._option_string_actions, f"{name} takes no --json"


@pytest.mark.parametrize("name", ["train", "catalogue", "build", "upgrade", "rank", "decode", "info", "eval", "bench"])
def test_help_shows_defaults_and_no_absolute_path(name: str):
    text = _commands()[name].format_help()
    assert str(ROOT) not in text and "/home/" not in text
    if "--package" in text:
        assert "(default: the shipped package, assets/fashion-mnist-vae)" in " ".join(text.split())
        assert (ROOT / "assets" / "fashion-mnist-vae" / "manifest.json").is_file()
    assert "(default: None)" not in text and "(default: False)" not in text and "(default: True)" not in text


def test_train_help_states_the_shipped_defaults():
    from vae_core.model.config import TrainConfig
    from vae_core.model.recipe import RECIPE_STEPS

    text = " ".join(_commands()["train"].format_help().split())
    tc = TrainConfig()
    assert f"(default: {tc.kl_warmup_epochs:g}; with --images: the first 30% of the steps)" in text
    assert f"(default: {tc.epochs}; with --images: see --steps)" in text
    assert f"(default {RECIPE_STEPS[32]:,} at 32 px, {RECIPE_STEPS[64]:,} at 64 px;" in text
    assert f"images per optimiser step (default: {tc.batch_size}; with --images: 32)" in text
    assert "(default: 128)" not in text  # said once, not twice
    assert "--channels {1,3}" in text  # one number, not a list


def test_channels_is_one_number_and_the_old_width_spelling_still_works(capsys: pytest.CaptureFixture[str]):
    args = _parser().parse_args(["train", "--out", "p", "--channels", "3"])
    assert args.channels == 3 and args.widths is None
    old = _old_spellings(["train", "--out", "p", "--channels", "16", "32", "--epochs", "2"])
    assert old == ["train", "--out", "p", "--widths", "16", "32", "--epochs", "2"]
    assert "--widths 16 32" in capsys.readouterr().err
    args = _parser().parse_args(old)
    assert args.widths == [16, 32] and args.channels is None and args.epochs == 2
    assert _old_spellings(["train", "--channels", "1", "--epochs", "2"]) == [
        "train",
        "--channels",
        "1",
        "--epochs",
        "2",
    ]
    assert _old_spellings(["rank", "--channels", "1", "2"]) == ["rank", "--channels", "1", "2"]


def test_fashion_mnist_refuses_colour(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from vae_core.cli.main import main

    assert main(["train", "--out", str(tmp_path / "p"), "--channels", "3"]) == 2
    assert capsys.readouterr().err == (
        "error: --channels 3 needs --images: Fashion-MNIST images are grey (1 channel).\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_the_public_names_load_on_first_use():
    code = (
        "import sys, vae_core\n"
        "before = 'torch' in sys.modules\n"
        "from vae_core import ModelPackage, VAE, DEFAULT_PACKAGE, log_q\n"
        "assert set(vae_core.__all__) <= set(dir(vae_core))\n"
        "assert all(getattr(vae_core, n) is not None for n in vae_core.__all__)\n"
        "print(before, 'torch' in sys.modules, ModelPackage.__module__, DEFAULT_PACKAGE.name)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "vae_core.package.format", "fashion-mnist-vae"]
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        import vae_core

        vae_core.nothing  # noqa: B018
