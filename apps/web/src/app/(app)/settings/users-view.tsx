"use client";
// Admins only: add users, change their role, reset their password, delete them. The server refuses
// demoting or deleting the last admin (409); its message shows here.
import type { Role } from "@qiao/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api } from "@/lib/api/client";
import type { UserDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { RoleOptions, useCurrentUser } from "@/components/role";
import { Alert, Button, Card, ConfirmDialog, Field, Input, Modal, Select } from "@/components/ui";
import { useConfirmedAction } from "@/components/use-confirmed-action";

const EMPTY = { email: "", name: "", password: "", role: "editor" as Role };

export function UsersView() {
  const t = useT();
  const fmt = useFormat();
  const qc = useQueryClient();
  const me = useCurrentUser();
  const users = useQuery({ queryKey: ["users"], queryFn: api.users });
  const [form, setForm] = useState(EMPTY);
  const [notice, setNotice] = useState<string | null>(null);
  const [resetting, setResetting] = useState<UserDto | null>(null);
  const [password, setPassword] = useState("");
  const refresh = () => void qc.invalidateQueries({ queryKey: ["users"] });

  const create = useMutation({
    mutationFn: api.createUser,
    onSuccess: (user) => {
      setForm(EMPTY);
      setNotice(t("users.created", { email: user.email }));
      refresh();
    },
  });
  const change = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Parameters<typeof api.updateUser>[1] }) => api.updateUser(id, body),
    onSuccess: (user, { body }) => {
      if (body.password) {
        setResetting(null);
        setPassword("");
        setNotice(t("users.passwordSet", { email: user.email }));
      }
      refresh();
    },
    onError: refresh,
  });
  const removal = useConfirmedAction<UserDto>(api.deleteUser, ["users"]);

  function onCreate(e: FormEvent) {
    e.preventDefault();
    setNotice(null);
    create.mutate(form);
  }

  return (
    <Card className="p-6">
      <h2 className="text-lg font-semibold text-slate-900">{t("users.title")}</h2>
      <p className="mt-1 max-w-2xl text-sm text-slate-500">{t("role.help")}</p>

      <form onSubmit={onCreate} className="mt-5 grid max-w-4xl gap-3 md:grid-cols-5 md:items-end" aria-label={t("users.create")}>
        <Field label={t("users.email")} htmlFor="user-email" required>
          <Input id="user-email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
        </Field>
        <Field label={t("users.name")} htmlFor="user-name" required>
          <Input id="user-name" required maxLength={100} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </Field>
        <Field label={t("users.password")} htmlFor="user-password" required>
          <Input
            id="user-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </Field>
        <Field label={t("users.role")} htmlFor="user-role">
          <Select id="user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            <RoleOptions />
          </Select>
        </Field>
        <Button type="submit" variant="primary" busy={create.isPending}>
          {t("users.create")}
        </Button>
      </form>
      <div className="mt-3 space-y-2">
        {(create.error ?? change.error) && <Alert>{(create.error ?? change.error)!.message}</Alert>}
        {notice && <Alert tone="green">{notice}</Alert>}
      </div>

      <div className="mt-6 overflow-hidden rounded-lg ring-1 ring-slate-200">
        <table className="w-full text-left text-sm">
          <thead className="bg-slate-50 text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">{t("users.email")}</th>
              <th className="px-4 py-2.5 font-medium">{t("users.name")}</th>
              <th className="px-4 py-2.5 font-medium">{t("users.role")}</th>
              <th className="px-4 py-2.5 font-medium">{t("users.createdAt")}</th>
              <th className="px-4 py-2.5" />
            </tr>
          </thead>
          <tbody>
            {users.data?.users.map((u) => (
              <tr key={u.id} data-testid="user-row" className="border-t border-slate-100">
                <td className="px-4 py-2.5 font-medium text-slate-800">
                  {u.email}
                  {u.id === me.id && <span className="font-normal text-slate-500">{t("users.you")}</span>}
                </td>
                <td className="px-4 py-2.5 text-slate-600">{u.name}</td>
                <td className="px-4 py-2.5">
                  <Select
                    aria-label={t("users.changeRole", { email: u.email })}
                    value={u.role}
                    disabled={change.isPending}
                    onChange={(e) => change.mutate({ id: u.id, body: { role: e.target.value as Role } })}
                  >
                    <RoleOptions />
                  </Select>
                </td>
                <td className="px-4 py-2.5 text-slate-600">{fmt.time(u.createdAt)}</td>
                <td className="space-x-1 px-4 py-2.5 text-right">
                  <Button size="sm" variant="ghost" onClick={() => setResetting(u)}>
                    {t("users.setPassword")}
                  </Button>
                  <Button size="sm" variant="ghost" className="text-red-600" onClick={() => removal.ask(u)}>
                    {t("common.delete")}
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <Modal open={resetting !== null} onClose={() => setResetting(null)} title={t("users.setPasswordTitle", { email: resetting?.email ?? "" })}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (resetting) change.mutate({ id: resetting.id, body: { password } });
          }}
          className="space-y-4"
        >
          <Field label={t("users.newPassword")} htmlFor="reset-password" required>
            <Input id="reset-password" type="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
          {change.error && <Alert>{change.error.message}</Alert>}
          <div className="flex justify-end gap-2">
            <Button type="button" onClick={() => setResetting(null)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" variant="primary" busy={change.isPending}>
              {t("common.save")}
            </Button>
          </div>
        </form>
      </Modal>

      <ConfirmDialog
        {...removal.dialog}
        title={t("users.deleteTitle")}
        message={t("users.deleteConfirm", { email: removal.target?.email ?? "" })}
        confirmLabel={t("common.delete")}
      />
    </Card>
  );
}
