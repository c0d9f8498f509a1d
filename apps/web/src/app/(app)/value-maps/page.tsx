import { getT } from "@/lib/i18n/server";
import { ValueMapsView } from "./value-maps-view";

export async function generateMetadata() {
  const t = await getT();
  return { title: `${t("valueMaps.title")} · ${t("app.name")}` };
}

/** `?q=名称` opens the list searched for it (the editor links a map name no map has here). */
export default async function ValueMapsPage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  const { q } = await searchParams;
  return <ValueMapsView initialSearch={typeof q === "string" ? q : ""} />;
}
