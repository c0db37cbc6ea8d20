"""Maths typeset while building (book/_ext/static_math.py, MathJax 3 in node).

The extension's rewriting is checked on the markup Sphinx writes for each kind of formula (with
the real MathJax in node), and the built site as a whole: no TeX left, no MathJax script, every
formula with its accessible MathML, and the one style sheet with fonts that exist.
"""

from __future__ import annotations

import re
import sys

import pytest
from nbtools import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import static_math  # noqa: E402

# As Sphinx's mathjax writer emits them: a numbered display equation (with its permalink), an
# amsmath environment (written without delimiters), inline maths with an escaped "<", and a
# notebook's text/latex output.
LABELLED = ('<div class="math notranslate nohighlight" id="equation-conv">\n'
            '<span class="eqno">(4.1)<a class="headerlink" href="#equation-conv" '
            'title="Link to this equation">#</a></span>\\[y_{ij} = \\sum_k w_k x_{i+k}\\]</div>')
AMSMATH = ('<div class="math notranslate nohighlight" id="equation-two">\n'
           '\\begin{align} a &amp;= b \\\\ c &amp;&lt; d \\end{align}</div>')
INLINE = ('<p>If <span class="math notranslate nohighlight">\\(a &lt; b\\)</span>, see '
          '<a class="reference internal" href="#equation-conv">(4.1)</a>.</p>')
OUTPUT = ('<div class="output text_latex math notranslate nohighlight">'
          '\\[\\begin{split}\\displaystyle \\left[\\begin{matrix}1 &amp; 2\\end{matrix}\\right]'
          '\\end{split}\\]</div>')
TEX_LEFT = re.compile(r"\\\(|\\\[|\$\$")


def render(text: str) -> str:
    formulas = sorted(set(static_math.find_math(text)))
    rendered, errors, css = static_math.typeset(formulas, "fonts")
    assert not errors, errors
    assert "@font-face" in css and 'url("fonts/' in css, "the style sheet draws no MathJax font"
    return static_math.replace_math(text, dict(zip(formulas, rendered, strict=True)))


def test_each_kind_of_formula_is_found_with_its_mode():
    found = static_math.find_math(LABELLED + AMSMATH + INLINE + OUTPUT)
    assert [display for _, display in found] == [True, True, False, True]
    assert found[1][0] == r"\begin{align} a &= b \\ c &< d \end{align}", "HTML not unescaped"
    assert found[2][0] == "a < b"


@pytest.mark.parametrize("snippet", [LABELLED, AMSMATH, INLINE, OUTPUT],
                         ids=["labelled", "amsmath", "inline", "text_latex"])
def test_formula_is_typeset_with_its_accessible_form(snippet):
    out = render(snippet)
    assert not TEX_LEFT.search(out), f"TeX left in {out[:300]}"
    assert out.count("<mjx-container") == 1
    display = 'display="true"' in out
    assert display == snippet.startswith("<div"), "display and inline maths mixed up"
    assert out.count("<mjx-assistive-mml") == 1 and "<math " in out, "no MathML for readers"
    drawn = re.findall(r"<mjx-math\b[^>]*>", out)
    assert drawn and all('aria-hidden="true"' in m for m in drawn), "glyphs read out twice"
    assert "<mjx-merror" not in out
    size = re.search(r'<mjx-container [^>]*style="font-size: ([\d.]+)%', out)
    assert size and 110 <= float(size.group(1)) <= 130, \
        "the maths is not scaled to the x-height of the text around it, as MathJax does"


def test_equation_number_anchor_and_reference_survive():
    out = render(LABELLED + INLINE)
    assert out.startswith('<div class="math notranslate nohighlight" id="equation-conv">\n'
                          '<span class="eqno">(4.1)<a class="headerlink" href="#equation-conv"')
    assert '<a class="reference internal" href="#equation-conv">(4.1)</a>' in out
    assert "<mi>y</mi>" in out and "<mo>&lt;</mo>" in out, "the MathML lost the formula"


def test_a_formula_mathjax_cannot_read_is_reported():
    rendered, errors, _ = static_math.typeset([("x", False), (r"\undefinedmacro{x}", False)], "f")
    assert len(rendered) == 2
    assert [index for index, _ in errors] == [1] and "undefinedmacro" in errors[0][1]


def test_built_pages_carry_typeset_maths_and_no_mathjax(site):
    css = (site / "_static" / "maths.css").read_text()
    fonts = re.findall(r'url\("?([^")]+\.woff)', css)
    assert fonts, "the maths style sheet names no font"
    missing = [f for f in fonts if not (site / "_static" / f).resolve().is_file()]
    assert not missing, f"fonts named by _static/maths.css and not in the site: {missing}"
    assert not (site / "mathjax-full").exists(), "the node copy of MathJax is published"
    typeset = 0
    for page in site.rglob("*.html"):
        name = page.relative_to(site).as_posix()
        if name.startswith(("_static/", "slides/", "mathjax/", "reveal.js/")):
            continue
        text = page.read_text()
        scripts = re.findall(r"<script\b[^>]*>(?:.*?)</script>", text, re.DOTALL)
        assert not [s for s in scripts if "mathjax" in s.lower()], f"{name}: loads MathJax"
        prose = re.sub(r"<(script|pre|code)\b.*?</\1>", "", text, flags=re.DOTALL)
        left = [prose[max(0, m.start() - 60):m.end() + 60] for m in TEX_LEFT.finditer(prose)]
        assert not left, f"{name}: TeX not typeset: {left[:3]}"
        containers = text.count("<mjx-container")
        assert text.count("<mjx-assistive-mml") == containers, f"{name}: maths without MathML"
        assert "<mjx-merror" not in text, f"{name}: a formula failed to typeset"
        assert ("_static/maths.css" in text) == (containers > 0), f"{name}: maths style sheet"
        typeset += containers
    assert typeset > 500, f"only {typeset} formulas typeset in the whole site"


def test_fonts_are_cut_to_the_characters_drawn(tmp_path):
    fonts = ROOT / "_vendor" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    css = ('@font-face {\n  font-family: MJXTEX;\n  src: url("x/MathJax_Main-Regular.woff") '
           'format("woff");\n}\nmjx-c.mjx-c78::before {\n  content: "x";\n}\n'
           'mjx-c.mjx-c2211::before {\n  content: "\\2211";\n}\n')
    assert static_math.drawn_characters(css) == {"x", "\u2211"}
    out = static_math.subset_fonts(css, fonts, tmp_path / "maths-fonts")
    assert 'url("maths-fonts/MathJax_Main-Regular.woff")' in out
    from fontTools.ttLib import TTFont

    cut = tmp_path / "maths-fonts" / "MathJax_Main-Regular.woff"
    cmap = TTFont(cut).getBestCmap()
    assert ord("x") in cmap and ord("Q") not in cmap, "the font was not cut to what is drawn"
    assert cut.stat().st_size < (fonts / cut.name).stat().st_size / 2
    first = cut.read_bytes()
    static_math.subset_fonts(css, fonts, tmp_path / "maths-fonts")
    assert cut.read_bytes() == first, "cutting the fonts is not deterministic"
