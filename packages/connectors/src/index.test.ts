import { connectorMetaSchema } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { connectors } from ".";

describe("the connector registry", () => {
  it.each(Object.entries(connectors))("%s declares metadata that the core schema keeps whole", (platform, connector) => {
    expect(connector.meta.platform).toBe(platform);
    // What /api/connectors answers is parsed with this schema: nothing may be dropped or refused.
    expect(connectorMetaSchema.parse(connector.meta)).toEqual(connector.meta);
  });

  it.each(Object.entries(connectors))("%s refuses empty credentials", (_platform, connector) => {
    expect(connector.credentials.safeParse({}).success).toBe(false);
  });
});
