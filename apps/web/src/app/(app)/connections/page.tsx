import { getT } from "@/lib/i18n/server";
import { ConnectionsView } from "./connections-view";

export async function generateMetadata() {
  const t = await getT();
  return { title: `${t("connections.title")} · ${t("app.name")}` };
}

export default function ConnectionsPage() {
  return <ConnectionsView />;
}
