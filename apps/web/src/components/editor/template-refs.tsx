"use client";
// The names a template may refer to (issue #13): the value maps `map('名称')` reads and the schemes
// `lookup('方案')` reads. Fetched once per editor session (when the editor mounts) and shared by
// every template field's autocomplete, the mapping table's links and the browser's compile check.
import { lookupCatalog, type ConnectorMeta, type SchemeCatalog } from "@qiao/core";
import { useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo } from "react";
import { api } from "@/lib/api/client";
import type { ValueMapSummaryDto } from "@/lib/api/schemas";

export interface TemplateRefs {
  /** undefined: not loaded (yet). */
  valueMaps: ValueMapSummaryDto[] | undefined;
  schemes: { id: string; name: string }[] | undefined;
  /** The scheme being edited: its own lookups are not offered its name. */
  schemeId: string | undefined;
}

const NONE: TemplateRefs = { valueMaps: undefined, schemes: undefined, schemeId: undefined };
const TemplateRefsContext = createContext<TemplateRefs>(NONE);

export const TemplateRefsProvider = TemplateRefsContext.Provider;

export function useTemplateRefs(): TemplateRefs {
  return useContext(TemplateRefsContext);
}

/** Loads the names once per mount of the editor (the list pages share the cache, not the timing). */
export function useLoadTemplateRefs(schemeId: string | undefined): TemplateRefs {
  const once = { staleTime: Infinity, refetchOnMount: "always", refetchOnWindowFocus: false } as const;
  const valueMaps = useQuery({ queryKey: ["value-maps", ""], queryFn: () => api.valueMaps(), ...once });
  const schemes = useQuery({ queryKey: ["schemes"], queryFn: api.schemes, ...once });
  const maps = valueMaps.data?.valueMaps;
  const list = schemes.data?.schemes;
  return useMemo(() => ({ valueMaps: maps, schemes: list?.map((s) => ({ id: s.id, name: s.name })), schemeId }), [maps, list, schemeId]);
}

/**
 * What the browser's compile check knows of the names. Schemes come without their definitions, so
 * a lookup's scheme name is checked as you type and its key field by the server at save.
 */
export function compileRefs(refs: TemplateRefs, connectors: ReadonlyMap<string, ConnectorMeta>): Pick<SchemeCatalog, "valueMaps" | "schemes"> {
  return {
    ...(refs.valueMaps && { valueMaps: new Set(refs.valueMaps.map((m) => m.name)) }),
    ...(refs.schemes && { schemes: lookupCatalog(refs.schemes.map((s) => ({ ...s, definition: undefined })), connectors) }),
  };
}

/** Where a value map named in a template is edited: its page, or the list searched for the name. */
export function valueMapHref(refs: TemplateRefs, name: string): string {
  const found = refs.valueMaps?.find((m) => m.name === name);
  return found ? `/value-maps/${found.id}` : `/value-maps?q=${encodeURIComponent(name)}`;
}

/** The scheme a lookup names, when exactly one has the name. */
export function lookupScheme(refs: TemplateRefs, name: string): { id: string; name: string } | undefined {
  const found = refs.schemes?.filter((s) => s.name === name) ?? [];
  return found.length === 1 ? found[0] : undefined;
}
