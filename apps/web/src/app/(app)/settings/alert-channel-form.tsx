"use client";
// The form of one alert channel (new or edited) in a dialog. Secrets are typed, never shown: a
// stored one reads 已设置 and a blank field keeps it. Errors name the field (the server checks the
// address policy and, for email, logs in to the SMTP server before saving anything).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, ApiClientError } from "@/lib/api/client";
import { issueText, type AlertChannelDto } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Alert, Button, Field, Input, Modal, Select, Switch } from "@/components/ui";

type Kind = AlertChannelDto["kind"];
const KINDS: Kind[] = ["dingtalk", "wecom", "webhook", "email"];

export function AlertChannelForm({ channel, open, onClose }: { channel?: AlertChannelDto; open: boolean; onClose: () => void }) {
  const t = useT();
  const en = useLocale() === "en";
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind>(channel?.kind ?? "dingtalk");
  const [name, setName] = useState(channel?.name ?? "");
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [clearSecret, setClearSecret] = useState(false);
  const [msgtype, setMsgtype] = useState<"markdown" | "text">(channel?.msgtype ?? "markdown");
  const [host, setHost] = useState(channel?.host ?? "");
  const [port, setPort] = useState(String(channel?.port ?? 465));
  const [secure, setSecure] = useState(channel?.secure ?? true);
  const [user, setUser] = useState(channel?.user ?? "");
  const [password, setPassword] = useState("");
  const [from, setFrom] = useState(channel?.from ?? "");
  const [to, setTo] = useState((channel?.to ?? []).join(", "));

  const save = useMutation({
    mutationFn: () => {
      const common = { name: name.trim(), enabled };
      const fields =
        kind === "email"
          ? { host, port: Number(port), secure, user, from, to: to.split(/[,，;\s]+/).filter(Boolean), ...(password && { password }) }
          : { ...(url && { url }), ...(secret && { secret }), ...(clearSecret && { clearSecret }), ...(kind === "dingtalk" && { msgtype }) };
      return channel ? api.updateAlertChannel(channel.id, { ...common, ...fields }) : api.createAlertChannel({ kind, ...common, ...fields });
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["alert-channels"] });
      onClose();
    },
  });
  const issues = save.error instanceof ApiClientError ? save.error.issues : [];
  const fieldError = (key: string) => {
    const found = issues.find((i) => i.path[0] === key);
    return found && issueText(found, en);
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  const secretPlaceholder = (set: boolean | undefined) => (set ? t("alerts.secretSet") : "");
  return (
    <Modal open={open} onClose={onClose} wide title={channel ? t("alerts.editChannel") : t("alerts.addChannel")}>
      <form onSubmit={onSubmit} className="grid gap-3 md:grid-cols-2" data-testid="alert-channel-form">
        <Field label={t("alerts.kind")} htmlFor="channel-kind">
          <Select id="channel-kind" value={kind} disabled={Boolean(channel)} onChange={(e) => setKind(e.target.value as Kind)}>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`alerts.kind.${k}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("alerts.name")} htmlFor="channel-name" required error={fieldError("name")}>
          <Input id="channel-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
        </Field>
        {kind !== "email" && (
          <>
            <div className="md:col-span-2">
              <Field label={t("alerts.url")} htmlFor="channel-url" required={!channel} help={t(`alerts.urlHelp.${kind}`)} error={fieldError("url")}>
                <Input id="channel-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder={secretPlaceholder(channel?.secretsSet.url)} autoComplete="off" />
              </Field>
            </div>
            {kind !== "wecom" && (
              <Field label={t(kind === "dingtalk" ? "alerts.secret.dingtalk" : "alerts.secret.webhook")} htmlFor="channel-secret" error={fieldError("secret")}>
                <Input id="channel-secret" type="password" value={secret} onChange={(e) => setSecret(e.target.value)} placeholder={secretPlaceholder(channel?.secretsSet.secret)} autoComplete="new-password" />
              </Field>
            )}
            {kind === "dingtalk" && (
              <Field label={t("alerts.msgtype")} htmlFor="channel-msgtype">
                <Select id="channel-msgtype" value={msgtype} onChange={(e) => setMsgtype(e.target.value as "markdown" | "text")}>
                  <option value="markdown">{t("alerts.msgtype.markdown")}</option>
                  <option value="text">{t("alerts.msgtype.text")}</option>
                </Select>
              </Field>
            )}
            {channel?.secretsSet.secret && (
              <label className="flex items-center gap-2 text-sm text-slate-600 md:col-span-2">
                <input type="checkbox" checked={clearSecret} onChange={(e) => setClearSecret(e.target.checked)} />
                {t("alerts.clearSecret")}
              </label>
            )}
          </>
        )}
        {kind === "email" && (
          <>
            <Field label={t("alerts.host")} htmlFor="channel-host" required error={fieldError("host")}>
              <Input id="channel-host" value={host} onChange={(e) => setHost(e.target.value)} placeholder="smtp.exmail.qq.com" />
            </Field>
            <Field label={t("alerts.port")} htmlFor="channel-port" error={fieldError("port")}>
              <Input id="channel-port" type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} />
            </Field>
            <label className="flex items-center gap-2 text-sm text-slate-600 md:col-span-2">
              <input type="checkbox" checked={secure} onChange={(e) => setSecure(e.target.checked)} />
              {t("alerts.secure")}
            </label>
            <Field label={t("alerts.user")} htmlFor="channel-user" error={fieldError("user")}>
              <Input id="channel-user" value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" />
            </Field>
            <Field label={t("alerts.password")} htmlFor="channel-password" error={fieldError("password")}>
              <Input id="channel-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} placeholder={secretPlaceholder(channel?.secretsSet.password)} autoComplete="new-password" />
            </Field>
            <Field label={t("alerts.from")} htmlFor="channel-from" required error={fieldError("from")}>
              <Input id="channel-from" value={from} onChange={(e) => setFrom(e.target.value)} placeholder="qiao@example.com" />
            </Field>
            <Field label={t("alerts.to")} htmlFor="channel-to" required error={fieldError("to")}>
              <Input id="channel-to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="ops@example.com" />
            </Field>
          </>
        )}
        <div className="flex items-center gap-2 text-sm text-slate-600">
          <Switch checked={enabled} onChange={setEnabled} label={t("alerts.enabled")} />
          {t("alerts.enabled")}
        </div>
        {save.error && (
          <div className="md:col-span-2" data-testid="alert-channel-error">
            <Alert>{save.error.message}</Alert>
          </div>
        )}
        <div className="flex justify-end gap-2 md:col-span-2">
          <Button type="button" onClick={onClose}>
            {t("alerts.cancel")}
          </Button>
          <Button type="submit" variant="primary" busy={save.isPending} disabled={!name.trim()}>
            {t("alerts.save")}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
