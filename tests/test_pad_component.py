"""The latent pad's Python side through AppTest (``tests/apps/pad_app.py``, tiny package).

The browser is played by writing the component's state values as the JavaScript would
(``setStateValue("have", hash)``, ``setStateValue("z", {...})``): the weights are sent until
acknowledged and never after, a lost copy is resent, reports reach the page, server-set values
get a new ``seq``, and an unsupported decoder falls back to server images.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from ui.common.pad.decoder_spec import decoder_spec
from ui.explore.state import slider_specs
from vae_core.model.data import ENV_VAR

APP = str(ROOT / "tests" / "apps" / "pad_app.py")
KEY = "pad_app.pad"


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch, tiny_package_dir: Path, data_dir: Path):
    monkeypatch.setenv("LATENT_ATELIER_PACKAGE", str(tiny_package_dir))
    monkeypatch.setenv(ENV_VAR, str(data_dir))

    def make(query: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in (query or {}).items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, at.exception
        return at

    return make


def element(at: AppTest, key: str = KEY):
    (found,) = [el for el in at.get("bidi_component") if el.proto.id.endswith(f"-{key}")]
    return found


def feed_of(at: AppTest) -> dict:
    """The feed element's data: the server-set values and the guides."""
    return json.loads(element(at, f"{KEY}.feed").proto.json)


def data_of(at: AppTest) -> tuple[dict, bool]:
    """The pad's JSON data and whether the weights (an Arrow blob) travel with it."""
    proto = element(at).proto
    if proto.WhichOneof("data") == "mixed":
        return json.loads(proto.mixed.json), len(proto.mixed.arrow_blobs) > 0
    return json.loads(proto.json), False


def browser_sets(at: AppTest, **values) -> AppTest:
    """Rerun with the component's state as the browser's ``setStateValue`` calls leave it."""
    proto_id = element(at).proto.id
    states = at._tree.get_widget_states()
    mine = [w for w in states.widgets if w.id == proto_id]
    widget = mine[0] if mine else states.widgets.add()
    widget.id = proto_id
    old = json.loads(widget.json_value) if widget.json_value else {}
    widget.json_value = json.dumps({**old, **values})
    at = at._run(states)
    assert not at.exception, at.exception
    return at


def printed(at: AppTest) -> dict:
    return json.loads(at.code[0].value)


def report(values: list[float], z: list[float], n: int, final: bool = True, range_: float = 3.0) -> dict:
    return {"values": values, "z": z, "range": range_, "final": final, "n": n, "seq": "x"}


def test_weights_until_acknowledged(app, pkg):
    at = app()
    data, weights = data_of(at)
    spec = decoder_spec(pkg.model.decoder)
    assert weights and not data["acked"] and data["hash"] == spec.hash
    assert data["spec"]["n_weights"] == spec.weights.size and data["pad_key"] == KEY
    blob = next(iter(element(at).proto.mixed.arrow_blobs.values())).data
    assert len(blob) > 2 * spec.weights.size  # float16: two bytes a weight
    at = browser_sets(at, have=spec.hash)
    data, weights = data_of(at)
    assert not weights and data["acked"]
    first = element(at).proto.SerializeToString()
    at = browser_sets(at, z=report([0.5] + [0.0] * (pkg.latent_dim - 1), [0.0] * pkg.latent_dim, 7))
    assert element(at).proto.SerializeToString() == first  # identical from rerun to rerun
    assert feed_of(at)["guides"] is not None
    assert at.session_state["pad._acked"] == spec.hash
    # a browser that lost them says so and gets them again
    at = browser_sets(at, have="missing")
    data, weights = data_of(at)
    assert weights and not data["acked"]


def test_reports_reach_the_page(app, pkg):
    at = app()
    d = pkg.latent_dim
    data, _ = data_of(at)
    order = [s["dim"] for s in data["sliders"]]
    assert order == [s.dim for s in slider_specs(pkg.kl_per_dim)]
    values = [0.5 if i == 0 else 0.0 for i in range(d)]
    z = [0.0] * d
    z[order[0]] = 0.5
    at = browser_sets(at, z=report(values, z, 1, final=False))
    assert printed(at)["z"] == z and printed(at)["reports"] == 1
    guides_before = feed_of(at)["guides"]
    at.run()  # no new report: nothing changes
    assert printed(at)["reports"] == 1
    z2 = list(z)
    z2[order[1]] = -1.25
    at = browser_sets(at, z=report([0.5, -1.25] + [0.0] * (d - 2), z2, 2, final=True))
    state = printed(at)
    assert state["z"] == z2 and state["reports"] == 2
    guides_after = feed_of(at)["guides"]
    assert guides_after != guides_before and len(guides_after["tracks"]) == d  # guides follow on release
    assert len(guides_after["tracks"][0]) == 61 and guides_after["range"] == 3.0
    # a malformed report is ignored
    at = browser_sets(at, z={"values": ["x"], "z": [], "n": 3})
    assert printed(at)["reports"] == 2


def test_server_sets_values_with_a_new_seq(app, pkg):
    at = app()
    seq0 = feed_of(at)["set"]["seq"]
    pad0 = element(at).proto.SerializeToString()
    z = np.round(np.linspace(-4.5, 4.5, pkg.latent_dim), 3)
    at.text_input(key="set_z").set_value(",".join(str(v) for v in z)).run()
    got = feed_of(at)["set"]
    order = [s.dim for s in slider_specs(pkg.kl_per_dim)]
    assert got["seq"] != seq0 and got["values"] == [z[i] for i in order]
    assert got["range"] == 5.0  # widened to hold 4.5
    assert element(at).proto.SerializeToString() == pad0  # the pad element itself is unchanged


def test_unsupported_decoder_uses_server_images(app, pkg):
    at = app({"unsupported": "1"})
    data, weights = data_of(at)
    assert not weights and data["spec"] is None and data["film"] is False
    assert "BatchNorm2d" in data["fallback"]["note"] and data["fallback"]["image"].startswith("data:image/png")
    image0 = data["fallback"]["image"]
    d = pkg.latent_dim
    at = browser_sets(
        at, z=report([2.0] + [0.0] * (d - 1), [2.0 if i == data["sliders"][0]["dim"] else 0.0 for i in range(d)], 1)
    )
    assert data_of(at)[0]["fallback"]["image"] != image0


def test_paths_map_moves_several_garments_with_one_slider():
    from ui.common.pad.component import paths_map

    a, b = np.zeros((4, 10)), np.arange(40.0).reshape(4, 10)
    got = paths_map(a, b)
    assert got["kind"] == "paths" and np.array_equal(np.asarray(got["paths"]), np.stack([a, b]))
    json.dumps(got)  # plain JSON: the pad's data stays identical from rerun to rerun
    with pytest.raises(ValueError, match="one length"):
        paths_map(a, b[:3])
    with pytest.raises(ValueError, match="at least 2"):
        paths_map(a[:1])
