"""Write the Colab edition of every chapter into ``colab/``: the notebook the rocket button opens.

    python scripts/colab_notebooks.py           # (re)write colab/NN_topic.ipynb for every chapter
    python scripts/colab_notebooks.py --check   # exit 1 if one is missing, stale or extra

Colab renders a notebook's Markdown as CommonMark, not MyST. From each executed chapter in
``chapters/`` this script writes a copy whose Markdown reads right there:

- citations become "[Author et al., year]" as on the website, each linked to its entry on
  the site's references page; glued numbers are pasted from the chapter's own stored glue
  outputs (myst-nb's ``scrapbook`` outputs), formatted as the site formats them;
- other roles and directives become their plain-Markdown equivalents: ``{ref}``, ``{numref}``,
  ``{doc}`` and ``{eq}`` become links (chapters to their Colab edition, other pages and labelled
  targets to the website), admonitions and dropdowns become block quotes, figures become
  images with their captions, labelled equations get a ``\\tag``, ``(label)=`` targets go;
- every exercise is a heading numbered as on the site ("Exercise 5.2: Title");
- otter's raw cells are removed, and so are the solutions: a Colab reader is a student, so each
  solution (its hints and code) is replaced by otter's stub (``...`` where the solution lines
  were) and a link to the worked solution, folded under the exercise on the website; the test
  cells after it stay, so a student can check an answer;
- relative links become absolute: chapter to chapter to the Colab editions, everything else to
  the website (whose address is ``html.baseurl`` in ``_config.yml``) or to the repository.

Run it after changing or re-executing a chapter (the glued numbers are those of the stored
outputs, so execute first). It stops with an error naming the chapter when it meets what it
cannot resolve: an unknown label or citation key, a glued name with no stored value, a link to
a file that does not exist.

Code cells, their outputs and the Colab set-up cell are kept (the glue outputs, which Colab
cannot show, are dropped), so Colab shows the figures and printed results before anything runs.

The Colab editions are committed, not published by a deploy workflow: Colab opens notebooks
straight from GitHub, so the launch buttons (``book/_ext/colab_links.py``) point at a file that
must exist in the repository on the branch of ``_config.yml``. Committed, it exists in every
clone and fork without a deploy step, and ``tests/notebooks/test_colab.py`` fails when a chapter
changed and this script was not run again. The output depends only on the chapters, the
bibliography, ``_toc.yml`` and ``_config.yml`` (no time stamps), so running it twice gives the
same files.
"""

from __future__ import annotations

import argparse
import codecs
import copy
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec used for names in the .bib file)
import nbformat
import yaml
from docutils.nodes import make_id
from pybtex.database import parse_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbtools import (  # noqa: E402
    CHAPTERS,
    ROOT,
    SOLUTION_START,
    config,
    read,
    solution_cells,
    stub_source,
)

OUT = ROOT / "colab"
REGENERATE = "python scripts/colab_notebooks.py"

DROPPED_DIRECTIVES = {"bibliography", "tableofcontents", "toctree", "exercise-table",
                      "glossary-index", "raw", "only", "include"}
FIGURES = {"figure", "image", "glue:figure"}
MATHS = {"math", "glue:math"}
CODE = {"code", "code-block", "sourcecode", "code-cell"}

OPEN_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})\s*"
                        r"(?:\{(?P<name>[^}\s]+)\})?\s*(?P<args>.*)$")
TARGET = re.compile(r"^ {0,3}\(([^()\s]+)\)=\s*$")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
OPTION = re.compile(r"^:([\w-]+):\s*(.*)$")
DISPLAY_MATH_LABEL = re.compile(r"\$\$[ \t]*\(([^()\s]+)\)[ \t]*$")  # "$$ (label)" ends a display

# One pass over a paragraph: the leftmost construct wins, so a bracket inside maths is never
# read as a link and a role inside inline code stays code.
INLINE = re.compile(
    r"(?P<role>\{(?P<rname>[A-Za-z][\w:.+-]*)\}`(?P<rtext>[^`]*)`)"
    r"|(?P<code>(?P<ticks>`+)(?:.+?)(?P=ticks))"
    r"|(?P<dmath>\$\$(?P<dbody>.+?)\$\$(?:[ \t]*\((?P<dlabel>[^()\s]+)\))?)"
    r"|(?P<imath>(?<![\\$])\$(?!\s)(?:\\.|[^$\\])+?(?<![\s\\])\$(?!\$))"
    r"|(?P<link>(?P<bang>!?)\[(?P<ltext>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<ltarget>[^()\s]*"
    r"(?:\([^()\s]*\))?[^()\s]*)(?P<ltitle>\s+\"[^\"]*\")?\))"
    r"|(?P<autolink><(?P<auto>https?://[^>\s]+)>)"
    r"|(?P<html><(?:img|a|source)\b[^>]*>)",  # raw HTML (MyST's html_image): src and href
    re.S,
)


@dataclass
class Target:
    """Something a {ref}, {numref} or {eq} can point at."""

    page: str  # docname, e.g. "chapters/05_pooling"
    anchor: str  # its HTML id on the website
    text: str  # what a reference without an explicit title shows
    number: str = ""  # "5.2" for numbered things (exercises, figures, equations)


@dataclass
class Book:
    """What every chapter's conversion needs to know about the whole book."""

    site: str  # the website's base URL, ending in "/"
    colab: str  # the Colab URL of the repository's branch, ending in "/"
    blob: str  # the repository's files on GitHub, ending in "/"
    raw: str  # raw files (images) on GitHub, ending in "/"
    chapters: dict[str, int]  # chapter docname -> its number on the site
    pages: set[str]  # every docname of the book
    bib: dict[str, tuple[str, str]]  # key -> (author label, year)
    targets: dict[str, Target] = field(default_factory=dict)
    glue: dict[str, dict[str, dict]] = field(default_factory=dict)  # docname -> key -> data

    def page_url(self, docname: str, anchor: str = "") -> str:
        """A book page: the Colab edition of a chapter, the website for any other page."""
        if docname in self.chapters and not anchor:
            return f"{self.colab}{Path(docname).name}.ipynb"
        return f"{self.site}{docname}.html" + (f"#{anchor}" if anchor else "")

    def site_url(self, docname: str, anchor: str = "") -> str:
        return f"{self.site}{docname}.html" + (f"#{anchor}" if anchor else "")


# --------------------------------------------------------------------------------- the book


def load_book() -> Book:
    cfg = config()
    base = (cfg.get("html") or {}).get("baseurl", "")
    if not base.startswith("https://"):
        raise ValueError("_config.yml: html.baseurl must be the website's https:// address")
    repo = cfg["repository"]
    org_repo = repo["url"].removeprefix("https://github.com/").strip("/")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages, chapters = [toc["root"]], {}
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            pages.append(entry["file"])
            if part.get("numbered"):
                chapters[entry["file"]] = len(chapters) + 1
    book = Book(
        site=base.rstrip("/") + "/",
        colab=f"https://colab.research.google.com/github/{org_repo}/blob/{repo['branch']}/"
              f"{OUT.name}/",
        blob=f"https://github.com/{org_repo}/blob/{repo['branch']}/",
        raw=f"https://raw.githubusercontent.com/{org_repo}/{repo['branch']}/",
        chapters=chapters,
        pages=set(pages),
        bib=read_bib([ROOT / f for f in cfg.get("bibtex_bibfiles", [])]),
    )
    for docname in pages:
        path = ROOT / docname
        if path.with_suffix(".ipynb").exists():
            nb = read(path.with_suffix(".ipynb"))
            book.glue[docname] = glue_values(nb)
            markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
        elif path.with_suffix(".md").exists():
            markdown = [path.with_suffix(".md").read_text()]
        else:
            continue
        collect_targets(book, docname, markdown)
    return book


def read_bib(paths: list[Path]) -> dict[str, tuple[str, str]]:
    """key -> ("Zhang et al.", "2023"): the author-year label the site shows."""
    found = {}
    for path in paths:
        for key, entry in parse_file(path).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [_latex(" ".join(p.prelast_names + p.last_names)) for p in people]
            if not names:
                label = _latex(entry.fields.get("title", key))
            elif len(names) == 1:
                label = names[0]
            elif len(names) == 2:
                label = f"{names[0]} and {names[1]}"
            else:
                label = f"{names[0]} et al."
            found[key] = (label, entry.fields.get("year", "n.d."))
    return found


def _latex(text: str) -> str:
    return codecs.decode(text, "ulatex").replace("{", "").replace("}", "")


def glue_values(nb) -> dict[str, dict]:
    """name -> the glued MIME bundle (prefix removed), from the notebook's stored outputs."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if meta:
                prefix = meta.get("mime_prefix", "")
                found[meta["name"]] = {k[len(prefix):]: v for k, v in output["data"].items()}
    return found


def collect_targets(book: Book, docname: str, markdown: list[str]) -> None:
    """Labels of sections, exercises, figures and equations, numbered as on the site."""
    chapter = book.chapters.get(docname)
    counters = {"exercise": 0, "figure": 0, "table": 0, "equation": 0}

    def number(kind: str) -> str:
        counters[kind] += 1
        return f"{chapter}.{counters[kind]}" if chapter else str(counters[kind])

    for text in markdown:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            target = TARGET.match(line)
            if target:
                label = target.group(1)
                heading = next((HEADING.match(x) for x in lines[i + 1:] if x.strip()), None)
                title = _plain(heading.group(2)) if heading else label
                book.targets[label] = Target(docname, make_id(label), title)
                continue
            math_label = DISPLAY_MATH_LABEL.search(line)
            if math_label:
                num = number("equation")
                book.targets[math_label.group(1)] = Target(
                    docname, f"equation-{make_id(math_label.group(1))}", f"({num})", num)
            fence = OPEN_FENCE.match(line)
            if fence and fence.group("name"):
                name = fence.group("name")
                options = _options(lines[i + 1:])
                label = options.get("label") or options.get("name")
                kind = ("exercise" if name == "exercise" else "figure" if name in FIGURES
                        else "table" if name in {"table", "list-table", "csv-table"}
                        else "equation" if name in MATHS else None)
                if kind and "nonumber" not in options and (label or kind == "exercise"):
                    num = number(kind)
                    anchor = f"equation-{make_id(label)}" if kind == "equation" else label
                    if label:
                        book.targets[label] = Target(docname, anchor or "", _title(kind, num),
                                                     num)


def _title(kind: str, num: str) -> str:
    return f"({num})" if kind == "equation" else f"{kind.capitalize()} {num}"


def _options(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        option = OPTION.match(line.strip())
        if not option:
            break
        found[option.group(1)] = option.group(2).strip()
    return found


def _plain(text: str) -> str:
    """A heading's text without Markdown emphasis or code marks."""
    return re.sub(r"[*_`]", "", text).strip()


# ----------------------------------------------------------------------------- the Markdown


class Converter:
    """Turns one chapter's MyST Markdown into CommonMark that Colab renders."""

    def __init__(self, book: Book, docname: str):
        self.book = book
        self.docname = docname
        self.chapter = book.chapters.get(docname)
        self.glue = book.glue.get(docname, {})
        self.exercises = 0
        self.attachments: dict[str, dict] = {}

    def problem(self, message: str) -> ValueError:
        return ValueError(f"{self.docname}: {message}")

    # -- blocks

    def markdown(self, text: str) -> str:
        """Convert a Markdown cell (or a directive's body)."""
        lines = text.split("\n")
        out: list[str] = []
        paragraph: list[str] = []
        i = 0

        def flush():
            if paragraph:
                out.append(self.inline("\n".join(paragraph)))
                paragraph.clear()

        while i < len(lines):
            line = lines[i]
            if TARGET.match(line):
                i += 1
                continue
            fence = OPEN_FENCE.match(line)
            if fence:
                flush()
                end = self._closing(lines, i, fence.group("fence"))
                body = lines[i + 1:end]
                if fence.group("name"):
                    out += ["", self.directive(fence.group("name"), fence.group("args").strip(),
                                               body), ""]
                else:  # plain fenced code: kept verbatim
                    out.extend(lines[i:end + 1])
                i = end + 1
                continue
            if line.strip() == "" and not self._inside_math(paragraph):
                flush()
                out.append(line)
            else:
                paragraph.append(line)
            i += 1
        flush()
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    @staticmethod
    def _inside_math(paragraph: list[str]) -> bool:
        return "\n".join(paragraph).count("$$") % 2 == 1

    def _closing(self, lines: list[str], start: int, fence: str) -> int:
        """Index of the line that closes the fence opened at ``start``.

        A closing fence is a bare run of the same character, at least as long. Inside a
        directive, a nested fence (a directive or a code block) is skipped as a whole.
        """
        char = fence[0]
        j = start + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if re.fullmatch(f"{re.escape(char)}{{{len(fence)},}}", stripped):
                return j
            opened = OPEN_FENCE.match(lines[j])
            if opened and (opened.group("name") or opened.group("fence")[0] != ":"):
                j = self._closing(lines, j, opened.group("fence"))
            j += 1
        raise self.problem(f"a {fence} fence is never closed: {lines[start].strip()!r}")

    def directive(self, name: str, args: str, body: list[str]) -> str:
        options, content = self._split_options(body)
        text = "\n".join(content)
        if name == "exercise":
            heading = "### Exercise"
            if "nonumber" not in options:
                self.exercises += 1
                heading += f" {self.chapter}.{self.exercises}" if self.chapter \
                    else f" {self.exercises}"
            title = self.inline(args)
            heading += f": {title}" if title else ""
            return f"{heading}\n\n{self.markdown(text)}"
        if name == "solution":  # a solution in one cell: the website has it, folded
            url = self.book.site_url(self.docname, args.split()[0] if args else "")
            return f"*A worked solution is [on the website]({url}), folded under the exercise.*"
        if name in {"solution-start", "solution-end"}:
            raise self.problem("a gated solution outside the exercise layout of CONTRIBUTING.md")
        if name in DROPPED_DIRECTIVES:
            return ""
        if name in CODE:
            language = args.split()[0] if args else ""
            return f"```{language}\n{text}\n```"
        if name in MATHS:
            return self._display_math(text, options.get("label") or options.get("name"))
        if name in FIGURES:
            return self.figure(name, args, options, text)
        # Every other directive (admonitions, dropdowns, margins, cards, ...): a block quote
        # headed by its title (a dropdown's title, or the kind: "Note", "Warning").
        title = self.inline(args) if args else name.replace("-", " ").capitalize()
        inner = self.markdown(text)
        quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        return f"> **{title}**\n>\n{quoted}" if inner else f"> **{title}**"

    @staticmethod
    def _split_options(body: list[str]) -> tuple[dict[str, str], list[str]]:
        """A directive's ``:key: value`` lines (or a ``---`` YAML block) and its content."""
        if body and body[0].strip() == "---":
            end = body.index("---", 1) if "---" in body[1:] else 0
            return {k: str(v) for k, v in (yaml.safe_load("\n".join(body[1:end])) or {}).items()
                    }, body[end + 1:]
        options, i = {}, 0
        while i < len(body):
            option = OPTION.match(body[i].strip())
            if not option:
                break
            options[option.group(1)] = option.group(2).strip()
            i += 1
        return options, body[i:]

    def figure(self, name: str, args: str, options: dict[str, str], caption: str) -> str:
        label = options.get("name") or options.get("label")
        alt = options.get("alt", "")
        if name == "glue:figure":
            key = args.split("::")[-1]
            data = self._glued(args)
            mime = next((m for m in ("image/png", "image/jpeg", "image/svg+xml") if m in data),
                        None)
            if mime is None:
                raise self.problem(f"the glued figure {key!r} has no image")
            filename = f"{make_id(key)}.{mime.split('/')[1].split('+')[0]}"
            self.attachments[filename] = {mime: data[mime]}
            src = f"attachment:{filename}"
        else:
            src = self.link_target(args)
        image = f"![{alt or _plain(caption)[:80]}]({src})"
        if name == "image":
            return image
        target = self.book.targets.get(label) if label else None
        prefix = f"**{target.text}.** " if target else ""
        text = self.markdown(caption)
        return f"{image}\n\n{prefix}{text}".strip()

    def _display_math(self, body: str, label: str | None) -> str:
        if label:
            target = self.book.targets[label]
            body = f"{body.strip()} \\tag{{{target.number}}}"
        return f"$$\n{body.strip()}\n$$"

    # -- inline

    def inline(self, text: str) -> str:
        return INLINE.sub(self._replace, text)

    def _replace(self, match: re.Match) -> str:
        if match.group("role"):
            return self.role(match.group("rname"), match.group("rtext"))
        if match.group("dmath"):
            label = match.group("dlabel")
            if not label:
                return match.group("dmath")
            return self._display_math(match.group("dbody"), label)
        if match.group("link"):
            text = self.inline(match.group("ltext"))
            title = match.group("ltitle") or ""
            return f"{match.group('bang')}[{text}]({self.link_target(match.group('ltarget'))}" \
                   f"{title})"
        if match.group("html"):
            return re.sub(r'\b(src|href)="([^"]*)"',
                          lambda m: f'{m.group(1)}="{self.link_target(m.group(2))}"',
                          match.group("html"))
        return match.group(0)  # inline code, inline maths and autolinks stay as they are

    def role(self, name: str, text: str) -> str:
        if name.startswith("cite"):
            return self.cite(name, text)
        if name.startswith("glue"):
            return self.glued_text(name, text)
        title, label = _explicit_title(text)
        if name in {"ref", "numref", "eq", "any"}:
            key = label.lstrip("~")
            target = self.book.targets.get(key)
            if target is None:
                if name in {"ref", "any"} and self._docname(key):
                    return self._doc_link(title, key)
                raise self.problem(f"{{{name}}}`{text}`: no such label in the book")
            shown = title or target.text
            if name == "numref" and title and "%s" in title:
                shown = title.replace("%s", target.number)
            elif name == "numref" and title and "{number}" in title:
                shown = title.replace("{number}", target.number).replace("{name}", target.text)
            return f"[{shown}]({self.book.site_url(target.page, target.anchor)})"
        if name == "doc":
            return self._doc_link(title, label)
        if name == "download":
            return f"[{title or Path(label).name}]({self.link_target(label)})"
        if name == "math":
            return f"${text}$"
        if name == "term":
            return title or label
        if name == "abbr":
            return re.sub(r"\s*\(.*\)\s*$", "", text)
        if name in {"sub", "sup", "kbd"}:
            return f"<{name}>{text}</{name}>"
        if name in {"code", "literal", "samp", "file", "command", "py:func", "func", "class",
                    "meth", "mod", "attr", "py:class", "py:meth", "py:mod", "py:attr"}:
            return f"`{title or label}`"
        # any other role (emphasis-like ones such as {guilabel}, {dfn}): its text
        return title or label

    def _resolve(self, target: str) -> str:
        """A path written in this page (relative to it, or to the book with a leading "/"),
        relative to the repository's root, without any #anchor."""
        path = target.split("#", 1)[0]
        joined = path.lstrip("/") if path.startswith("/") \
            else (Path(self.docname).parent / path).as_posix()
        parts: list[str] = []
        for part in joined.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        return "/".join(parts)

    def _docname(self, target: str) -> str | None:
        """The docname a page path written in this page points at, if any."""
        if not target.split("#", 1)[0]:
            return None
        docname = re.sub(r"\.(ipynb|md|html)$", "", self._resolve(target))
        return docname if docname in self.book.pages else None

    def _doc_link(self, title: str, target: str) -> str:
        docname = self._docname(target)
        if docname is None:
            raise self.problem(f"{{doc}}`{target}`: no such page in _toc.yml")
        if not title:
            title = f"chapter {self.book.chapters[docname]}" if docname in self.book.chapters \
                else docname.rsplit("/", 1)[-1].replace("_", " ")
        return f"[{title}]({self.book.page_url(docname)})"

    def link_target(self, target: str) -> str:
        """An absolute URL for a link written in this page."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, attachment:
            return target
        if target.startswith("#"):
            label = target[1:]
            found = self.book.targets.get(label)
            page, anchor = (found.page, found.anchor) if found else (self.docname, label)
            return self.book.site_url(page, anchor)
        docname = self._docname(target)
        if docname is not None:
            anchor = target.split("#", 1)[1] if "#" in target else ""
            if docname in self.book.chapters:
                return self.book.page_url(docname)  # Colab cannot jump to a section
            return self.book.site_url(docname, anchor)
        if target in self.book.targets:  # MyST also reads [text](label) as a reference
            found = self.book.targets[target]
            return self.book.site_url(found.page, found.anchor)
        path = self._resolve(target)
        if not path or not (ROOT / path).exists():
            raise self.problem(f"the link {target!r} points at nothing in the repository")
        is_image = re.search(r"\.(png|jpe?g|gif|svg|webp)$", path, re.I)
        return (self.book.raw if is_image else self.book.blob) + path

    def cite(self, name: str, text: str) -> str:
        keys = [k.strip() for k in text.split(",") if k.strip()]
        style = name.split(":", 1)[1] if ":" in name else "p"
        parts = []
        for key in keys:
            if key not in self.book.bib:
                raise self.problem(f"{{cite}}`{key}` is not in the bibliography")
            author, year = self.book.bib[key]
            url = self.book.site_url("book/references", make_id(f"cite-{key}"))
            shown = {"t": f"{author} ({year})", "ts": f"{author} ({year})", "author": author,
                     "year": year}.get(style, f"{author}, {year}")
            parts.append(f"[{shown}]({url})")
        if style in {"p", "ps"}:  # in brackets, as the website shows them
            return "\\[" + "; ".join(parts) + "\\]"
        return ", ".join(parts) if style in {"t", "ts", "author", "year"} else "; ".join(parts)

    def _glued(self, text: str) -> dict:
        docname, key = self.docname, text
        if "::" in text:
            path, key = text.split("::", 1)
            docname = self._docname(path) or path
        values = self.book.glue.get(docname, {})
        if key not in values:
            raise self.problem(f"no glued value {key!r} in the stored outputs of {docname} "
                               "(execute the chapter first)")
        return values[key]

    def glued_text(self, name: str, text: str) -> str:
        from myst_nb.core.variables import format_plain_text  # as myst-nb formats it

        if name == "glue:text":
            key, _, spec = text.rpartition(":")
            if not key:
                key, spec = text, "s"
            return format_plain_text(self._glued(key)["text/plain"], spec)
        data = self._glued(re.sub(r"(?<!:):(commonmark|myst|gfm)$", "", text))
        if name == "glue:md":
            return data["text/markdown"]
        if name == "glue:math":
            return f"${data['text/latex'].strip('$')}$"
        # {glue} / {glue:}: the best inline form of the glued value
        if "text/markdown" in data:
            return data["text/markdown"]
        if "text/latex" in data:
            return f"${data['text/latex'].strip('$')}$"
        return format_plain_text(data["text/plain"], "")


def _explicit_title(text: str) -> tuple[str, str]:
    """``title <target>`` -> (title, target); ``target`` -> ("", target)."""
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", text, re.S)
    return (match.group(1), match.group(2)) if match else ("", text.strip())


# ---------------------------------------------------------------------------- the notebook


def chapter_docname(path: Path) -> str:
    return f"chapters/{path.stem}"


def colab_notebook(path: Path, book: Book) -> nbformat.NotebookNode:
    """The Colab edition of one executed chapter notebook."""
    nb = read(path)
    docname = chapter_docname(path)
    converter = Converter(book, docname)
    gated = set(solution_cells(nb))
    cells = []
    exercise_anchor = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "raw":
            continue  # otter's markers and configuration
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# HIDDEN"):
            continue  # the autograder's hidden tests never reach students
        if index in gated:
            if cell.cell_type == "markdown" and cell.source.lstrip().startswith(SOLUTION_START):
                cells.append(_solution_note(cell, book, docname, exercise_anchor))
            elif cell.cell_type == "code":
                cells.append(_stub(cell))
            continue
        new = copy.deepcopy(cell)
        if new.cell_type == "markdown":
            exercise = re.search(r"^:::+\{exercise\}.*\n(?::[\w-]+:.*\n)*?:label:\s*(\S+)",
                                 new.source, re.M)
            if exercise:
                exercise_anchor = exercise.group(1)
            converter.attachments = {}
            new.source = converter.markdown(new.source)
            if converter.attachments:
                new["attachments"] = {**new.get("attachments", {}),
                                      **copy.deepcopy(converter.attachments)}
        elif new.cell_type == "code":
            if "# BEGIN SOLUTION" in new.source or "# SOLUTION" in new.source:
                new = _stub(new)
            new.outputs = [o for o in new.get("outputs", [])
                           if not o.get("metadata", {}).get("scrapbook", {}).get("mime_prefix")]
        cells.append(new)
    title = next((i for i, c in enumerate(cells) if c.cell_type == "markdown"), None)
    if title is None or not cells[title].source.startswith("# "):
        raise ValueError(f"{path.name}: the first cell must be the title, '# ...'")
    number = book.chapters.get(docname)
    if number:
        cells[title].source = f"# Chapter {number}: {cells[title].source[2:]}"
    cells.insert(title + 1, _edition_note(book, docname, nb.cells[title].get("id", "title")))
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata), cells=cells)
    out.nbformat, out.nbformat_minor = nb.nbformat, nb.nbformat_minor
    out.metadata.pop("jupytext", None)
    out.metadata["colab"] = {"toc_visible": True}  # Colab's table of contents, opened
    out.metadata["cnn_book"] = {"generated_from": f"chapters/{path.name}",
                                "by": "scripts/colab_notebooks.py (do not edit by hand)"}
    return out


def _stub(cell) -> nbformat.NotebookNode:
    """Otter's stub of a solution cell: '...' where the solution lines were, no outputs."""
    new = copy.deepcopy(cell)
    new.source = stub_source(cell.source)
    new.outputs, new.execution_count = [], None
    return new


def _solution_note(cell, book: Book, docname: str, anchor: str | None) -> nbformat.NotebookNode:
    where = book.site_url(docname, anchor or "")
    text = ("**Your solution.** Replace each `...` in the next cell with your code and run it; "
            "the cells after it test your answer (they fail until it is right, then print "
            "nothing). "
            f"A worked solution is [on the website]({where}), folded under the exercise.")
    return nbformat.v4.new_markdown_cell(text, id=f"{cell.get('id', 'solution')}-colab"[:64])


def _edition_note(book: Book, docname: str, cell_id: str) -> nbformat.NotebookNode:
    text = (f"*This is the Colab edition of a chapter of [the book]({book.site}); the [same "
            f"chapter on the website]({book.site_url(docname)}) shows it with every figure, "
            "reference and worked solution. The numbers in the text come from the run that "
            "produced this notebook; your run may differ in the last digit. The first code "
            "cell installs what the chapter needs.*")
    return nbformat.v4.new_markdown_cell(text, id=f"{cell_id}-edition"[:64])


# ------------------------------------------------------------------------------ the command


def render(nb: nbformat.NotebookNode) -> str:
    """The file's text exactly as ``nbformat.write`` would write it."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def expected() -> dict[Path, str]:
    """Every Colab edition's file and its text, from the current chapters."""
    book = load_book()
    found = {}
    for path in CHAPTERS:
        if chapter_docname(path) in book.chapters:
            found[OUT / path.name] = render(colab_notebook(path, book))
    return found


def stale() -> list[str]:
    """What differs between colab/ and what this script would write now."""
    wanted = expected()
    problems = [f"{p.relative_to(ROOT)} is missing" for p in wanted if not p.exists()]
    problems += [f"{p.relative_to(ROOT)} is out of date" for p, text in wanted.items()
                 if p.exists() and p.read_text(encoding="utf-8") != text]
    problems += [f"{p.relative_to(ROOT)} has no chapter" for p in sorted(OUT.glob("*.ipynb"))
                 if p not in wanted]
    return problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if colab/ is not what this script writes")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale()
        for line in problems:
            print(line)
        if problems:
            print(f"run `{REGENERATE}`")
        return 1 if problems else 0
    wanted = expected()
    OUT.mkdir(exist_ok=True)
    for path in sorted(OUT.glob("*.ipynb")):
        if path not in wanted:
            path.unlink()
            print(f"removed {path.relative_to(ROOT)}")
    for path, text in wanted.items():
        changed = not path.exists() or path.read_text(encoding="utf-8") != text
        if changed:
            path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {'written' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
