"use client";
import type { Role } from "@qiao/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "@/lib/api/client";
import type { ApiTokenDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { RoleOptions, useCurrentUser } from "@/components/role";
import { Alert, Badge, Button, Card, ConfirmDialog, Field, Input, Select } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";

export function TokensView() {
  const t = useT();
  const fmt = useFormat();
  const qc = useQueryClient();
  const me = useCurrentUser();
  const [all, setAll] = useState(false);
  const tokens = useQuery({ queryKey: ["tokens", all], queryFn: () => api.tokens(all ? "all" : "mine") });
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>(me.role);
  const [expiresOn, setExpiresOn] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  const create = useMutation({
    mutationFn: api.createToken,
    onSuccess: (res) => {
      setCreated(res.token);
      setCopied(false);
      setName("");
      setExpiresOn("");
      void qc.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const revocation = useConfirmedAction<ApiTokenDto>(api.revokeToken, ["tokens"]);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    // A date picked in the browser expires at the end of that day, local time.
    const expiresAt = expiresOn ? new Date(`${expiresOn}T23:59:59`).toISOString() : null;
    if (name.trim()) create.mutate({ name: name.trim(), role, expiresAt });
  }

  return (
    <Card className="p-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h2 className="text-lg font-semibold text-slate-900">{t("settings.tokens")}</h2>
          <p className="mt-1 max-w-2xl text-sm text-slate-500">{t("settings.tokensHelp")}</p>
        </div>
        <a href="/api/openapi.json" target="_blank" rel="noreferrer" className="text-sm text-brand-700 hover:underline">
          {t("settings.apiDocs")}
        </a>
      </div>

      <form onSubmit={onSubmit} className="mt-5 grid max-w-4xl gap-3 md:grid-cols-4 md:items-end">
        <Field label={t("settings.tokenName")} htmlFor="token-name">
          <Input
            id="token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={t("settings.tokenNamePlaceholder")}
            maxLength={100}
          />
        </Field>
        <Field label={t("settings.tokenRole")} htmlFor="token-role">
          <Select id="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <RoleOptions upTo={me.role} />
          </Select>
        </Field>
        <Field label={t("settings.tokenExpiresAt")} htmlFor="token-expires" help={t("settings.tokenExpiresHelp")}>
          <Input id="token-expires" type="date" value={expiresOn} onChange={(e) => setExpiresOn(e.target.value)} />
        </Field>
        <Button type="submit" variant="primary" busy={create.isPending} disabled={!name.trim()} className="shrink-0 md:mb-5">
          {t("settings.createToken")}
        </Button>
      </form>
      {me.role === "admin" && (
        <label className="mt-4 flex items-center gap-2 text-sm text-slate-600">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          {t("settings.allTokens")}
        </label>
      )}
      {create.error && (
        <div className="mt-3">
          <Alert>{create.error.message}</Alert>
        </div>
      )}
      {created && (
        <div className="mt-4 rounded-lg bg-emerald-50 p-4 ring-1 ring-emerald-200">
          <p className="text-sm text-emerald-900">{t("settings.tokenCreated")}</p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="new-token" className="flex-1 break-all rounded bg-white px-3 py-2 font-mono text-sm ring-1 ring-emerald-200">
              {created}
            </code>
            <Button
              size="sm"
              onClick={() => {
                void navigator.clipboard?.writeText(created).then(() => setCopied(true));
              }}
            >
              {copied ? t("common.copied") : t("common.copy")}
            </Button>
          </div>
        </div>
      )}

      <div className="mt-6 overflow-hidden rounded-lg ring-1 ring-slate-200">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">{t("settings.tokenName")}</th>
              <th className="px-4 py-2.5 font-medium">{t("settings.prefix")}</th>
              <th className="px-4 py-2.5 font-medium">{t("settings.tokenRole")}</th>
              {all && <th className="px-4 py-2.5 font-medium">{t("settings.tokenOwner")}</th>}
              <th className="px-4 py-2.5 font-medium">{t("settings.createdAt")}</th>
              <th className="px-4 py-2.5 font-medium">{t("settings.tokenExpiresAt")}</th>
              <th className="px-4 py-2.5 font-medium">{t("settings.lastUsedAt")}</th>
              <th className="px-4 py-2.5" />
            </tr>
          </thead>
          <tbody>
            {tokens.data?.tokens.length === 0 && (
              <tr>
                <td colSpan={all ? 8 : 7} className="px-4 py-6 text-center text-slate-500">
                  {t("settings.noTokens")}
                </td>
              </tr>
            )}
            {tokens.data?.tokens.map((tok) => (
              <tr key={tok.id} data-testid="token-row" className="border-t border-slate-100">
                <td className="px-4 py-2.5 font-medium text-slate-800">{tok.name}</td>
                <td className="px-4 py-2.5 font-mono text-xs text-slate-500">{tok.prefix}…</td>
                <td className="px-4 py-2.5 text-slate-600">{t(`role.${tok.role}`)}</td>
                {all && <td className="px-4 py-2.5 text-slate-600">{tok.owner.email}</td>}
                <td className="px-4 py-2.5 text-slate-600">{fmt.time(tok.createdAt)}</td>
                <td className="px-4 py-2.5 text-slate-600">{tok.expiresAt ? fmt.time(tok.expiresAt) : t("settings.noExpiry")}</td>
                <td className="px-4 py-2.5 text-slate-600" data-testid="token-last-used">
                  {tok.lastUsedAt ? fmt.time(tok.lastUsedAt) : t("settings.never")}
                </td>
                <td className="px-4 py-2.5 text-right">
                  {tok.revokedAt ? (
                    <Badge>{t("settings.revoked")}</Badge>
                  ) : tok.expiresAt && Date.parse(tok.expiresAt) <= Date.now() ? (
                    <Badge>{t("settings.expired")}</Badge>
                  ) : (
                    <Button size="sm" variant="ghost" className="text-red-600" onClick={() => revocation.ask(tok)}>
                      {t("settings.revoke")}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <ConfirmDialog
        {...revocation.dialog}
        title={t("settings.revokeTitle")}
        message={t("settings.revokeConfirm", { name: revocation.target?.name ?? "" })}
        confirmLabel={t("settings.revoke")}
      />
    </Card>
  );
}
