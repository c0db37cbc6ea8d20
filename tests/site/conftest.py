"""Build the site once per test session (strict: -W -n --keep-going) and serve it locally."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from nbtools import ROOT

HTML = ROOT / "_build" / "html"
LOG = ROOT / "_build" / "build.log"


RENDER_CONFIG = ROOT / ".jb-render-config.yml"  # git-ignored, written by the fixture


@pytest.fixture(scope="session")
def site_build():
    """Build the site strictly (-W -n --keep-going); return (returncode, log text).

    The build renders the committed outputs instead of executing the chapters a second time:
    nbval, in the same test run, re-executes every chapter and checks that it reproduces those
    outputs, so executing again here would only double the run time. Everything else is the
    configuration of _config.yml (the README's build command executes the chapters).
    """
    text = (ROOT / "_config.yml").read_text()
    assert "execute_notebooks: force" in text
    RENDER_CONFIG.write_text(text.replace("execute_notebooks: force", 'execute_notebooks: "off"'))
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, CNN_BOOK_OFFLINE="1", MPLBACKEND="Agg")
    result = subprocess.run(
        [str(jb), "build", str(ROOT), "--builder", "html", "--all", "-W", "-n", "--keep-going",
         "--config", str(RENDER_CONFIG)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    LOG.parent.mkdir(exist_ok=True)
    LOG.write_text(result.stdout + "\n" + result.stderr)
    return result.returncode, result.stdout + "\n" + result.stderr


@pytest.fixture(scope="session")
def site(site_build):
    """The built site's directory; fails (does not skip) if the build failed."""
    returncode, log = site_build
    if returncode != 0 or not (HTML / "index.html").exists():
        pytest.fail(f"the site build failed (see {LOG}):\n{log[-3000:]}")
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(site):
    """Serve the built site on 127.0.0.1 (a free port); yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
