import { getT } from "@/lib/i18n/server";
import { TokensView } from "./tokens-view";

export async function generateMetadata() {
  return { title: `${(await getT())("settings.title")} · 桥 Qiao` };
}

export default async function SettingsPage() {
  const t = await getT();
  return (
    <section>
      <h1 className="mb-6 text-2xl font-semibold text-slate-900">{t("settings.title")}</h1>
      <TokensView />
    </section>
  );
}
