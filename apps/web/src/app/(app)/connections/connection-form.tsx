"use client";
// Create / edit form generated from the connector's credential fields. Secret fields are never
// filled from the server: blank means "keep what is stored" — unless the base URL was edited or the
// stored secrets cannot be decrypted: then every secret must be typed again (the server enforces it).
import type { ConnectorMeta } from "@qiao/core";
import { useState, type FormEvent } from "react";
import { ApiClientError, api } from "@/lib/api/client";
import { issueText, type ConnectionDto } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Alert, Button, Field, Input, Select } from "@/components/ui";

type Values = Record<string, string>;

function initialValues(connector: ConnectorMeta | undefined, connection?: ConnectionDto): Values {
  const values: Values = {};
  for (const f of connector?.credentialFields ?? []) {
    const stored = connection?.settings[f.key];
    values[f.key] = f.secret ? "" : stored !== undefined && stored !== null ? String(stored) : f.default !== undefined ? String(f.default) : "";
  }
  return values;
}

export function ConnectionForm({
  connectors,
  connection,
  onSaved,
  onCancel,
}: {
  connectors: ConnectorMeta[];
  connection?: ConnectionDto;
  onSaved: (c: ConnectionDto) => void;
  onCancel: () => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const [platform, setPlatform] = useState(connection?.platform ?? connectors[0]?.platform ?? "");
  const connector = connectors.find((c) => c.platform === platform);
  const [name, setName] = useState(connection?.name ?? "");
  const [baseUrl, setBaseUrl] = useState(connection?.baseUrl ?? connector?.baseUrl.default ?? "");
  const [values, setValues] = useState<Values>(() => initialValues(connector, connection));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [testResult, setTestResult] = useState<{ ok: boolean; message: string } | null>(null);

  const baseUrlChanged = connection !== undefined && baseUrl.trim() !== connection.baseUrl;
  const retype = baseUrlChanged || connection?.secretsUnreadable === true;

  function choosePlatform(next: string) {
    const c = connectors.find((x) => x.platform === next);
    setPlatform(next);
    setBaseUrl(c?.baseUrl.default ?? "");
    setValues(initialValues(c));
    setErrors({});
    setTestResult(null);
  }

  function credentials() {
    const out: Record<string, string | number> = {};
    for (const f of connector?.credentialFields ?? []) {
      const v = values[f.key]?.trim() ?? "";
      if (v === "" && f.secret && connection) continue;
      out[f.key] = f.type === "number" && v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    return out;
  }

  function showError(error: unknown) {
    if (error instanceof ApiClientError) {
      const byField: Record<string, string> = {};
      for (const issue of error.issues) {
        const key = issue.path[0] === "credentials" ? String(issue.path[1]) : String(issue.path[0] ?? "");
        byField[key] ??= issueText(issue, en);
      }
      setErrors(byField);
      setFormError(Object.keys(byField).length > 0 ? null : error.message);
    } else {
      setFormError(String(error));
    }
  }

  async function onTest() {
    setTesting(true);
    setTestResult(null);
    setErrors({});
    setFormError(null);
    try {
      const result = connection
        ? await api.testConnection(connection.id, { baseUrl, credentials: credentials() })
        : await api.testNewConnection({ platform, baseUrl, credentials: credentials() });
      setTestResult(result);
    } catch (error) {
      showError(error);
    } finally {
      setTesting(false);
    }
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    setFormError(null);
    try {
      const saved = connection
        ? // updatedAt: the version edited; if someone saved the connection since, the server refuses
          // (409) rather than write this form's older values back over theirs.
          await api.updateConnection(connection.id, { name, baseUrl, credentials: credentials(), updatedAt: connection.updatedAt })
        : await api.createConnection({ platform, name, baseUrl, credentials: credentials() });
      onSaved(saved);
    } catch (error) {
      showError(error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {!connection && (
        <Field label={t("connections.platform")} htmlFor="conn-platform">
          <Select id="conn-platform" value={platform} onChange={(e) => choosePlatform(e.target.value)}>
            {connectors.map((c) => (
              <option key={c.platform} value={c.platform}>
                {en ? c.nameEn : c.name}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <Field label={t("connections.name")} htmlFor="conn-name" required error={errors.name}>
        <Input id="conn-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!errors.name} autoComplete="off" />
      </Field>
      <Field label={t("connections.baseUrl")} htmlFor="conn-baseUrl" required error={errors.baseUrl} help={en ? (connector?.baseUrl.helpEn ?? connector?.baseUrl.help) : connector?.baseUrl.help}>
        <Input
          id="conn-baseUrl"
          value={baseUrl}
          placeholder={connector?.baseUrl.placeholder}
          onChange={(e) => setBaseUrl(e.target.value)}
          invalid={!!errors.baseUrl}
          autoComplete="off"
        />
      </Field>
      {retype && (
        <Alert tone="amber">
          <span data-testid="connection-retype-secrets">{t(baseUrlChanged ? "connections.baseUrlChanged" : connection?.secretsAddressChanged ? "connections.secretsAddressChangedHint" : "connections.secretsUnreadableHint")}</span>
        </Alert>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        {connector?.credentialFields.map((f) => {
          const id = `conn-cred-${f.key}`;
          const stored = connection?.secrets[f.key] && !retype;
          return (
            <Field
              key={f.key}
              label={en ? f.labelEn : f.label}
              htmlFor={id}
              error={errors[f.key]}
              help={f.secret && connection ? t(retype ? "connections.secretRetype" : stored ? "connections.secretStored" : "connections.secretMissing") : en ? (f.placeholderEn ?? f.placeholder) : f.placeholder}
            >
              {f.choices ? (
                <Select id={id} value={values[f.key] ?? ""} onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}>
                  {f.choices.map((c) => (
                    <option key={c.value} value={c.value}>
                      {en ? c.labelEn : c.label}
                    </option>
                  ))}
                </Select>
              ) : (
                <Input
                  id={id}
                  type={f.secret ? "password" : f.type === "number" ? "number" : "text"}
                  value={values[f.key] ?? ""}
                  placeholder={f.secret && stored ? "••••••••" : undefined}
                  autoComplete={f.secret ? "new-password" : "off"}
                  invalid={!!errors[f.key]}
                  onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
                />
              )}
            </Field>
          );
        })}
      </div>
      {testResult && (
        <Alert tone={testResult.ok ? "green" : "red"}>
          <span data-testid="connection-test-result">
            {testResult.ok ? t("connections.testOk", { message: testResult.message }) : t("connections.testFailed", { message: testResult.message })}
          </span>
        </Alert>
      )}
      {formError && <Alert>{formError}</Alert>}
      <div className="flex items-center justify-between gap-2 pt-2">
        <Button onClick={onTest} busy={testing}>
          {testing ? t("connections.testing") : t("connections.test")}
        </Button>
        <div className="flex gap-2">
          <Button onClick={onCancel}>{t("common.cancel")}</Button>
          <Button type="submit" variant="primary" busy={saving}>
            {t("common.save")}
          </Button>
        </div>
      </div>
    </form>
  );
}
