"""Compare the text outputs of two runs of a chapter the way nbval compares them.

nbval checks a fresh run against the committed outputs. This script compares any two executed
copies of a notebook (for example one run under the default math kernels and one under another
family forced through the environment) with nbval's own rules: streams are merged by name,
images and metadata are ignored, the sanitize file's patterns are applied, and cells marked
``# NBVAL_IGNORE_OUTPUT`` or ``# NBVAL_SKIP`` are not compared. It prints every code cell whose
compared text differs, with both versions, and exits with status 1 if any does.

    python scripts/compare_outputs.py A.ipynb B.ipynb
    python scripts/compare_outputs.py --digits 6 chapters/*.ipynb   # list long printed floats

``--digits N`` instead lists every number with N or more digits after the decimal point in the
compared outputs of the notebooks given: such a number usually shows float noise that another
CPU or math library prints differently.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
)

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
# nbval never compares these keys of an output or of its data bundle
SKIPPED = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
           "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg"}
LONG_FLOAT = r"-?\d+\.\d{%d,}(?:e[-+]?\d+)?"


def compared(cell) -> bool:
    """False for the cells nbval does not compare (ignored output, skipped, never run)."""
    options = dict(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return options.get("check", True) and not options.get("skip", False)


def texts(cell, patterns) -> dict[str, list[str]]:
    """The cell's compared outputs after nbval's normalisation: key -> sanitized texts."""
    found: dict[str, list[str]] = {}
    for output in coalesce_streams(copy.deepcopy(cell.get("outputs", []))):
        items = dict(output)
        if output.output_type == "stream":
            items = {output.name: output.text}
        for key, value in items.items():
            if key in SKIPPED:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIPPED:
                        found.setdefault(mime, []).append(sanitize(data, patterns))
            else:
                found.setdefault(key, []).append(sanitize(value, patterns))
    return found


def sanitize(value, patterns):
    if not isinstance(value, str):
        return value
    for regex, replace in patterns:
        value = re.sub(regex, replace, value)
    return value


def compare(a: Path, b: Path, patterns) -> int:
    """Print the code cells whose compared outputs differ; return how many do."""
    cells_a, cells_b = nbformat.read(a, 4).cells, nbformat.read(b, 4).cells
    by_id = {cell.get("id"): cell for cell in cells_b}
    differ = 0
    for index, cell_a in enumerate(cells_a):
        if cell_a.cell_type != "code" or not compared(cell_a):
            continue
        cell_b = by_id.get(cell_a.get("id"))  # cells are matched by id (a newer copy may
        if cell_b is None:                     # have cells inserted or removed)
            print(f"--- {a.name} cell {index} (id {cell_a.get('id')}) is not in {b}")
            continue
        text_a, text_b = texts(cell_a, patterns), texts(cell_b, patterns)
        if text_a != text_b:
            differ += 1
            print(f"--- {a.name} cell {index} (id {cell_a.get('id')}) differs")
            raw_a, raw_b = texts(cell_a, []), texts(cell_b, [])  # shown before sanitizing
            for key in sorted(set(text_a) | set(text_b)):
                if text_a.get(key) != text_b.get(key):
                    print(f"  [{key}] {a}:\n{indent(raw_a.get(key))}")
                    print(f"  [{key}] {b}:\n{indent(raw_b.get(key))}")
    return differ


def indent(values) -> str:
    return "\n".join("    " + line for v in values or ["<none>"] for line in str(v).splitlines())


def long_floats(path: Path, digits: int, patterns) -> int:
    """Print the numbers with at least `digits` decimals in the compared outputs."""
    pattern, count = re.compile(LONG_FLOAT % digits), 0
    for index, cell in enumerate(nbformat.read(path, 4).cells):
        if cell.cell_type != "code" or not compared(cell):
            continue
        for key, values in texts(cell, patterns).items():
            for value in values:
                for match in pattern.finditer(str(value)):
                    count += 1
                    context = str(value)[max(0, match.start() - 40): match.end() + 10]
                    print(f"{path.name} cell {index} [{key}]: ...{context!r}")
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--digits", type=int, help="list numbers with this many decimals")
    parser.add_argument("--sanitize", type=Path, default=SANITIZE, help="nbval sanitize file")
    args = parser.parse_args(argv)
    patterns = get_sanitize_patterns(args.sanitize.read_text())
    if args.digits is not None:
        return int(sum(long_floats(p, args.digits, patterns) for p in args.notebooks) > 0)
    if len(args.notebooks) != 2:
        parser.error("give two notebooks to compare (or --digits N and any notebooks)")
    return int(compare(*args.notebooks, patterns) > 0)


if __name__ == "__main__":
    sys.exit(main())
