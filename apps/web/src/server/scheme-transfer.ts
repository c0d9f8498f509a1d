// Export and import of a scheme as JSON. Connections travel by id, platform and name only (never
// credentials); on import each is bound to a connection of this instance: the same id, else the
// same platform and name, else the only connection of that platform.
import type { SchemeDefinition } from "@qiao/core";
import type { Db } from "@qiao/db";
import { SCHEME_EXPORT_FORMAT, type SchemeExportDto } from "@/lib/api/schemas";

export async function exportScheme(
  db: Db,
  scheme: { name: string; description: string; definition: unknown },
): Promise<SchemeExportDto> {
  const definition = scheme.definition as SchemeDefinition;
  const ids = [...new Set(definition.nodes.map((n) => n.config.connectionId).filter(Boolean))];
  const connections = await db.connection.findMany({ where: { id: { in: ids } }, select: { id: true, platform: true, name: true } });
  return {
    format: SCHEME_EXPORT_FORMAT,
    exportedAt: new Date().toISOString(),
    name: scheme.name,
    description: scheme.description,
    definition,
    connections,
  };
}

export async function bindConnections(db: Db, file: SchemeExportDto): Promise<SchemeDefinition> {
  const local = await db.connection.findMany({ select: { id: true, platform: true, name: true } });
  const bound = new Map<string, string>();
  for (const ref of file.connections) {
    const match =
      local.find((c) => c.id === ref.id && c.platform === ref.platform) ??
      local.find((c) => c.platform === ref.platform && c.name === ref.name) ??
      (local.filter((c) => c.platform === ref.platform).length === 1 ? local.find((c) => c.platform === ref.platform) : undefined);
    if (match) bound.set(ref.id, match.id);
  }
  return {
    ...file.definition,
    nodes: file.definition.nodes.map((n) => ({
      ...n,
      config: { ...n.config, connectionId: bound.get(n.config.connectionId) ?? n.config.connectionId },
    })) as SchemeDefinition["nodes"],
  };
}
