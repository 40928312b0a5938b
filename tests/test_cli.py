"""The command line: JSON outputs, and one clear line with a non-zero status on bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from vae_core import InputError, ModelPackage
from vae_core.cli.main import main, parse_z

ZERO = ",".join(["0"] * 10)


def test_parse_z():
    np.testing.assert_array_equal(parse_z(" 1, -2.5,3e-1 "), [1.0, -2.5, 0.3])
    for bad in ["", "1,,2", "a,b", "nan,1", "inf", "1;x"]:
        with pytest.raises(InputError):
            parse_z(bad)
    with pytest.raises(InputError, match="needs 10"):
        parse_z("1,2", dim=10)


def test_rank_json(tiny_package_dir, capsys):
    assert main(["rank", "--package", str(tiny_package_dir), "--z", ZERO, "--k", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    expected = ModelPackage.load(tiny_package_dir).rank(np.zeros(10), 4)
    assert out["indices"] == expected.indices.tolist()
    assert out["labels"] == expected.labels.tolist()
    np.testing.assert_allclose(out["log_q"], expected.scores, atol=1e-5)
    assert out["log_q"] == sorted(out["log_q"], reverse=True)


def test_rank_euclidean(tiny_package_dir, capsys):
    assert main(["rank", "--package", str(tiny_package_dir), "--z", ZERO, "--euclidean", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["distance"] == sorted(out["distance"]) and len(out["indices"]) == 10


def test_decode_writes_png(tiny_package_dir, tmp_path, capsys):
    out = tmp_path / "g.png"
    assert main(["decode", "--package", str(tiny_package_dir), "--z", ZERO, "--out", str(out), "--scale", "4"]) == 0
    with Image.open(out) as img:
        assert img.size == (112, 112) and img.mode == "L"


def test_info_json(tiny_package_dir, capsys):
    assert main(["info", "--package", str(tiny_package_dir), "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["n_items"] == 600 and "test_neg_elbo" in manifest["metrics"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["rank", "--z", "1,2,3"], "needs 10"),
        (["rank", "--z", "a,b,c,d,e,f,g,h,i,j"], "comma-separated numbers"),
        (["rank", "--z", ",".join(["nan"] * 10)], "NaN"),
        (["rank", "--z", ZERO, "--k", "0"], "at least 1"),
        (["decode", "--z", "1e400," + ",".join(["0"] * 9), "--out", "x.png"], "NaN or infinite"),
    ],
)
def test_bad_input_exits_2_with_one_line(tiny_package_dir, capsys, argv, message):
    assert main([*argv[:1], "--package", str(tiny_package_dir), *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error: ") and err.count("\n") == 1


def test_missing_package_exits_2(tmp_path, capsys):
    assert main(["rank", "--package", str(tmp_path / "none"), "--z", ZERO]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_missing_data_exits_2(tiny_package_dir, tmp_path, capsys):
    assert main(["eval", "--package", str(tiny_package_dir), "--data", str(tmp_path)]) == 2
    assert "t10k-images-idx3-ubyte" in capsys.readouterr().err


def test_module_entry_point(tiny_package_dir):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "vae_core", "rank", "--package", str(tiny_package_dir), "--z", "x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.strip().startswith("error:")
    assert "Traceback" not in done.stderr
