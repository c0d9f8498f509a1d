import { getT } from "@/lib/i18n/server";
import { ValueMapsView } from "./value-maps-view";

export async function generateMetadata() {
  return { title: `${(await getT())("valueMaps.title")} · 桥 Qiao` };
}

export default function ValueMapsPage() {
  return <ValueMapsView />;
}
