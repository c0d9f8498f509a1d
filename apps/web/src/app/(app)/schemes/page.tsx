import { getT } from "@/lib/i18n/server";
import { SchemesView } from "./schemes-view";

export async function generateMetadata() {
  const t = await getT();
  return { title: `${t("schemes.title")} · ${t("app.name")}` };
}

export default function SchemesPage() {
  return <SchemesView />;
}
