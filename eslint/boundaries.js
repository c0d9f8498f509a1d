// Which workspace may import which (issue #15): no app imports another app, no package imports an
// app, and each package imports only the layers below it. The README's architecture picture and
// each workspace's README say the same; this is what keeps them true. `npm run lint` fails on a
// wrong import; eslint/boundaries.test.ts proves it does.
//
// Test fixtures (tests, `testing/` harnesses, e2e, apps/bench) may also import @qiao/simulators:
// the simulators are an app, but they are the ERPs a test talks to, and their exports exist for
// tests. They may import the `/testing` harnesses too, which production code may not.

/** Our packages each workspace's production code may import (their subpaths too, except `/testing`). */
export const MAY_IMPORT = {
  "packages/core": [],
  "packages/connectors": ["core"],
  "packages/db": ["core", "connectors"],
  "packages/engine": ["core", "connectors", "db"],
  "packages/jobs": ["core", "db"],
  "packages/alerts": ["core", "connectors", "db"],
  "apps/web": ["alerts", "core", "connectors", "db", "jobs"],
  "apps/worker": ["alerts", "core", "connectors", "db", "engine", "jobs"],
  "apps/simulators": [],
  "apps/bench": ["core", "connectors", "db", "jobs"],
};

/** Test fixtures inside a workspace; apps/bench (benchmark and soak harness) is one as a whole. */
function fixtures(workspace) {
  if (workspace === "apps/bench") return [`${workspace}/**`];
  return ["**/*.test.ts", "**/*.spec.ts", "**/testing/**", "**/testing.ts", "e2e/**", "test/**"].map((glob) => `${workspace}/${glob}`);
}

const alternatives = (names) => names.join("|") || "(?!)";

function rule(workspace, refused, allowedText) {
  return [
    "error",
    {
      patterns: [
        {
          regex: refused,
          message: `${workspace} may import ${allowedText} (no app imports another app, no package imports an app; see the workspace README). Move shared code into a package.`,
        },
        {
          regex: "^(?:\\.\\./)+(?:apps|packages)/",
          message: "Import another workspace by its package name (@qiao/…), never by a relative path into it.",
        },
      ],
    },
  ];
}

export function boundaryConfigs() {
  return Object.entries(MAY_IMPORT).flatMap(([workspace, names]) => {
    const listed = names.map((n) => `@qiao/${n}`).join(", ") || "none of our packages";
    const production = {
      files: [`${workspace}/**/*.{ts,tsx,js,mjs}`],
      ignores: fixtures(workspace),
      rules: { "no-restricted-imports": rule(workspace, `^@qiao/(?!(?:${alternatives(names)})(?:$|/(?!testing$)))`, `only ${listed}`) },
    };
    const fixture = {
      files: fixtures(workspace),
      rules: {
        "no-restricted-imports": rule(
          workspace,
          `^@qiao/(?!(?:${alternatives([...names, "simulators"])})(?:$|/)|engine/testing$)`,
          `in its tests only ${listed}, their /testing harnesses, @qiao/engine/testing and @qiao/simulators`,
        ),
      },
    };
    return workspace === "apps/bench" ? [fixture] : [production, fixture];
  });
}
