import { getT } from "@/lib/i18n/server";
import { SchemesView } from "./schemes-view";

export async function generateMetadata() {
  return { title: `${(await getT())("schemes.title")} · 桥 Qiao` };
}

export default function SchemesPage() {
  return <SchemesView />;
}
