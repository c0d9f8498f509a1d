import { OverviewView } from "@/components/overview/overview-view";
import { getT } from "@/lib/i18n/server";

export async function generateMetadata() {
  return { title: `${(await getT())("overview.title")} · 桥 Qiao` };
}

/** The home page after sign-in: 概览. */
export default function OverviewPage() {
  return <OverviewView />;
}
