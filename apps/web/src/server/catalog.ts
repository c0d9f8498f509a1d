// The connector catalog as the API and the scheme compiler need it: each connector's public
// metadata (its credentials validator stays on the server) and the compile context of the saved
// connections.
import { lookupCatalog } from "@qiao/core";
import { connectors, type ConnectorMeta } from "@qiao/connectors";
import { listConnectionRefs, listSchemeDefinitions, valueMapNames, type Db } from "@qiao/db";

export function connectorMetaList(): ConnectorMeta[] {
  return Object.values(connectors).map((c) => c.meta);
}

export function connectorMetas(): Map<string, ConnectorMeta> {
  return new Map(Object.values(connectors).map((c) => [c.meta.platform, c.meta]));
}

/**
 * What compileScheme needs to know about the world: the connections, the connectors, the value
 * maps' names (a `map('名称')` naming none of them is refused at save) and the schemes a
 * `lookup('方案')` may name, with their source's fields (an unknown or ambiguous name, or a key
 * field the scheme's source lacks, is refused at save).
 */
export async function compileContext(db: Db) {
  const [rows, valueMaps, schemes] = await Promise.all([listConnectionRefs(db), valueMapNames(db), listSchemeDefinitions(db)]);
  const metas = connectorMetas();
  return {
    connections: new Map(rows.map((c) => [c.id, { platform: c.platform, name: c.name }])),
    connectors: metas,
    valueMaps,
    schemes: lookupCatalog(schemes, metas),
  };
}
