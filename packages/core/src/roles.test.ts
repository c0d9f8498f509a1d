import { describe, expect, it } from "vitest";
import { hasRole, lowerRole, ROLES } from "./roles";

describe("roles", () => {
  it("orders viewer < editor < admin", () => {
    expect(ROLES.filter((r) => hasRole(r, "editor"))).toEqual(["editor", "admin"]);
    expect(ROLES.filter((r) => hasRole("editor", r))).toEqual(["viewer", "editor"]);
    expect(ROLES.every((r) => hasRole("admin", r) && hasRole(r, "viewer"))).toBe(true);
  });

  it("takes the lower of two roles, whichever comes first", () => {
    expect(lowerRole("admin", "viewer")).toBe("viewer");
    expect(lowerRole("viewer", "admin")).toBe("viewer");
    expect(lowerRole("editor", "admin")).toBe("editor");
    expect(lowerRole("admin", "admin")).toBe("admin");
  });
});
