"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api } from "@/lib/api/client";
import type { ConnectionDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useLocale, useT } from "@/lib/i18n/client";
import { useCan } from "@/components/role";
import { Alert, Badge, Button, Card, ConfirmDialog, EmptyState, Modal, PageHeader } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";
import { ConnectionForm } from "./connection-form";

export function ConnectionsView() {
  const t = useT();
  const en = useLocale() === "en";
  const isAdmin = useCan("admin");
  const fmt = useFormat();
  const qc = useQueryClient();
  const connectors = useQuery({ queryKey: ["connectors"], queryFn: api.connectors, staleTime: Infinity });
  const connections = useQuery({ queryKey: ["connections"], queryFn: api.connections });
  const [editing, setEditing] = useState<ConnectionDto | "new" | null>(null);
  const [tests, setTests] = useState<Record<string, { ok: boolean; message: string } | "testing">>({});

  const removal = useConfirmedAction<ConnectionDto>(api.deleteConnection, ["connections"]);

  async function test(c: ConnectionDto) {
    setTests((s) => ({ ...s, [c.id]: "testing" }));
    const result = await api.testConnection(c.id).catch((e: Error) => ({ ok: false, message: e.message }));
    setTests((s) => ({ ...s, [c.id]: result }));
  }

  const list = connections.data?.connections ?? [];
  const platformName = (p: string) => {
    const c = connectors.data?.connectors.find((x) => x.platform === p);
    return c ? (en ? c.nameEn : c.name) : p;
  };

  return (
    <section>
      <PageHeader
        title={t("connections.title")}
        subtitle={t("connections.subtitle")}
        actions={
          isAdmin && (
            <Button variant="primary" onClick={() => setEditing("new")} disabled={!connectors.data}>
              {t("connections.new")}
            </Button>
          )
        }
      />
      {connections.error && <Alert>{t("common.error", { message: connections.error.message })}</Alert>}
      {connections.isPending ? (
        <p className="text-sm text-slate-500">{t("common.loading")}</p>
      ) : list.length === 0 ? (
        <EmptyState title={t("connections.empty")}>{t("connections.emptyHint")}</EmptyState>
      ) : (
        <div className="grid gap-4 md:grid-cols-2">
          {list.map((c) => {
            const result = tests[c.id];
            return (
              <Card key={c.id} className="p-5">
                {/* The id is a link target (a run page's timings link to its target connection). */}
                <div data-testid="connection-card" id={`connection-${c.id}`} className="scroll-mt-24 space-y-3">
                  <div className="flex items-start justify-between gap-3">
                    <div className="min-w-0">
                      <h2 className="truncate font-semibold text-slate-900">{c.name}</h2>
                      <p className="truncate text-xs text-slate-500">{c.baseUrl}</p>
                    </div>
                    <div className="flex shrink-0 flex-col items-end gap-1">
                      <Badge tone={c.platform === "guanyi" ? "blue" : "amber"}>{platformName(c.platform)}</Badge>
                      {c.secretsUnreadable && (
                        <Badge tone="red">
                          <span data-testid="connection-secrets-unreadable">{t(c.secretsAddressChanged ? "connections.secretsAddressChanged" : "connections.secretsUnreadable")}</span>
                        </Badge>
                      )}
                    </div>
                  </div>
                  <p className="text-xs text-slate-500">
                    {c.usedBy.length > 0 ? (
                      <>
                        {t("connections.usedBy")}：
                        {c.usedBy.map((s, i) => (
                          <span key={s.id}>
                            {i > 0 && "、"}
                            <Link className="text-brand-700 hover:underline" href={`/schemes/${s.id}`}>
                              {s.name}
                            </Link>
                          </span>
                        ))}
                      </>
                    ) : (
                      <>
                        {t("connections.updatedAt")} {fmt.time(c.updatedAt)}
                      </>
                    )}
                  </p>
                  {result && result !== "testing" && (
                    <Alert tone={result.ok ? "green" : "red"}>
                      {result.ok ? t("connections.testOk", { message: result.message }) : t("connections.testFailed", { message: result.message })}
                    </Alert>
                  )}
                  {isAdmin && (
                    <div className="flex gap-2">
                      <Button size="sm" busy={result === "testing"} onClick={() => void test(c)}>
                        {t("connections.test")}
                      </Button>
                      <Button size="sm" onClick={() => setEditing(c)}>
                        {t("common.edit")}
                      </Button>
                      <Button size="sm" variant="ghost" className="ml-auto text-red-600" onClick={() => removal.ask(c)}>
                        {t("common.delete")}
                      </Button>
                    </div>
                  )}
                </div>
              </Card>
            );
          })}
        </div>
      )}

      <Modal
        open={editing !== null}
        onClose={() => setEditing(null)}
        wide
        title={editing === "new" ? t("connections.createTitle") : editing ? t("connections.editTitle", { name: editing.name }) : ""}
      >
        {editing !== null && connectors.data && (
          <ConnectionForm
            key={editing === "new" ? "new" : editing.id}
            connectors={connectors.data.connectors}
            connection={editing === "new" ? undefined : editing}
            onCancel={() => setEditing(null)}
            onSaved={(saved) => {
              setEditing(null);
              // The saved version at once (its updatedAt is what the next edit sends), then the list again.
              qc.setQueryData<{ connections: ConnectionDto[] }>(["connections"], (old) => old && { connections: old.connections.map((c) => (c.id === saved.id ? saved : c)) });
              void qc.invalidateQueries({ queryKey: ["connections"] });
            }}
          />
        )}
      </Modal>

      <ConfirmDialog
        {...removal.dialog}
        title={t("connections.deleteTitle")}
        message={t("connections.deleteConfirm", { name: removal.target?.name ?? "" })}
        confirmLabel={t("common.delete")}
      />
    </section>
  );
}
