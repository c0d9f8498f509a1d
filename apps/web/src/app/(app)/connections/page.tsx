import { getT } from "@/lib/i18n/server";
import { ConnectionsView } from "./connections-view";

export async function generateMetadata() {
  return { title: `${(await getT())("connections.title")} · 桥 Qiao` };
}

export default function ConnectionsPage() {
  return <ConnectionsView />;
}
