// The connector catalog as the API and the scheme compiler need it: each connector's public
// metadata (its credentials validator stays on the server) and the compile context of the saved
// connections.
import { connectors, type ConnectorMeta } from "@qiao/connectors";
import { listConnectionRefs, valueMapNames, type Db } from "@qiao/db";

export function connectorMetaList(): ConnectorMeta[] {
  return Object.values(connectors).map((c) => c.meta);
}

export function connectorMetas(): Map<string, ConnectorMeta> {
  return new Map(Object.values(connectors).map((c) => [c.meta.platform, c.meta]));
}

/**
 * What compileScheme needs to know about the world: the connections, the connectors, and the
 * value maps' names (a `map('名称')` naming none of them is refused at save).
 */
export async function compileContext(db: Db) {
  const [rows, valueMaps] = await Promise.all([listConnectionRefs(db), valueMapNames(db)]);
  return {
    connections: new Map(rows.map((c) => [c.id, { platform: c.platform, name: c.name }])),
    connectors: connectorMetas(),
    valueMaps,
  };
}
