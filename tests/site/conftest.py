"""Build the site once per test session (strict: -W -n --keep-going), serve it locally, and open
it in headless Debian Chromium (Playwright).

The ``visit`` fixture records every console error, uncaught exception and failed request of a
page, and blocks and records every request to a host other than the local test server: the site
must work offline, and a reader's browser must not be sent anywhere else.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from nbtools import ROOT

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
DESKTOP = {"width": 1280, "height": 900}
HTML = ROOT / "_build" / "html"
LOG = ROOT / "_build" / "build.log"


RENDER_CONFIG = ROOT / ".jb-render-config.yml"  # git-ignored, written by the fixture


@pytest.fixture(scope="session")
def site_build():
    """Build the site strictly (-W -n --keep-going); return (returncode, log text).

    By default the build renders the committed outputs instead of executing the chapters a
    second time: nbval, in the same test run, re-executes every chapter and checks that it
    reproduces those outputs, so executing again here would only double the run time. Everything
    else is the configuration of _config.yml. With CNN_BOOK_TEST_EXECUTED_SITE=1 the tests
    build the site exactly as the README's command does (scripts/build-book.sh: every chapter
    executed), and check that site instead.
    """
    text = (ROOT / "_config.yml").read_text()
    assert "execute_notebooks: force" in text
    command = ["build", str(ROOT), "--builder", "html", "--all", "-W", "-n", "--keep-going"]
    if os.environ.get("CNN_BOOK_TEST_EXECUTED_SITE") != "1":
        RENDER_CONFIG.write_text(text.replace("execute_notebooks: force",
                                              'execute_notebooks: "off"'))
        command += ["--config", str(RENDER_CONFIG)]
    jb = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, CNN_BOOK_OFFLINE="1", MPLBACKEND="Agg")
    if "--config" not in command:  # as scripts/build-book.sh: the kernels show their figures
        env.pop("MPLBACKEND")
    result = subprocess.run([str(jb), *command], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=3600)
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


@contextlib.contextmanager
def launch_chromium():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.fail("Chromium is needed for the browser tests and is not installed. Install it "
                    "with: apt-get update && apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser, url: str, viewport: dict | None = None, dark: bool = False):
    """Open url; return (page, response, errors).

    errors lists console errors, uncaught exceptions, failed requests and ("outside request:")
    every request to a host other than url's, which is blocked.
    """
    local = urlsplit(url).netloc
    page = browser.new_page(viewport=viewport or DESKTOP,
                            color_scheme="dark" if dark else "light")
    errors: list[str] = []

    def guard(route):
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            errors.append(f"outside request: {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: None if urlsplit(r.url).netloc != local
            else errors.append(f"request failed: {r.url}"))
    if dark:  # the theme follows localStorage (default_mode is light), as a reader's toggle does
        page.add_init_script("localStorage.setItem('mode', 'dark'); "
                             "localStorage.setItem('theme', 'dark');")
    response = page.goto(url, wait_until="load")
    return page, response, errors


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium (one for the whole session)."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def visit(browser):
    """visit(url, viewport=None, dark=False) -> (page, response, errors); see open_page."""
    return functools.partial(open_page, browser)
