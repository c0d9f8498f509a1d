import { getT } from "@/lib/i18n/server";
import { requireUser } from "@/server/session";
import { AlertChannelsView } from "./alert-channels-view";
import { AlertRulesView } from "./alert-rules-view";
import { TokensView } from "./tokens-view";
import { UsersView } from "./users-view";

export async function generateMetadata() {
  const t = await getT();
  return { title: `${t("settings.title")} · ${t("app.name")}` };
}

export default async function SettingsPage() {
  const t = await getT();
  const user = await requireUser("/settings");
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-semibold text-slate-900">{t("settings.title")}</h1>
      {user.role === "admin" && <UsersView />}
      <TokensView />
      <section id="alerts" className="space-y-6" aria-label={t("settings.alerts")}>
        <AlertChannelsView />
        <AlertRulesView />
      </section>
    </section>
  );
}
