// `npm run build -w @qiao/worker`: the worker as one ES module, dist/main.mjs, for `npm start`, the
// Docker image and the benchmark. Our workspace packages (TypeScript sources) are bundled in; every
// third-party dependency stays external and loads from node_modules as usual. Running the bundle
// instead of `node --import tsx src/main.ts` saves tsx's loader thread and its transpiling at start:
// about 40 MB of the idle worker's RSS. `npm run dev` and the tests still run the sources.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const manifests = ["apps/worker", "packages/alerts", "packages/db", "packages/engine", "packages/jobs", "packages/core", "packages/connectors"];
const external = new Set();
for (const dir of manifests) {
  const { dependencies = {} } = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  for (const name of Object.keys(dependencies)) if (!name.startsWith("@qiao/")) external.add(name).add(`${name}/*`);
}

await build({
  entryPoints: [join(here, "src/main.ts")],
  outfile: join(here, "dist/main.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: [...external],
  // Bundled CommonJS-style code (none of ours, but a dependency's helper may be) gets a require.
  banner: { js: "import { createRequire as __qiaoCreateRequire } from 'node:module'; const require = __qiaoCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
