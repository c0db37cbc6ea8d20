// Typeset TeX to HTML (MathJax 3's CHTML output, with its assistive MathML) at build time.
// Used by book/_ext/static_math.py; the pages then carry rendered maths and load no MathJax.
//
//   node book/_ext/typeset_math.cjs MATHJAX_JS_DIR < request.json > result.json
//
// request.json: {"formulas": [[tex, display], ...], "fontURL": "...", "output": "chtml" or "svg"}
// result.json:  {"html": [...], "errors": [[index, message], ...], "css": "..."}: one
// <mjx-container> per formula, in order, and one style sheet for all of them (the characters
// they use, and fonts from fontURL). A formula MathJax cannot read gets an error, not a guess.
"use strict";
const path = require("path");
const fs = require("fs");

const dir = path.resolve(process.argv[2]);
const load = (name) => require(path.join(dir, name));
const { mathjax } = load("mathjax.js");
const { TeX } = load("input/tex.js");
const { CHTML } = load("output/chtml.js");
const { SVG } = load("output/svg.js");
const { liteAdaptor } = load("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = load("handlers/html.js");
const { AssistiveMmlHandler } = load("a11y/assistive-mml.js");
// The TeX packages of MathJax's browser component (tex-mml-chtml), mhchem aside (chemistry,
// which the book does not use, needs another npm package); loading them registers them.
const PACKAGES = ["base", "ams", "newcommand", "configmacros", "boldsymbol", "cancel", "cases",
  "color", "mathtools", "textmacros", "upgreek", "braket", "bbox", "enclose", "unicode"];
for (const name of PACKAGES) {
  const file = fs.readdirSync(path.join(dir, "input/tex", name))
    .find((f) => /Configuration\.js$/.test(f));
  load(path.join("input/tex", name, file));
}

const request = JSON.parse(fs.readFileSync(0, "utf8"));
const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
const errors = [];
let current = -1;
const tex = new TeX({
  packages: PACKAGES,
  formatError: (jax, error) => {
    errors.push([current, error.message]);
    return jax.formatError(error);
  },
});
const output = request.output === "svg"
  ? new SVG({ fontCache: "local" })
  : new CHTML({ fontURL: request.fontURL, adaptiveCSS: true });
const doc = mathjax.document("", { InputJax: tex, OutputJax: output });

// The x-height of the page's text font relative to its size (system-ui fonts: Segoe UI 0.50,
// San Francisco 0.52, DejaVu Sans 0.56). In the browser MathJax measured it and scaled the maths
// to match (127% with DejaVu Sans); here the maths is scaled for a typical one.
const EX_HEIGHT = 0.53;
const scale = EX_HEIGHT / output.font.params.x_height;
const html = request.formulas.map(([source, display], index) => {
  current = index;
  const node = doc.convert(source, { display, em: 16, ex: 16 * EX_HEIGHT, scale,
    containerWidth: 80 * 16 });
  return adaptor.outerHTML(node);
});
const css = adaptor.textContent(output.styleSheet(doc));
process.stdout.write(JSON.stringify({ html, errors, css }));
