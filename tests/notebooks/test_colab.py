"""The Colab editions in colab/ (scripts/colab_notebooks.py): current, and plain Markdown.

Colab renders CommonMark. Each edition is parsed here with a CommonMark parser (markdown-it,
with its dollar-maths plugin so that brackets inside maths are not read as links) and scanned
for what Colab would show raw or broken: MyST roles and directives, ``(label)=`` targets, glue
placeholders, raw cells, relative links, and solution lines.
"""

from __future__ import annotations

import re

import pytest
from colab_notebooks import OUT, REGENERATE, stale
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from nbtools import (
    CHAPTERS,
    code_cells,
    config,
    hidden_test_lines,
    questions,
    read,
    solution_lines,
    stub_source,
)

pytestmark = pytest.mark.skipif(not CHAPTERS, reason="no chapter notebooks yet")
IDS = [p.stem for p in CHAPTERS]
PARSER = MarkdownIt("commonmark").use(dollarmath_plugin)
ROLE_NAME = re.compile(r"\{[A-Za-z][\w:.+-]*\}$")


def test_colab_editions_are_current():
    problems = stale()
    assert not problems, "\n".join(problems) + f"\nrun `{REGENERATE}`"


def edition(path):
    colab = OUT / path.name
    assert colab.is_file(), f"{colab} is missing: run `{REGENERATE}`"
    return read(colab)


def walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def leftovers(markdown: str) -> list[str]:
    """MyST that CommonMark shows as text, and links that are not absolute."""
    found = []
    tokens = PARSER.parse(markdown)
    for token in tokens:
        if token.type == "fence" and token.info.strip().startswith("{"):
            found.append(f"directive {token.info.strip()!r}")
        if token.type != "inline":
            continue
        children = token.children or []
        for previous, child in zip([None, *children], children, strict=False):
            if child.type == "code_inline" and previous is not None and previous.type == "text" \
                    and ROLE_NAME.search(previous.content):
                found.append(f"role {ROLE_NAME.search(previous.content).group(0)}`{child.content}`")
        for line in token.content.split("\n"):
            if re.match(r"\s*:{3,}", line):
                found.append(f"directive fence {line.strip()!r}")
            if re.fullmatch(r"\s*\([^()\s]+\)=\s*", line):
                found.append(f"target {line.strip()!r}")
    targets = [child.attrs.get("href") or child.attrs.get("src") for child in walk(tokens)]
    targets += [m for t in walk(tokens) if t.type in ("html_inline", "html_block")
                for m in re.findall(r'\b(?:src|href)="([^"]*)"', t.content)]
    for target in targets:
        if target is not None and not re.match(r"(https?|mailto|attachment):", str(target)):
            found.append(f"relative link {target!r}")
    if re.search(r"\{glue", markdown):
        found.append("a glue placeholder")
    return found


def test_the_scan_finds_what_colab_would_show_raw():
    """The scanner itself: each construct below must be reported (a scan that finds nothing
    would pass any edition)."""
    samples = {
        "see {cite}`key`": "role",
        "{glue:text}`acc:.1f`%": "role",
        ":::{exercise} Title\ntext\n:::": "directive fence",
        "```{note}\ntext\n```": "directive",
        "(sec-x)=\n## Section": "target",
        "[chapter 3](03_convolution.ipynb)": "relative link",
        "![a](figure.png)": "relative link",
        '<img src="figure.png" alt="a">': "relative link",
    }
    for text, kind in samples.items():
        assert any(found.startswith(kind) for found in leftovers(text)), (text, leftovers(text))
    assert leftovers("maths $[f](t) = \\{x\\}$ and [a link](https://example.org)") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_markdown_has_no_myst_and_no_relative_link(path):
    nb = edition(path)
    assert not [c for c in nb.cells if c.cell_type == "raw"], "otter's raw cells must go"
    problems = [f"cell {i}: {p}" for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                for p in leftovers(c.source)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_solution_reaches_colab(path):
    master, nb = read(path), edition(path)
    text = "\n".join(c.source for c in nb.cells)
    secret = solution_lines(master)
    assert secret, f"{path.stem}: no solution lines to look for (the check would be empty)"
    shown = [line for line in secret if line in text]
    assert not shown, f"{path.stem}: the Colab edition shows solution lines {shown[:5]}"
    assert "BEGIN SOLUTION" not in text and "solution-start" not in text
    hidden = [line for line in hidden_test_lines(master) if line in text]
    assert "# HIDDEN" not in text and not hidden, f"{path.stem}: hidden tests shown: {hidden[:3]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_exercises_are_numbered_headings(path):
    master, nb = read(path), edition(path)
    chapter = CHAPTERS.index(path) + 1
    headings = [line for c in nb.cells if c.cell_type == "markdown"
                for line in c.source.split("\n") if re.match(r"#+ Exercise ", line)]
    expected = [f"Exercise {chapter}.{n}:" for n in range(1, len(questions(master)) + 1)]
    assert [re.sub(r"^#+ ", "", h).split(": ")[0] + ":" for h in headings] == expected, headings
    assert all(len(h.split(": ", 1)[1]) > 3 for h in headings), f"untitled: {headings}"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_code_is_kept_with_stubs_for_solutions(path):
    """Every code cell of the chapter is there, in order, solutions replaced by otter's stubs;
    the set-up cell comes first and is unchanged."""
    master, nb = read(path), edition(path)
    public = [c for c in code_cells(master) if not c.source.lstrip().startswith("# HIDDEN")]
    assert [c.source for c in code_cells(nb)] == [stub_source(c.source) for c in public]
    assert code_cells(nb)[0].source == code_cells(master)[0].source
    assert "google.colab" in code_cells(nb)[0].source


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_glued_numbers_are_in_the_text(path):
    """Each {glue:text} of the chapter became its stored value, formatted as on the site."""
    from myst_nb.core.variables import format_plain_text

    master, nb = read(path), edition(path)
    values = {}
    for cell in master.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                values[meta["name"]] = output["data"][meta["mime_prefix"] + "text/plain"]
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for cell in master.cells:
        if cell.cell_type != "markdown":
            continue
        for key, spec in re.findall(r"\{glue:text\}`([^`:]+):?([^`]*)`", cell.source):
            shown = format_plain_text(values[key], spec or "s")
            assert shown in text, f"{path.stem}: glued {key} ({shown}) is not in the text"
    glue_outputs = [o for c in nb.cells for o in c.get("outputs", [])
                    if o.get("metadata", {}).get("scrapbook")]
    assert not glue_outputs, "glue outputs (invisible in Colab) must be dropped"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_links_to_other_chapters_open_their_colab_edition(path):
    repo = config()["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    prefix = f"https://colab.research.google.com/github/{org_repo}/blob/{repo['branch']}/colab/"
    nb = edition(path)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for url in re.findall(r"https://colab\.research\.google\.com/[^)\s]+", text):
        assert url.startswith(prefix), url
        assert (OUT / url.removeprefix(prefix)).is_file(), f"{url}: no such Colab edition"


MYST_SAMPLE = r"""(sec-demo)=
## A demo section

See {ref}`sec-demo`, {ref}`the demo <sec-demo>`, {numref}`fig-demo`, {doc}`../book/how_to_use`,
{doc}`the pooling chapter <05_pooling>`, {eq}`eq-demo`, {math}`a^2`, {term}`strides <stride>`,
{cite:t}`zhang2019making`, {cite}`he2016deep,lin2014network`, [how](../book/how_to_use.md),
[back](#sec-demo) and {glue:text}`half_noise:.0f`%.

$$
y = x^2
$$ (eq-demo)

::::{important}
Outer.
:::{tip} Inner
Inner text.
:::
::::

:::{admonition} Why?
:class: dropdown
Because $[x](t) > 0$.
:::

```{margin}
In the margin.
```

```{figure} ../book/favicon.svg
:name: fig-demo

A caption.
```

<img src="../book/favicon.svg" alt="the favicon" width="40">

:::{exercise} A side question
:nonumber:
Try it.
:::

:::{solution} ex-ch05-blur-pool
:class: dropdown
The secret answer.
:::
"""


def test_every_myst_construct_the_chapters_may_use_is_converted():
    """Roles and directives no chapter uses yet (a chapter may start to): plain Markdown."""
    from colab_notebooks import Converter, collect_targets, load_book

    book = load_book()
    collect_targets(book, "chapters/05_pooling", [MYST_SAMPLE])
    text = Converter(book, "chapters/05_pooling").markdown(MYST_SAMPLE)
    assert leftovers(text) == [], text
    page = f"{book.site}chapters/05_pooling.html"
    for expected in (f"[A demo section]({page}#sec-demo)", f"[the demo]({page}#sec-demo)",
                     f"[Figure 5.1]({page}#fig-demo)", f"[(5.1)]({page}#equation-eq-demo)",
                     f"[how]({book.site}book/how_to_use.html)", "y = x^2 \\tag{5.1}",
                     f"[the pooling chapter]({book.colab}05_pooling.ipynb)", "$a^2$",
                     "strides,", "[Zhang (2019)](", "\\[[He et al., 2016](", "> **Why?**",
                     "> > **Inner**", "**Figure 5.1.** A caption.", "$[x](t) > 0$",
                     f"{book.raw}book/favicon.svg"):
        assert expected in text, f"{expected!r} not in:\n{text}"
    assert re.search(r"and \d+%\.", text), "the glued number is missing"
    assert "### Exercise: A side question" in text, "an unnumbered exercise"
    assert "secret answer" not in text and f"({page}#ex-ch05-blur-pool)" in text
