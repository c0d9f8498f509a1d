"use client";
// 设置 → 告警渠道: each channel with where it sends (the URL without its token), its health (last
// success, failures in a row, last error) and, for admins, 发送测试 / edit / delete.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/lib/api/client";
import type { AlertChannelDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { useCurrentUser } from "@/components/role";
import { Alert, Badge, Button, Card, ConfirmDialog } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";
import { AlertChannelForm } from "./alert-channel-form";

export function AlertChannelsView() {
  const t = useT();
  const fmt = useFormat();
  const qc = useQueryClient();
  const admin = useCurrentUser().role === "admin";
  const channels = useQuery({ queryKey: ["alert-channels"], queryFn: api.alertChannels });
  const [editing, setEditing] = useState<AlertChannelDto | "new" | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const removal = useConfirmedAction<AlertChannelDto>(api.deleteAlertChannel, ["alert-channels"]);
  const test = useMutation({
    mutationFn: (c: AlertChannelDto) => api.testAlertChannel(c.id),
    onSuccess: (res) => {
      setResult(res.ok ? { ok: true, text: t("alerts.testSent", { name: res.channel.name }) } : { ok: false, text: t("alerts.testFailed", { name: res.channel.name, error: res.error ?? "" }) });
      void qc.invalidateQueries({ queryKey: ["alert-channels"] });
    },
    onError: (error) => setResult({ ok: false, text: error.message }),
  });

  return (
    <Card className="p-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="text-lg font-semibold text-slate-900">{t("alerts.channels")}</h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-500">{t("alerts.channelsHelp")}</p>
        </div>
        {admin ? (
          <Button variant="primary" onClick={() => setEditing("new")}>
            {t("alerts.addChannel")}
          </Button>
        ) : (
          <p className="text-sm text-slate-500">{t("alerts.onlyAdmins")}</p>
        )}
      </div>
      {result && (
        <div className="mt-4" data-testid="alert-test-result" data-ok={result.ok}>
          <Alert tone={result.ok ? "green" : "red"}>{result.text}</Alert>
        </div>
      )}
      <div className="mt-5 overflow-hidden rounded-lg ring-1 ring-slate-200">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">{t("alerts.name")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.kind")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.target")}</th>
              <th className="px-4 py-2.5 font-medium">{t("alerts.status")}</th>
              <th className="px-4 py-2.5" />
            </tr>
          </thead>
          <tbody>
            {channels.data?.channels.length === 0 && (
              <tr>
                <td colSpan={5} className="px-4 py-6 text-center text-slate-500">
                  {t("alerts.noChannels")}
                </td>
              </tr>
            )}
            {channels.data?.channels.map((c) => (
              <tr key={c.id} data-testid="alert-channel-row" className="border-t border-slate-100 align-top">
                <td className="px-4 py-2.5 font-medium text-slate-800">{c.name}</td>
                <td className="px-4 py-2.5 text-slate-600">{t(`alerts.kind.${c.kind}`)}</td>
                <td className="px-4 py-2.5 font-mono text-xs text-slate-500">
                  {c.kind === "email" ? `${c.host ?? ""}:${c.port ?? ""} → ${(c.to ?? []).join(", ")}` : c.displayUrl}
                </td>
                <td className="px-4 py-2.5 text-slate-600" data-testid="alert-channel-status">
                  {!c.enabled && <Badge>{t("alerts.disabled")}</Badge>}
                  {c.failureCount > 0 ? (
                    <div className="space-y-1">
                      <Badge tone="red">{t("alerts.failures", { count: c.failureCount })}</Badge>
                      <p className="max-w-md text-xs text-red-700" data-testid="alert-channel-error">
                        {t("alerts.lastError", { time: c.lastErrorAt ? fmt.time(c.lastErrorAt) : "", error: c.lastError ?? "" })}
                      </p>
                    </div>
                  ) : c.lastSentAt ? (
                    <span className="text-xs">{t("alerts.lastSent", { time: fmt.time(c.lastSentAt) })}</span>
                  ) : (
                    c.enabled && <Badge tone="green">{t("alerts.healthy")}</Badge>
                  )}
                </td>
                <td className="whitespace-nowrap px-4 py-2.5 text-right">
                  {admin && (
                    <>
                      <Button size="sm" busy={test.isPending && test.variables?.id === c.id} onClick={() => test.mutate(c)}>
                        {t("alerts.sendTest")}
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setEditing(c)}>
                        {t("alerts.edit")}
                      </Button>
                      <Button size="sm" variant="ghost" className="text-red-600" onClick={() => removal.ask(c)}>
                        {t("alerts.delete")}
                      </Button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editing && <AlertChannelForm key={editing === "new" ? "new" : editing.id} open channel={editing === "new" ? undefined : editing} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        {...removal.dialog}
        title={t("alerts.delete")}
        message={t("alerts.deleteChannel", { name: removal.target?.name ?? "" })}
        confirmLabel={t("alerts.delete")}
      />
    </Card>
  );
}
