import { OverviewView } from "@/components/overview/overview-view";
import { getT } from "@/lib/i18n/server";

export async function generateMetadata() {
  const t = await getT();
  return { title: `${t("overview.title")} · ${t("app.name")}` };
}

/** The home page after sign-in: 概览. */
export default function OverviewPage() {
  return <OverviewView />;
}
