// Value maps (值映射) for the API: DTOs, and the repository's refusals turned into 400s that name
// what to change.
import { message, VALUE_MAP_BODY_BYTES } from "@qiao/core";
import {
  ValueMapBusy,
  ValueMapChanged,
  ValueMapDuplicateSource,
  ValueMapInUse,
  ValueMapNameTaken,
  ValueMapTooLarge,
  ValueMapTooManyEntries,
  type ValueMapRecord,
  type ValueMapSummary,
} from "@qiao/db";
import type { ValueMapDto, ValueMapSummaryDto } from "@/lib/api/schemas";
import { ApiError } from "./errors";

/**
 * The body limit of the value-map routes (create, save, CSV import): derived from the map's own
 * limits (VALUE_MAP_LIMITS.tableBytes, which every write checks), not QIAO_MAX_IMPORT_BYTES, so
 * whatever a write stored can be saved whole by the page, and exported and imported back.
 */
export const VALUE_MAP_BODY = { maxBytes: VALUE_MAP_BODY_BYTES };

export function valueMapSummaryDto(m: ValueMapSummary): ValueMapSummaryDto {
  return { id: m.id, name: m.name, description: m.description, defaultValue: m.defaultValue, entryCount: m.entryCount, updatedAt: m.updatedAt.toISOString() };
}

export function valueMapDto(m: ValueMapRecord): ValueMapDto {
  return { ...valueMapSummaryDto(m), entries: m.entries, createdAt: m.createdAt.toISOString() };
}

/**
 * Runs `f`; a taken name, duplicate source values, too many rows or bytes become validation errors
 * (400) with their path, a map that kept changing under the write a conflict (409).
 */
export async function refusingConflicts<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    if (error instanceof ValueMapNameTaken) {
      throw new ApiError("validation_failed", message("api.valueMapNameTaken", { name: error.mapName }), [
        { path: ["name"], message: `名称 “${error.mapName}” 已被使用`, messageEn: `The name "${error.mapName}" is taken` },
      ]);
    }
    if (error instanceof ValueMapDuplicateSource) {
      const [first] = error.duplicates;
      throw new ApiError(
        "validation_failed",
        message("api.valueMapDuplicateSource", { source: first?.source ?? "", rows: first?.rows ?? [] }),
        error.duplicates.map((d) => ({
          path: ["entries", d.rows[1]! - 1, "source"],
          message: `源值 “${d.source}” 重复：第 ${d.rows.join("、")} 行`,
          messageEn: `The source value "${d.source}" is repeated: rows ${d.rows.join(", ")}`,
        })),
      );
    }
    if (error instanceof ValueMapTooManyEntries) {
      const { entryCount, limit } = error;
      throw new ApiError("validation_failed", message("api.valueMapTooManyRows", { count: entryCount, limit }), [
        { path: ["entries"], message: `每个值映射最多 ${limit} 行（这里有 ${entryCount} 行）`, messageEn: `A value map has at most ${limit} rows (this one would have ${entryCount})` },
      ]);
    }
    if (error instanceof ValueMapTooLarge) {
      const { bytes, limit } = error;
      throw new ApiError("validation_failed", message("api.valueMapTooLarge", { bytes, limit }), [
        { path: ["entries"], message: `值映射的行最多 ${limit} 字节（这里有 ${bytes} 字节）`, messageEn: `A value map's rows take at most ${limit} bytes (these would take ${bytes})` },
      ]);
    }
    if (error instanceof ValueMapBusy) throw new ApiError("conflict", message("api.valueMapBusy"));
    if (error instanceof ValueMapChanged) throw new ApiError("conflict", message("api.valueMapChanged"));
    if (error instanceof ValueMapInUse) throw new ApiError("conflict", message("api.valueMapInUse", { names: error.schemes }));
    throw error;
  }
}
