// The boundary rule refuses what it must and nothing else, run through ESLint's Node API with the
// repository's own configuration on small fixtures (files that need not exist on disk).
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport { x };\n`, { filePath: `${root}${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

// The first lint loads the whole configuration (typescript-eslint included): seconds on a loaded machine.
describe("import boundaries", { timeout: 30_000 }, () => {
  it.each([
    ["apps/web/src/server/fixture.ts", 'import { x } from "@qiao/worker";', "apps/web may import only @qiao/core"],
    ["apps/web/src/server/fixture.ts", 'import { x } from "@qiao/engine";', "apps/web may import only"],
    ["apps/bench/src/fixture.ts", 'import { x } from "@qiao/worker";', "apps/bench may import"],
    ["apps/worker/src/fixture.ts", 'import { x } from "@qiao/web";', "apps/worker may import only"],
    ["packages/db/src/fixture.ts", 'import type { x } from "@qiao/web";', "packages/db may import only"],
    ["packages/core/src/fixture.ts", 'import { x } from "@qiao/db";', "none of our packages"],
    ["packages/jobs/src/fixture.ts", 'import { x } from "@qiao/engine";', "packages/jobs may import only @qiao/core, @qiao/db"],
    ["packages/engine/src/fixture.ts", 'import { x } from "@qiao/simulators";', "packages/engine may import only"],
    ["apps/worker/src/fixture.ts", 'import { x } from "@qiao/db/testing";', "apps/worker may import only"],
    ["packages/jobs/src/fixture.test.ts", 'import { x } from "@qiao/worker";', "in its tests only"],
    ["packages/jobs/src/fixture.ts", 'import { x } from "../../../apps/worker/src/worker";', "never by a relative path"],
  ])("%s: %s is refused", async (file, source, says) => {
    const errors = await boundaryErrors(file, source);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(says);
  });

  it.each([
    ["apps/web/src/server/fixture.ts", 'import { x } from "@qiao/jobs";'],
    ["apps/worker/src/fixture.ts", 'import { x } from "@qiao/engine";'],
    ["packages/jobs/src/fixture.ts", 'import { x } from "@qiao/db";'],
    ["packages/engine/src/testing/fixture.ts", 'import { x } from "@qiao/simulators";'],
    ["packages/jobs/src/fixture.test.ts", 'import { x } from "@qiao/engine/testing";'],
    ["apps/web/e2e/fixture.ts", 'import { x } from "@qiao/db/testing";'],
    ["apps/bench/src/fixture.ts", 'import { x } from "@qiao/simulators";'],
    ["apps/web/src/server/fixture.ts", 'import { x } from "./queue";'],
  ])("%s: %s is allowed", async (file, source) => {
    expect(await boundaryErrors(file, source)).toEqual([]);
  });
});
