"""The site as readers meet it: accessible markup, lighter pages and clean solutions.

Fixes that the theme and the extensions leave to the book (each checked by tests/site):

* no second, empty top bar with its own search field (pydata-sphinx-theme adds one to every
  page unless ``navbar_persistent`` is set; the book theme has its own search button);
* the bibliography is a list of list items (``role="listitem"``, not the deprecated
  ``doc-biblioentry`` that breaks ``role="list"``);
* sphinx-exercise's ``exercise-content``/``solution-content`` ids, repeated for every exercise
  of a page, become classes (an id must be unique);
* myst-nb's "Show code cell source" toggles are named by their visible text, not by a
  different ``aria-label``;
* otter's ``# BEGIN SOLUTION``/``# END SOLUTION`` marker lines and ``# SOLUTION`` line markers
  are not shown in the solutions;
* an animation player (matplotlib's ``to_jshtml``) gets the alt text of its cell's
  ``mystnb.image.alt`` metadata and a label for its frame slider;
* a page loads MathJax only when it has maths, and the convolution explorer's script only when
  it shows the explorer;
* a chapter number stays on the line of its title (a no-break space);
* every page has a meta description (its first paragraph);
* the theme's Font Awesome script keeps only the icons the site uses (about 1.5 MB less on
  every page).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes

MARKER_LINE = re.compile(r"^\s*# (BEGIN|END) SOLUTION\b.*$")
LINE_MARKER = re.compile(r"\s*# SOLUTION\s*$")
DESCRIPTION_CHARS = 155


def _hide_header_search(app, config):
    options = config.html_theme_options
    options.setdefault("navbar_persistent", [])


def strip_solution_markers(text: str) -> str:
    """The code without otter's solution marker lines and trailing ``# SOLUTION`` markers."""
    lines = [LINE_MARKER.sub("", line) for line in text.split("\n") if not MARKER_LINE.match(line)]
    return "\n".join(lines)


def _cell_metadata(node) -> dict:
    while node is not None:
        metadata = node.get("cell_metadata") if isinstance(node, nodes.Element) else None
        if metadata is not None:
            return metadata
        node = node.parent
    return {}


def _fix_doctree(app, doctree, docname):
    for block in list(doctree.findall(nodes.literal_block)):
        text = block.astext()
        if "SOLUTION" in text:
            clean = strip_solution_markers(text)
            if clean != text:
                block.children = [nodes.Text(clean)]
                block.rawsource = clean
    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if "_anim_img" not in text:
            continue
        metadata = _cell_metadata(raw)
        alt = ((metadata.get("mystnb") or {}).get("image") or {}).get("alt", "")
        alt = html.escape(alt or "Animation", quote=True)
        text = re.sub(r'<img id="(_anim_img\w+)">', rf'<img id="\1" alt="{alt}">', text)
        text = re.sub(r'(<input id="_anim_slider\w+" type="range")',
                      r'\1 aria-label="Animation frame"', text)
        raw.children = [nodes.Text(text)]


def _description(doctree) -> str:
    if doctree is None:
        return ""
    for paragraph in doctree.findall(nodes.paragraph):
        if paragraph.next_node(nodes.literal_block) or isinstance(paragraph.parent, nodes.caption):
            continue
        text = " ".join(paragraph.astext().split())
        if len(text) >= 40:
            if len(text) > DESCRIPTION_CHARS:
                text = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + " …"
            return text
    return ""


def _is_mathjax(asset) -> bool:
    text = f"{getattr(asset, 'filename', asset)} {getattr(asset, 'attributes', {}).get('body', '')}"
    return "mathjax" in text.lower() or "tex-mml-chtml" in text


def _fix_page(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    if body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        body = re.sub(r'<section id="(exercise|solution)-content">',
                      r'<section class="\1-content">', body)
        # myst-nb's "Show code cell source" toggles: named by what they show
        body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
        # "3. Convolution" never breaks after "3." (a no-break space after the number)
        body = re.sub(r'(<h1>\s*<span class="section-number">[0-9.]+) </span>', r'\1&#160;</span>',
                      body)
        context["body"] = body
    has_math = 'class="math' in body
    has_explorer = "conv-explorer" in body
    if "script_files" in context:
        kept = []
        for asset in context["script_files"]:
            name = str(getattr(asset, "filename", asset) or "")
            if _is_mathjax(asset) and not has_math:
                continue
            if name.endswith("conv-explorer.js") and not has_explorer:
                continue
            kept.append(asset)
        context["script_files"] = kept
    description = _description(doctree) or app.config.html_title or app.config.project
    context["metatags"] = (context.get("metatags", "") +
                           f'\n<meta name="description" content="{html.escape(description)}" />')


# One icon of a Font Awesome pack: name: [width, height, [aliases], unicode, path(s)]
ICON = re.compile(r'"?([a-z0-9-]+)"?:\[(\d+),(\d+),\[([^\]]*)\],"([0-9a-f]+)",'
                  r'("(?:[^"\\]|\\.)*"|\[(?:"(?:[^"\\]|\\.)*",?)*\])\]')
ICON_CLASS = re.compile(r"\bfa-([a-z0-9-]+)")


def subset_icons(script: str, used: set[str]) -> str:
    """The Font Awesome bundle ``script`` without the icons whose names and aliases are unused."""
    parts, position = [], 0
    for match in ICON.finditer(script):
        names = {match.group(1), *re.findall(r'"([a-z0-9-]+)"', match.group(4))}
        if names & used:
            continue
        start, end = match.start(), match.end()
        if script[end:end + 1] == ",":
            end += 1
        elif script[start - 1:start] == "," and start - 1 >= position:
            start -= 1
        parts.append(script[position:start])
        position = end
    parts.append(script[position:])
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", "".join(parts))


def _subset_fontawesome(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    script = static / "scripts" / "fontawesome.js"
    if not script.is_file():
        return
    used: set[str] = set()
    for path in [*Path(app.outdir).rglob("*.html"), *static.rglob("*.js")]:
        if path != script:
            used |= set(ICON_CLASS.findall(path.read_text(errors="ignore")))
    script.write_text(subset_icons(script.read_text(), used))


def setup(app):
    app.connect("config-inited", _hide_header_search)
    app.connect("doctree-resolved", _fix_doctree)
    app.connect("html-page-context", _fix_page, priority=950)
    app.connect("build-finished", _subset_fontawesome)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
