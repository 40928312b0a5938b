"""deploy/nginx.conf in use: two app processes behind nginx, sessions sticky and spread over both.

Runs ``bench/proxy_bench.py`` (nginx, two ``streamlit run app.py`` processes, ten browser
sessions stepping a slider) when ``LATENT_ATELIER_PROXY_TEST=1``: on a 2-core CI machine the ten
browsers starve the servers and a step can time out. Skipped, saying why, where nginx is not
installed. The configuration's own test below always runs.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT

from bench import proxy_bench

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_config_names_the_ports_the_bench_replaces():
    text = proxy_bench.render_config(18080, [18501, 18502])
    assert "listen 127.0.0.1:18080;" in text
    assert "server 127.0.0.1:18501;" in text and "server 127.0.0.1:18502;" in text
    assert "8501;" not in text.replace("18501;", "")
    assert "hash $sticky_key consistent;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text


@pytest.mark.skipif(
    not os.environ.get("LATENT_ATELIER_PROXY_TEST"),
    reason="ten browsers and two app processes on the test machine's cores: run on request "
    "(LATENT_ATELIER_PROXY_TEST=1), or run bench/proxy_bench.py",
)
def test_sessions_are_sticky_and_spread_over_two_processes(data_dir, shipped_package_dir):
    if proxy_bench.find_nginx() is None:
        pytest.skip("nginx is not installed (Debian: apt-get install -y nginx)")
    # its own process: the bench runs async Playwright, which cannot share a process with the
    # sync Playwright of the session's browser fixture
    cmd = [sys.executable, str(ROOT / "bench" / "proxy_bench.py"), "--sessions", "10", "--steps", "3"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "FAIL" not in out and out.count("ok ") == 5, out
