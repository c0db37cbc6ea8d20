"""The site as a reader meets it: accessibility (axe-core, keyboard), layout at 1280 px and
375 px, dark mode, figures, solutions and search. Headless Debian Chromium via Playwright.

axe-core is vendored from the npm registry into _vendor/axe-core/ by scripts/setup.sh and
injected into each page by the test (the published site does not carry it).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from nbtools import CHAPTERS, ROOT, toc_files

from helpers import conv

AXE = sorted((ROOT / "_vendor" / "axe-core").glob("axe-*.min.js"))
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 375, "height": 740}

# axe-core findings of impact "minor" or "moderate" that we accept, each with its reason.
# Critical and serious findings are never accepted.
AXE_ALLOWED: dict[str, str] = {}

PAGES = [*toc_files(), "search", "genindex"]
FILE_NAME = re.compile(r"(^|/)[\w.-]+\.(png|svg|jpe?g|gif|webp)$", re.IGNORECASE)


def scroll_through(page) -> None:
    """Scroll from top to bottom and back, one screen at a time, as a reader does. A chapter's
    sections are laid out when they first come near the screen (content-visibility: auto) and
    then keep their size, so nothing moves under axe when it scrolls to each text it checks."""
    page.evaluate("""async () => {
        const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight) {
            scrollTo(0, y);
            await frame();
        }
        scrollTo(0, 0);
        await frame();
    }""")


def axe_violations(page) -> list[dict]:
    assert AXE, "axe-core is not vendored: run bash scripts/setup.sh"
    scroll_through(page)
    page.add_script_tag(content=AXE[-1].read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG_TAGS)
    return result["violations"]


def describe(violation: dict) -> str:
    nodes = "; ".join(n["html"][:120] for n in violation["nodes"][:3])
    return f"{violation['impact']} {violation['id']} ({len(violation['nodes'])}x): {nodes}"


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_fits(visit, server, site, name):
    """axe-core WCAG 2.1 A/AA; content images with alt text; code that fits the column at
    1280 px; no otter marker lines; a meta description; maths typeset at build time (no
    MathJax script, no TeX left, MathML for screen readers); the page fits a 375 px phone."""
    page, _, errors = visit(f"{server}/{name}.html")
    try:
        page.wait_for_load_state("networkidle")
        bad = [v for v in axe_violations(page)
               if v["impact"] in ("critical", "serious") or v["id"] not in AXE_ALLOWED]
        assert not bad, f"{name}: axe-core WCAG 2.1 AA violations:\n" + "\n".join(
            map(describe, bad))

        images = page.eval_on_selector_all(
            "article.bd-article img", "imgs => imgs.map(i => [i.getAttribute('src'), i.alt])")
        no_alt = [src[:80] for src, alt in images
                  if not alt.strip() or FILE_NAME.search(alt.strip()) or alt.strip() == src]
        assert not no_alt, f"{name}: images without an alt text that says what they show: {no_alt}"

        wide = page.evaluate("""() => Array.from(document.querySelectorAll('article pre'))
            .filter(p => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
            .map(p => p.textContent.split('\\n').reduce((a, b) => a.length > b.length ? a : b))""")
        assert not wide, f"{name}: code that scrolls sideways at 1280 px, longest lines: {wide}"

        code = "\n".join(page.locator("article.bd-article pre").all_text_contents())
        assert not re.search(r"#\s*(BEGIN|END) SOLUTION|# SOLUTION\s*$", code, re.MULTILINE), \
            f"{name}: otter's solution markers are shown"

        description = page.get_attribute("meta[name=description]", "content") or ""
        assert len(description) >= 20, f"{name}: no meta description ({description!r})"

        # Maths typeset when the site was built: no MathJax script, no TeX left in the text,
        # and every formula readable by a screen reader (its MathML; the glyphs hidden).
        scripts = page.eval_on_selector_all("script", "s => s.map(x => x.src || x.text)")
        assert not [s for s in scripts if "mathjax" in s.lower()], f"{name}: loads MathJax"
        tex = page.evaluate(r"""() => {
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            const left = [];
            while (walker.nextNode()) {
                const text = walker.currentNode.textContent;
                if (walker.currentNode.parentElement.closest('pre, code, script, style')) continue;
                if (/\\\(|\\\[|\$\$/.test(text)) left.push(text.trim().slice(0, 80));
            }
            return left;
        }""")
        assert not tex, f"{name}: TeX not typeset: {tex[:3]}"
        unreadable = page.evaluate("""() => Array.from(document.querySelectorAll('mjx-container'))
            .filter(c => {
                const math = c.querySelector('mjx-assistive-mml > math');
                const drawn = c.querySelector('mjx-math');
                return !math || !math.textContent.trim()
                    || drawn.getAttribute('aria-hidden') !== 'true';
            }).length""")
        assert not unreadable, f"{name}: {unreadable} formulas without their MathML for readers"

        # A phone, 375 px: no sideways scrolling of the page; a chapter number stays with its
        # title.
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name}: the page is {width} px wide at 375 px"
        too_wide = page.evaluate("""() => Array.from(document.querySelectorAll(
                'article.bd-article .animation, article.bd-article img, .conv-explorer'))
            .filter(e => e.offsetParent !== null)
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .map(e => e.className || e.tagName)""")
        assert not too_wide, f"{name}: wider than the screen at 375 px: {too_wide}"
        # A section laid out only near the screen clips what overflows it instead of widening
        # the page: its content's width tells.
        wide_sections = page.evaluate("""() => Array.from(document.querySelectorAll(
                'article.bd-article section'))
            .filter(s => s.getBoundingClientRect().left + s.scrollWidth
                         > document.documentElement.clientWidth + 1)
            .map(s => s.id)""")
        assert not wide_sections, f"{name}: content wider than the screen at 375 px in the " \
            f"sections {wide_sections}"
        number_alone = page.evaluate("""() => {
            const h1 = document.querySelector('article.bd-article h1');
            const number = h1 && h1.querySelector('.section-number');
            if (!number || !number.nextSibling) return false;
            const range = document.createRange();
            range.setStart(number.nextSibling, 0);
            range.setEnd(number.nextSibling, 1);
            return Math.abs(range.getBoundingClientRect().top
                            - number.getBoundingClientRect().top) > 2;
        }""")
        assert not number_alone, f"{name}: the chapter number is on a line of its own"
        assert not errors, f"{name}: {errors}"
    finally:
        page.close()


def test_no_second_top_bar_with_a_search_box(visit, server, site):
    page, _, _ = visit(f"{server}/chapters/{CHAPTERS[0].stem}.html")
    try:
        visible = [b for b in page.locator(".search-button-field, .search-button").all()
                   if b.is_visible()]
        assert len(visible) == 1, f"{len(visible)} search fields are visible at 1280 px"
        header = page.locator("header.bd-header")
        assert header.count() == 0 or header.bounding_box() is None \
            or header.bounding_box()["height"] < 1, "the empty top bar is shown"
    finally:
        page.close()


def _solutions(page):
    return page.locator("div.solution.toggle")


def test_solution_title_link_and_keyboard(visit, server, site):
    """A solution opens from the keyboard; the exercise link in its title works, throws nothing
    and leaves other open solutions open."""
    page, _, errors = visit(f"{server}/chapters/03_convolution.html")
    try:
        solutions = _solutions(page)
        assert solutions.count() >= 2, "chapter 3 should have at least two solutions"
        first, second = solutions.nth(0), solutions.nth(1)
        button = first.locator(".toggle-button")
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true", "Enter did not open the solution"
        assert "toggle-hidden" not in (first.get_attribute("class") or "")
        link = second.locator(".admonition-title a").first
        target = link.get_attribute("href")
        link.click()
        page.wait_for_timeout(300)
        assert "toggle-hidden" not in (first.get_attribute("class") or ""), \
            "clicking a link in another solution's title closed this solution"
        assert page.url.endswith(target), f"the link did not go to {target}: {page.url}"
        assert not errors, errors
    finally:
        page.close()


def test_animation_works_from_the_keyboard(visit, server, site):
    page, _, errors = visit(f"{server}/chapters/04_conv_layers.html")
    try:
        slider = page.locator(".animation input.anim-slider")
        assert slider.count() == 1
        assert slider.get_attribute("aria-label"), "the animation's slider has no label"
        image = page.locator(".animation img")
        assert len(image.get_attribute("alt") or "") > 20, "the animation has no alt text"
        first_frame = image.get_attribute("src")
        page.locator(".animation button[aria-label='Next frame']").focus()
        page.keyboard.press("Enter")
        assert slider.input_value() == "1" and image.get_attribute("src") != first_frame
        slider.focus()
        page.keyboard.press("ArrowRight")
        assert slider.input_value() == "2", "the arrow key did not move the animation"
        assert not errors, errors
    finally:
        page.close()


def _luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(color: str, background: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(...)`` colours (1 to 21)."""
    a, b = sorted([_luminance(color), _luminance(background)])
    return (b + 0.05) / (a + 0.05)


def test_search_results_are_clean_and_legible_in_dark_mode(visit, server, site):
    page, _, errors = visit(f"{server}/search.html?q=convolution", dark=True)
    try:
        page.wait_for_selector("#search-results ul.search li p.context", timeout=20000)
        page.wait_for_function("document.querySelectorAll('#search-results li').length > 3 && "
                               "!document.querySelector('#search-progress')?.textContent.trim()")
        page.wait_for_timeout(1500)  # the snippets arrive one by one
        hrefs = page.eval_on_selector_all("#search-results li > a:first-of-type",
                                          "links => links.map(a => a.getAttribute('href'))")
        targets = [h.split("?")[0] + ("#" + h.split("#")[1] if "#" in h else "") for h in hrefs]
        assert len(targets) == len(set(targets)), f"duplicate search results: {targets}"
        snippets = page.locator("#search-results p.context").all_text_contents()
        noisy = [s[:80] for s in snippets if ".pdf" in s or re.search(r"\bContents\b", s)]
        assert not noisy, f"search snippets read the page's toolbar: {noisy}"
        pairs = page.eval_on_selector_all("#search-results .highlighted", """els => els.map(e => {
            let bg = getComputedStyle(e).backgroundColor, n = e;
            while (bg === 'rgba(0, 0, 0, 0)' && n.parentElement) {
                n = n.parentElement; bg = getComputedStyle(n).backgroundColor; }
            return [getComputedStyle(e).color, bg]; })""")
        assert pairs, "no highlighted search terms"
        for color, background in pairs:
            ratio = _contrast(color, background)
            assert ratio >= 4.5, f"highlighted term {color} on {background}: {ratio:.2f}:1"
        assert not errors, errors
    finally:
        page.close()


def _composite(layers: list[str]) -> str:
    """The colour seen through CSS background ``layers`` (innermost first, the last opaque)."""
    rgb = [0.0, 0.0, 0.0]
    for layer in reversed(layers):
        values = [float(v) for v in re.findall(r"[\d.]+", layer)]
        alpha = values[3] if len(values) > 3 else 1.0
        rgb = [alpha * v + (1 - alpha) * c for v, c in zip(values[:3], rgb, strict=True)]
    return "rgb({:.0f}, {:.0f}, {:.0f})".format(*rgb)


def test_maths_legible_in_dark_mode(visit, server, site):
    """Typeset maths takes the text's colour: every drawn glyph of chapter 4 has 4.5:1 contrast
    with what is behind it in dark mode (as in light mode, where the axe audit checks text)."""
    page, _, errors = visit(f"{server}/chapters/04_conv_layers.html", dark=True)
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        # the colour and the backgrounds behind each glyph, up to the first opaque one
        pairs = page.eval_on_selector_all("article mjx-c", """els => els.map(e => {
            const layers = [];
            for (let n = e; n; n = n.parentElement) {
                const bg = getComputedStyle(n).backgroundColor;
                if (bg === 'rgba(0, 0, 0, 0)') continue;
                layers.push(bg);
                if (!bg.startsWith('rgba')) break;
            }
            return [getComputedStyle(e).color, layers.join(';')]; })""")
        assert len(pairs) > 100, f"only {len(pairs)} glyphs of maths on chapter 4"
        for color, layers in set(map(tuple, pairs)):
            background = _composite(layers.split(";"))
            ratio = _contrast(color, background)
            assert ratio >= 4.5, f"maths in {color} on {background}: {ratio:.2f}:1"
        assert not errors, errors
    finally:
        page.close()


# (input size, kernel size, stride, padding, dilation): stride that does not divide, padding
# wider than the kernel's reach, dilation, a 1x1 kernel, and a window larger than the input.
EXPLORER_SETTINGS = [(7, 3, 2, 1, 1), (4, 5, 1, 0, 1), (8, 3, 3, 2, 2), (6, 1, 2, 0, 1),
                     (5, 3, 1, 0, 1)]


@pytest.mark.parametrize("chapter", ["03_convolution", "04_conv_layers"])
def test_convolution_explorer_matches_helpers_conv(visit, server, site, chapter):
    """Set every option from the keyboard, step and play: the sizes, the sums and every shown
    output pixel equal helpers.conv.conv2d on the explorer's input and kernel."""
    page, _, errors = visit(f"{server}/chapters/{chapter}.html")
    try:
        explorer = page.locator(".conv-explorer")
        assert explorer.count() == 1, f"{chapter}: no convolution explorer"
        for n, k, stride, padding, dilation in EXPLORER_SETTINGS:
            for label, value in [("Input size", n), ("Kernel size", k), ("Stride", stride),
                                 ("Padding", padding), ("Dilation", dilation)]:
                field = explorer.get_by_label(label)
                field.focus()
                page.keyboard.press("Control+A")
                page.keyboard.type(str(value))
                page.keyboard.press("Tab")  # the change is applied when the field is left
            state = explorer.evaluate("e => e.convExplorer.state()")
            assert state["settings"] == {"n": n, "k": k, "stride": stride, "padding": padding,
                                         "dilation": dilation}, state["settings"]
            x, w = np.array(state["x"], float), np.array(state["w"], float)
            caption = explorer.locator("table.conv-output caption").inner_text()
            if n + 2 * padding < dilation * (k - 1) + 1:  # the window does not fit
                with pytest.raises(ValueError):
                    conv.conv2d(x[None], w[None, None], stride=stride, padding=padding,
                                dilation=dilation)
                assert caption == "Output 0 × 0", caption
                assert "no output" in explorer.locator(".conv-status").inner_text()
                continue
            expected = conv.conv2d(x[None], w[None, None], stride=stride, padding=padding,
                                   dilation=dilation)[0]
            side = conv.conv_output_size(n, k, stride, padding, dilation)
            assert expected.shape == (side, side)
            assert caption == f"Output {side} × {side}", caption
            assert np.array_equal(np.array(state["output"], float), expected), state["output"]
            explorer.get_by_role("button", name="Next step").focus()
            page.keyboard.press("Enter")
            page.keyboard.press("Enter")
            shown = explorer.evaluate("e => e.convExplorer.state()")
            if side > 1:  # the second step: output (0, 1) and its products
                sum_text = shown["sum"]
                assert sum_text.startswith("y(0, 1) = "), sum_text
                assert sum_text.endswith(f"= {expected[0, 1]:.0f}"), (sum_text, expected[0, 1])
                assert sum_text.count("·") == k * k, sum_text
            explorer.get_by_role("button", name="All steps").click()
            cells = explorer.locator("table.conv-output td").all_inner_texts()
            assert [float(c) for c in cells] == expected.ravel().tolist()
        explorer.get_by_role("button", name="Reset").click()
        explorer.get_by_role("button", name="Play").click()
        page.wait_for_function("document.querySelector('.conv-explorer').convExplorer"
                               ".state().position >= 2", timeout=10000)
        explorer.get_by_role("button", name="Pause").click()
        assert not errors, errors
    finally:
        page.close()


def test_no_page_needs_another_host(site):
    """No page loads a script, style sheet or widget state from another host (the browser tests
    also block and report any such request): tqdm's notebook widgets, for instance, would load
    require.js and the widget manager from CDNs."""
    remote = re.compile(r"<(script|link)\b[^>]*\b(src|href)=\"(https?:)?//", re.IGNORECASE)
    for page in site.rglob("*.html"):
        text = page.read_text(errors="ignore")
        found = [m.group(0) for m in remote.finditer(text)
                 if "rel=\"canonical\"" not in m.group(0)]
        assert not found, f"{page.relative_to(site)} loads from another host: {found[:3]}"


def test_pages_stay_light(site):
    """What made chapter 4 slow on a phone (Lighthouse, mobile): its animation's frames as base64
    text inside the page, blocking scripts in the head, the search index on every page, the
    icon fonts that the theme's glyph rules fetched, figures below the first screen fetched
    before the first paint, and the theme's script measuring every block at load. Checked on
    the built files."""
    for page in site.rglob("*.html"):
        name = str(page.relative_to(site))
        if name.startswith(("_static/", "slides/")):  # theme templates; reveal.js decks
            continue
        text = page.read_text(errors="ignore")
        embedded = re.findall(r"data:image/[\w+.-]+;base64,[A-Za-z0-9+/=\\\n]{2000,}", text)
        assert not embedded, f"{name}: {len(embedded)} images embedded as base64 text"
        head = text.split("</head>", 1)[0]
        blocking = [src for src in re.findall(r"<script\b([^>]*)\bsrc=\"([^\"]+)\"", head)
                    if "defer" not in src[0] and "async" not in src[0]
                    and not src[1].split("?")[0].endswith("documentation_options.js")]
        eager = [tag[:80] for tag in re.findall(r"<img\b[^>]*>", text.split("<article", 1)[-1])
                 if 'loading="lazy"' not in tag and 'id="_anim_img' not in tag]
        assert not eager, f"{name}: figures fetched before they come near the screen: {eager}"
        if name != "search.html":
            assert not blocking, f"{name}: scripts that block the first paint: {blocking}"
            assert "searchindex.js" not in text, f"{name}: loads the search index"
    theme = (site / "_static" / "scripts" / "pydata-sphinx-theme.js").read_text()
    assert "requestIdleCallback" in theme and "e.tabIndex=e.scrollWidth>" not in theme, \
        "the theme's script measures every scrollable block in one task at load"
    css = (site / "_static" / "styles" / "pydata-sphinx-theme.css").read_text()
    glyphs = re.findall(r'\.fa-[a-z0-9-]+:before\{content:"', css)
    assert not glyphs, f"the theme's style sheet still has {len(glyphs)} icon-font glyph rules"


@pytest.mark.parametrize("name", ["book/intro", "chapters/04_conv_layers"])
def test_only_the_icons_used_are_loaded_and_all_of_them_show(visit, server, site, name):
    script = site / "_static" / "scripts" / "fontawesome.js"
    size = script.stat().st_size
    assert size < 200_000, f"the icon script is {size:,} bytes: unused icons were not dropped"
    page, _, errors = visit(f"{server}/{name}.html")
    try:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        left = page.eval_on_selector_all(
            "i[class*='fa-'], span[class*='fa-solid'], span[class*='fa-brands']",
            "icons => icons.filter(i => !i.closest('svg')).map(i => i.className)")
        assert not left, f"{name}: icons not drawn: {left}"
        drawn = page.locator("svg.svg-inline--fa").count()
        assert drawn >= 5, f"{name}: only {drawn} icons drawn"
        assert not errors, errors
    finally:
        page.close()
