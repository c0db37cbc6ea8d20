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
* a page loads MathJax only when it has maths (none does when ``static_math`` typesets the
  maths while building), and the convolution explorer's script only when it shows the explorer;
* a chapter number stays on the line of its title (a no-break space);
* every page has a meta description (its first paragraph);
* the theme's Font Awesome script keeps only the icons the site uses (about 1.5 MB less on
  every page);
* pages paint before their scripts run: every script file is deferred (``defer`` keeps their
  order; only ``documentation_options.js``, which an inline script reads at once, stays
  blocking), and Sphinx's search index and tools, which the theme loads on every page for a
  search-as-you-type that the book does not use, load on the search page only;
* an animation's frames are image files beside the page's figures, loaded when shown, not
  base64 text in the page (chapter 4's animation made up most of its HTML); figures load when
  they come near the screen (``loading="lazy"``; chapter 4 fetched 200 kB of figures below the
  first screen before its first paint on a phone);
* code keeps a highlighting ``<span>`` only where it changes the colour: the tokens that both
  code styles (light and dark) draw in the code's own colour (names, punctuation, spaces) are
  plain text, half of a chapter's elements;
* Font Awesome draws the icons of the page once and does not watch the page for new ones (no
  script of the site adds icons; watching made it re-scan the page for every formula MathJax
  typesets);
* the theme's check that makes every scrollable block keyboard-focusable (``tabindex=0``)
  measures the blocks a few at a time when the browser is idle, not all at once at the load
  event: measuring a long chapter's thousands of elements in one go laid out the whole page
  (sections off screen included) before its first paint;
* the theme's style sheet loses Font Awesome's glyph rules (``.fa-x:before{content:...}``, 86 kB):
  the icon script draws every ``<i class="fa-...">`` as SVG, and the rules only made the browser
  fetch 270 kB of icon fonts to paint those icons once before the script replaced them.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import struct
from pathlib import Path

from docutils import nodes
from pygments.formatters import HtmlFormatter
from pygments.styles import get_style_by_name
from sphinx.util import logging

logger = logging.getLogger(__name__)

MARKER_LINE = re.compile(r"^\s*# (BEGIN|END) SOLUTION\b.*$")
LINE_MARKER = re.compile(r"\s*# SOLUTION\s*$")
DESCRIPTION_CHARS = 155
# matplotlib's to_jshtml: one frame as a base64 data URL, split over lines with backslashes
ANIM_FRAME = re.compile(r'frames\[(\d+)\] = "data:image/(png|jpeg|svg\+xml);base64,'
                        r'((?:[A-Za-z0-9+/=]|\\\n)+)"')
# ... and its player, which preloads every frame as soon as the page is parsed
ANIM_PRELOAD = re.compile(r"this\.frames\[i\] = new Image\(\);\s*"
                          r"this\.frames\[i\]\.src = frames\[i\];")
PLAIN_CANDIDATES = ("n", "p", "w")  # Name, Punctuation, Text.Whitespace
STYLE_RULE = re.compile(r"^\.highlight(?: \.(\w+))? \{ ([^}]*) \}", re.MULTILINE)
FA_GLYPH_RULE = re.compile(r'(?:\.fa-[a-z0-9-]+:(?:before|after),?)+\{content:"[^"]*"\}')
FRAME_SUFFIX = {"png": "png", "jpeg": "jpg", "svg+xml": "svg"}
# Script files that an inline script of the page reads while the page is parsed
BLOCKING_SCRIPTS = ("documentation_options.js",)
SEARCH_SCRIPT = re.compile(r'\s*<script src="[^"]*(?:_static/searchtools|_static/language_data|'
                           r'searchindex)\.js"></script>')


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


def animation_frames_to_files(text: str, images: Path, prefix: str) -> str:
    """matplotlib's animation player ``text`` with its frames written to ``images`` and linked
    as ``prefix + file name``; the player loads a frame when it shows it instead of all of them
    while the page loads (the image gets the frames' width and height, so nothing moves)."""
    size = None

    def write(match):
        nonlocal size
        data = base64.b64decode(match.group(3).replace("\\\n", ""))
        if size is None and data[:8] == b"\x89PNG\r\n\x1a\n":
            size = struct.unpack(">II", data[16:24])
        name = f"anim-{hashlib.sha256(data).hexdigest()[:20]}.{FRAME_SUFFIX[match.group(2)]}"
        images.mkdir(parents=True, exist_ok=True)
        (images / name).write_bytes(data)
        return f'frames[{match.group(1)}] = "{prefix}{name}"'

    text = ANIM_FRAME.sub(write, text)
    text = ANIM_PRELOAD.sub("this.frames[i] = {src: frames[i]};", text)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return re.sub(r'<img id="(_anim_img\w+)"', rf'<img id="\1"{dimensions}', text)


def plain_token_classes(style_names) -> set[str]:
    """Pygments token classes (of PLAIN_CANDIDATES) that every style draws exactly as the code
    around them: no rule, or only the code's own colour."""
    plain = set(PLAIN_CANDIDATES)
    for name in style_names:
        defs = HtmlFormatter(style=get_style_by_name(name)).get_style_defs(".highlight")
        rules = {cls: body.strip() for cls, body in STYLE_RULE.findall(defs)}
        base = re.search(r"(?:^|; )color: (#\w+)", rules.get("", ""))
        for cls in PLAIN_CANDIDATES:
            rule = rules.get(cls)
            if rule is not None and not (base and rule == f"color: {base.group(1)}"):
                plain.discard(cls)
    return plain


def unwrap_plain_tokens(body: str, plain: set[str]) -> str:
    """``body`` with ``<span class="p">(</span>`` and the like reduced to their text."""
    if not plain:
        return body
    classes = "|".join(sorted(plain))
    return re.sub(rf'<span class="(?:{classes})">([^<]*)</span>', r"\1", body)


def _code_styles(app) -> list[str]:
    try:
        options = app.builder.theme.get_options(app.config.html_theme_options)
    except Exception:  # another theme or builder: nothing to unwrap
        return []
    return [options[key] for key in ("pygments_light_style", "pygments_dark_style")
            if options.get(key)]


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
        if app.builder.format == "html":
            text = animation_frames_to_files(text, Path(app.outdir) / "_images",
                                             "../" * docname.count("/") + "_images/")
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
        if not hasattr(app, "_reader_site_plain"):
            styles = _code_styles(app)
            app._reader_site_plain = plain_token_classes(styles) if len(styles) == 2 else set()
        body = unwrap_plain_tokens(body, app._reader_site_plain)
        # figures load when they come near the screen (the animation's first frame with the page)
        body = re.sub(r'<img (?![^>]*\b(?:loading=|id="_anim_img))', '<img loading="lazy" ', body)
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
            if (pagename != "search" and getattr(asset, "filename", None)
                    and not name.endswith(BLOCKING_SCRIPTS) and "async" not in asset.attributes):
                asset = type(asset)(asset.filename, priority=asset.priority,
                                    **{**asset.attributes, "defer": "defer"})
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
    css = static / "styles" / "pydata-sphinx-theme.css"
    if css.is_file():
        css.write_text(FA_GLYPH_RULE.sub("", css.read_text()))


# pydata-sphinx-theme.js: at load, every scrollable block (code, outputs, tables) gets
# tabindex 0 so a keyboard can scroll it; it measures all of them in one task.
SCROLLABLE_CHECK = re.compile(
    r'document\.querySelectorAll\((\[[^\]]*\]\.join\(", "\))\)'
    r'\.forEach\(e=>\{e\.tabIndex=e\.scrollWidth>e\.clientWidth\|\|'
    r'e\.scrollHeight>e\.clientHeight\?0:-1\}\)')
# ... the same, a few blocks at a time while the browser is idle (no long task, and sections
# off screen are laid out when their turn comes, not before the first paint)
SCROLLABLE_IDLE = ("(q=>{const r=window.requestIdleCallback||(f=>setTimeout(f,1)),n=()=>{"
                   "const t=performance.now();for(;q.length&&performance.now()-t<20;){"
                   "const s=q.shift(),v=s.scrollWidth>s.clientWidth||"
                   "s.scrollHeight>s.clientHeight?0:-1;s.tabIndex!==v&&(s.tabIndex=v)}"
                   "q.length&&r(n)};r(n)})(Array.from(document.querySelectorAll(\\1)))")


def idle_scrollable_check(script: str) -> str:
    """pydata-sphinx-theme's script with its scrollable-block check done in idle slices;
    ValueError if the check is not found (a new theme version: look again)."""
    patched, count = SCROLLABLE_CHECK.subn(SCROLLABLE_IDLE, script)
    if count != 1:
        raise ValueError("pydata-sphinx-theme.js: the scrollable-block check was not found")
    return patched


def _idle_scrollable_check(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    script = Path(app.outdir) / "_static" / "scripts" / "pydata-sphinx-theme.js"
    if script.is_file() and "requestIdleCallback" not in script.read_text():
        try:
            script.write_text(idle_scrollable_check(script.read_text()))
        except ValueError as error:
            logger.warning(str(error))


def _load_search_on_search_page(app, exception):
    """Drop the search index and tools the theme adds to every page for search-as-you-type
    when that is off (the search dialog sends the reader to search.html, which loads them)."""
    if exception is not None or app.builder.format != "html":
        return
    if app.config.html_theme_options.get("search_as_you_type"):
        return
    outdir = Path(app.outdir)
    for path in outdir.rglob("*.html"):
        if path == outdir / "search.html":
            continue
        text = path.read_text()
        if "DOCUMENTATION_OPTIONS.search_as_you_type = false" not in text:
            continue
        lighter = SEARCH_SCRIPT.sub("", text)
        if lighter != text:
            path.write_text(lighter)


def setup(app):
    app.connect("config-inited", _hide_header_search)
    app.add_js_file(None, body="window.FontAwesomeConfig = {observeMutations: false};",
                    priority=100)
    app.connect("doctree-resolved", _fix_doctree)
    app.connect("html-page-context", _fix_page, priority=950)
    app.connect("build-finished", _subset_fontawesome)
    app.connect("build-finished", _load_search_on_search_page)
    app.connect("build-finished", _idle_scrollable_check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
