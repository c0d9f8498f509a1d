// A value map named by a bare number (`map(2024)`) is refused at save with a message to quote it:
// a number where text is meant was taken for no name at all (the save checked no map, the run loaded
// none, and every record failed). Before session 25 (its audit) it compiled.
import { describe, expect, it } from "vitest";
import { target, variant } from "../../test/compile-helpers";
import { catalog } from "../../test/fake-catalog";
import { compileScheme, planValueMaps } from ".";

const withDescription = (template: string) =>
  variant((d) => {
    target(d).config.mapping.FDescription = template;
  });

describe("map() with a number for its name", () => {
  it("is refused at save, naming the quoting, whether or not a map of that name exists", () => {
    for (const maps of [new Set(["仓库对照"]), new Set(["2024"])]) {
      const bare = compileScheme(withDescription("{{note | map(2024)}}"), { ...catalog, valueMaps: maps });
      expect(bare.ok).toBe(false);
      if (!bare.ok) expect(bare.issues.map((i) => i.message).join("\n")).toContain("带引号的文本，例如 '2024'");
    }
    // Quoted, the name is checked against the maps there are, and loaded for the runs.
    expect(compileScheme(withDescription("{{note | map('2024')}}"), { ...catalog, valueMaps: new Set(["仓库对照"]) }).ok).toBe(false);
    const quoted = compileScheme(withDescription("{{note | map('2024')}}"), { ...catalog, valueMaps: new Set(["2024"]) });
    expect(quoted.ok).toBe(true);
    if (quoted.ok) expect(planValueMaps(quoted.plan)).toContain("2024");
  });
});
