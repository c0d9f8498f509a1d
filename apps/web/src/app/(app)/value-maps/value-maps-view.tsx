"use client";
// 值映射: the list (searched on the server by name and description) and creating a map; a map's
// rows are edited on its own page. `initialSearch` comes from the address (`/value-maps?q=…`).
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useDeferredValue, useState, type FormEvent } from "react";
import { ApiClientError, api } from "@/lib/api/client";
import { issueText } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useLocale, useT } from "@/lib/i18n/client";
import { useCan } from "@/components/role";
import { Alert, Button, Card, EmptyState, Field, Input, Modal, PageHeader } from "@/components/ui";

export function ValueMapsView({ initialSearch = "" }: { initialSearch?: string }) {
  const t = useT();
  const fmt = useFormat();
  const canEdit = useCan("editor");
  const [search, setSearch] = useState(initialSearch);
  const q = useDeferredValue(search.trim());
  const maps = useQuery({ queryKey: ["value-maps", q], queryFn: () => api.valueMaps(q) });
  const [creating, setCreating] = useState(false);
  const list = maps.data?.valueMaps ?? [];

  return (
    <section>
      <PageHeader
        title={t("valueMaps.title")}
        subtitle={t("valueMaps.subtitle")}
        actions={
          canEdit && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              {t("valueMaps.new")}
            </Button>
          )
        }
      />
      <div className="mb-4 max-w-sm">
        <Input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t("valueMaps.search")} aria-label={t("valueMaps.search")} />
      </div>
      {maps.error && <Alert>{t("common.error", { message: maps.error.message })}</Alert>}
      {maps.isPending ? (
        <p className="text-sm text-slate-500">{t("common.loading")}</p>
      ) : list.length === 0 ? (
        q ? <EmptyState title={t("valueMaps.noMatch", { q })} /> : <EmptyState title={t("valueMaps.empty")}>{t("valueMaps.emptyHint")}</EmptyState>
      ) : (
        <Card className="overflow-hidden">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="px-4 py-2 font-medium">{t("valueMaps.name")}</th>
                <th className="px-4 py-2 font-medium">{t("valueMaps.description")}</th>
                <th className="px-4 py-2 text-right font-medium">{t("valueMaps.entries")}</th>
                <th className="px-4 py-2 font-medium">{t("valueMaps.default")}</th>
                <th className="px-4 py-2 font-medium">{t("valueMaps.updatedAt")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.map((m) => (
                <tr key={m.id} data-testid="value-map-row" className="hover:bg-slate-50">
                  <td className="px-4 py-2">
                    <Link href={`/value-maps/${m.id}`} className="font-medium text-brand-700 hover:underline">
                      {m.name}
                    </Link>
                  </td>
                  <td className="px-4 py-2 text-slate-600">{m.description}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{m.entryCount}</td>
                  <td className="px-4 py-2 text-slate-600">{m.defaultValue ?? <span className="text-slate-500">{t("common.none")}</span>}</td>
                  <td className="px-4 py-2 text-slate-500">{fmt.time(m.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Modal open={creating} onClose={() => setCreating(false)} title={t("valueMaps.createTitle")}>
        {creating && <CreateForm onCancel={() => setCreating(false)} />}
      </Modal>
    </section>
  );
}

function CreateForm({ onCancel }: { onCancel: () => void }) {
  const t = useT();
  const en = useLocale() === "en";
  const router = useRouter();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () => api.createValueMap({ name, description }),
    onSuccess: (m) => router.push(`/value-maps/${m.id}`),
  });
  const error = create.error;
  const fieldError = (key: string) => {
    const issue = error instanceof ApiClientError ? error.issues.find((i) => i.path[0] === key) : undefined;
    return issue && issueText(issue, en);
  };
  const nameError = fieldError("name");
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <form onSubmit={submit} className="space-y-4">
      <Field label={t("valueMaps.name")} htmlFor="value-map-name" required help={t("valueMaps.nameHelp")} {...(nameError && { error: nameError })}>
        <Input id="value-map-name" value={name} onChange={(e) => setName(e.target.value)} invalid={!!nameError} autoFocus maxLength={100} />
      </Field>
      <Field label={t("valueMaps.description")} htmlFor="value-map-description">
        <Input id="value-map-description" value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
      </Field>
      {error && !nameError && <Alert>{error.message}</Alert>}
      <div className="flex justify-end gap-2">
        <Button onClick={onCancel}>{t("common.cancel")}</Button>
        <Button type="submit" variant="primary" busy={create.isPending}>
          {t("valueMaps.create")}
        </Button>
      </div>
    </form>
  );
}
