import { connectorMetaSchema } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { connectors } from ".";

describe("the connector registry", () => {
  it.each(Object.entries(connectors))("%s declares metadata that the core schema keeps whole", (platform, connector) => {
    expect(connector.meta.platform).toBe(platform);
    // What /api/connectors answers is parsed with this schema: nothing may be dropped or refused.
    expect(connectorMetaSchema.parse(connector.meta)).toEqual(connector.meta);
  });

  // The i18n audit: the English UI showed the base URL's help, the credential placeholders, the source
  // request fields' descriptions (a param's placeholder) and the target options' (their tooltip) in Chinese.
  it.each(Object.entries(connectors))("%s gives the English UI every text it shows of the metadata in English", (_platform, connector) => {
    const CJK = /[\u3400-\u9fff]/;
    const shown: [where: string, zh: string | undefined, en: string | undefined][] = [
      ["name", connector.meta.name, connector.meta.nameEn],
      ["baseUrl.help", connector.meta.baseUrl.help, connector.meta.baseUrl.helpEn],
    ];
    for (const f of connector.meta.credentialFields) {
      shown.push([`credential ${f.key}`, f.label, f.labelEn], [`credential ${f.key} placeholder`, f.placeholder, f.placeholderEn]);
      for (const c of f.choices ?? []) shown.push([`credential ${f.key} choice ${c.value}`, c.label, c.labelEn]);
    }
    for (const api of connector.meta.apis) {
      shown.push([`${api.id}`, api.name, api.nameEn]);
      const fields = api.kind === "source" ? [...api.request, ...api.response] : api.fields;
      const all = (list: typeof fields): typeof fields => list.flatMap((f) => [f, ...all(f.fields ?? [])]);
      for (const f of all(fields)) shown.push([`${api.id} ${f.key}`, f.label, f.labelEn]);
      if (api.kind === "source") for (const f of api.request) shown.push([`${api.id} request ${f.key} description`, f.description, f.descriptionEn]);
      else for (const o of api.options) shown.push([`${api.id} option ${o.key}`, o.label, o.labelEn], [`${api.id} option ${o.key} description`, o.description, o.descriptionEn]);
    }
    // A Chinese text has its English beside it (one without Chinese serves both), and no English text is Chinese.
    const missing = shown.filter(([, zh, en]) => (zh !== undefined && CJK.test(zh) && !en?.trim()) || (en !== undefined && CJK.test(en))).map(([where, zh, en]) => `${where}: ${zh} | ${en}`);
    expect(missing).toEqual([]);
  });

  it.each(Object.entries(connectors))("%s refuses empty credentials", (_platform, connector) => {
    expect(connector.credentials.safeParse({}).success).toBe(false);
  });
});
