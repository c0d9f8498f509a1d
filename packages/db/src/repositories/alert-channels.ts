// Alert channels (告警渠道) and rules (告警规则), see docs/alerts.md. A channel's secrets (webhook
// URLs with their token or key, signing secrets, the SMTP password) are sealed like connection
// secrets, bound to the channel and to where they go (alertChannelAddress), so a ciphertext copied
// into another row (or a connection) does not open there, nor an SMTP password in a row whose server
// was changed behind the API. Nothing else here knows what a kind's settings mean: @qiao/alerts
// validates them.
import { randomUUID } from "node:crypto";
import { render, type Message } from "@qiao/core";
import type { AlertChannel, AlertChannelKind, AlertRule, AlertRuleKind, Prisma } from "../../generated/prisma/client";
import type { Db } from "../client";
import { isSealedCurrently, keyring, seal, SecretKeyError, unseal, type Keyring, type SealedSecret, type SecretBinding } from "../secrets";
import { resealStored } from "../secrets-reseal";
import { SchemeGoneError } from "./scheme-gone";

export type AlertChannelRow = AlertChannel;
export type AlertRuleRow = AlertRule;

export interface AlertChannelInput {
  kind: AlertChannelKind;
  name: string;
  enabled?: boolean;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
  displayUrl?: string;
}

/**
 * An email channel's SMTP server as the web app compares it to decide that the channel moved (a new
 * host, port, TLS mode or user asks for the password again): its password is sealed for it.
 */
export function emailServerOf(settings: unknown): string {
  const s = (settings ?? {}) as Record<string, unknown>;
  return JSON.stringify((["host", "port", "secure", "user"] as const).map((k) => s[k] ?? null));
}

/**
 * Where a channel's secrets go, which they are sealed for: an email channel's SMTP server; for the
 * other kinds their kind alone, since the address is the sealed URL itself (a token in it), bound
 * with it in one ciphertext to the channel's id.
 */
export function alertChannelAddress(kind: AlertChannelKind, settings: unknown): string {
  return kind === "email" ? `email:${emailServerOf(settings)}` : kind;
}

/** What a channel's secrets are sealed for: the channel, and alertChannelAddress. */
export function alertChannelBinding(row: { id: string; kind: AlertChannelKind; settings: unknown }): SecretBinding {
  return { owner: "alert-channel", id: row.id, address: alertChannelAddress(row.kind, row.settings) };
}

export async function createAlertChannel(db: Db, input: AlertChannelInput): Promise<AlertChannelRow> {
  const id = randomUUID();
  const sealed = seal(input.secrets, alertChannelBinding({ id, kind: input.kind, settings: input.settings }));
  return db.alertChannel.create({
    data: {
      id,
      kind: input.kind,
      name: input.name,
      enabled: input.enabled ?? true,
      settings: input.settings as object,
      displayUrl: input.displayUrl ?? "",
      secretCiphertext: sealed.ciphertext,
      secretKeyId: sealed.keyId,
    },
  });
}

/** What an edit writes, worked out from the channel as locked (AlertChannelEdit.changeFrom). */
export interface AlertChannelChange {
  /** The settings, whole. */
  settings: Record<string, unknown>;
  /** The secrets, whole, sealed as given; absent: the stored ciphertext stays as it is. */
  secrets?: Record<string, string>;
  displayUrl?: string;
}

export type AlertChannelEdit = Partial<Omit<AlertChannelInput, "kind" | "secrets">> & {
  /** Secrets typed: absent or empty ones keep their stored value. */
  secrets?: Record<string, string | undefined>;
  /** Secrets to remove. */
  clearSecrets?: string[];
  /**
   * The settings and secrets worked out from the row as locked (in place of `settings`, `secrets`,
   * `clearSecrets` and `displayUrl`): the API merges what was typed over what is stored *now*, and
   * decides there whether a moved address drops a stored secret, so a secret saved meanwhile is
   * never written back beside an address it was not typed for. May throw (nothing changes).
   */
  changeFrom?: (locked: AlertChannelRow) => AlertChannelChange;
};

/**
 * Changes a channel, its row locked (FOR UPDATE) from the read of what is stored to the write, so
 * two edits at once are applied one after the other, each over what the other wrote. Without
 * `changeFrom`: secrets that are absent or empty keep their stored value (the browser never sees
 * them: "left blank" means "unchanged"); `clearSecrets` names the ones to remove. The secrets are
 * sealed for the address written (alertChannelAddress); an edit that moves it (an SMTP server) and
 * gives no secrets drops the stored ones, so they never open beside an address they were not typed
 * for (the API asks for the password again first: api.smtpPasswordForNewServer). Null when there is
 * no such channel.
 */
export async function updateAlertChannel(db: Db, id: string, input: AlertChannelEdit): Promise<AlertChannelRow | null> {
  return db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM alert_channels WHERE id = ${id}::uuid FOR UPDATE`;
    if (locked.length === 0) return null;
    const current = await tx.alertChannel.findUniqueOrThrow({ where: { id } });
    const change = input.changeFrom ? input.changeFrom(current) : mergedChange(current, input);
    const binding = alertChannelBinding({ id, kind: current.kind, settings: change.settings ?? current.settings });
    const moved = binding.address !== alertChannelBinding(current).address;
    let sealed: { secretCiphertext: string; secretKeyId: string } | undefined;
    if (change.secrets || moved) {
      const s = seal(change.secrets ?? {}, binding);
      sealed = { secretCiphertext: s.ciphertext, secretKeyId: s.keyId };
    }
    return tx.alertChannel.update({
      where: { id },
      data: {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
        ...(change.settings !== undefined && { settings: change.settings as object }),
        ...(change.displayUrl !== undefined && { displayUrl: change.displayUrl }),
        ...sealed,
      },
    });
  });
}

/** An edit without `changeFrom`: typed secrets over the stored ones (as locked), less those cleared. */
function mergedChange(current: AlertChannelRow, input: AlertChannelEdit): Partial<AlertChannelChange> {
  const typed = Object.entries(input.secrets ?? {}).flatMap(([k, v]) => (v === undefined || v === "" ? [] : [[k, v] as const]));
  let secrets: Record<string, string> | undefined;
  if (typed.length > 0 || input.clearSecrets?.length) {
    secrets = { ...(alertChannelSecrets(current) ?? {}), ...Object.fromEntries(typed) };
    for (const name of input.clearSecrets ?? []) delete secrets[name];
  }
  return { ...(input.settings !== undefined && { settings: input.settings }), ...(secrets && { secrets }), ...(input.displayUrl !== undefined && { displayUrl: input.displayUrl }) };
}

/** The channel's unsealed secrets, or why they cannot be opened where the channel now sends. */
export function openAlertChannelSecrets(row: Pick<AlertChannelRow, "id" | "kind" | "settings" | "secretCiphertext" | "secretKeyId">): { secrets: Record<string, string> } | { unreadable: SecretKeyError } {
  try {
    return { secrets: unseal({ ciphertext: row.secretCiphertext, keyId: row.secretKeyId }, alertChannelBinding(row)) as Record<string, string> };
  } catch (error) {
    if (error instanceof SecretKeyError) return { unreadable: error };
    throw error;
  }
}

/** The channel's unsealed secrets, or undefined when they cannot be opened (key removed, row altered, its SMTP server changed behind the API). */
export function alertChannelSecrets(row: Pick<AlertChannelRow, "id" | "kind" | "settings" | "secretCiphertext" | "secretKeyId">): Record<string, string> | undefined {
  const opened = openAlertChannelSecrets(row);
  return "secrets" in opened ? opened.secrets : undefined;
}

/**
 * Re-seals every channel's secrets with the active key and in the current format (`npm run
 * secrets:rotate`, beside the connections'); `ring` must still hold the old keys. A channel whose
 * secrets do not open where it now sends is left as it is and passed to `unopened`. Returns how many
 * were re-sealed.
 */
export async function rotateAlertChannelSecrets(db: Db, ring: Keyring = keyring(), unopened?: (row: { id: string; name: string }, error: SecretKeyError) => void): Promise<number> {
  const rows = await db.alertChannel.findMany({ select: { id: true, name: true, kind: true, settings: true, secretCiphertext: true, secretKeyId: true } });
  const due = rows.filter((r) => !isSealedCurrently({ ciphertext: r.secretCiphertext, keyId: r.secretKeyId }, ring));
  return resealAlertChannels(db, due, ring, true, unopened);
}

/** resealStored over alert channel rows (secrets-reseal.ts). */
export function resealAlertChannels(
  db: Db,
  rows: readonly Pick<AlertChannelRow, "id" | "name" | "kind" | "settings" | "secretCiphertext" | "secretKeyId">[],
  ring: Keyring,
  toActiveKey: boolean,
  unopened?: (row: { id: string; name: string }, error: SecretKeyError) => void,
): Promise<number> {
  const swap = async (id: string, old: string, sealed: SealedSecret) =>
    (await db.alertChannel.updateMany({ where: { id, secretCiphertext: old }, data: { secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId } })).count;
  return resealStored(rows, alertChannelBinding, swap, { ring, toActiveKey, ...(unopened && { unopened }) });
}

export function listAlertChannels(db: Db): Promise<AlertChannelRow[]> {
  return db.alertChannel.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export function getAlertChannel(db: Db, id: string): Promise<AlertChannelRow | null> {
  return db.alertChannel.findUnique({ where: { id } });
}

/** The enabled channels among `ids`. */
export function enabledAlertChannels(db: Db, ids: readonly string[]): Promise<AlertChannelRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.alertChannel.findMany({ where: { id: { in: [...ids] }, enabled: true }, orderBy: { createdAt: "asc" } });
}

/**
 * Deletes the channel and removes it from every rule; false when there was none. The channel's row
 * is locked first: a rule being saved with it holds it (lockRuleReferences), and is waited for, so
 * the rules read next include it; a rule saved after waits, then finds the channel gone.
 */
export async function deleteAlertChannel(db: Db, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM alert_channels WHERE id = ${id}::uuid FOR UPDATE`;
    await tx.$executeRaw`UPDATE alert_rules SET channel_ids = array_remove(channel_ids, ${id}::uuid) WHERE ${id}::uuid = ANY(channel_ids)`;
    const { count } = await tx.alertChannel.deleteMany({ where: { id } });
    return count > 0;
  });
}

/**
 * What a send did, kept on the channel for the settings page: a success clears the failure count;
 * a failure keeps its (already secret-free) message, its zh-CN text, time and the count of failures in a row.
 */
export async function recordAlertChannelOutcome(db: Db, id: string, outcome: { ok: true } | { ok: false; error: Message }, at = new Date()): Promise<void> {
  if (outcome.ok) {
    await db.alertChannel.updateMany({ where: { id }, data: { lastSentAt: at, failureCount: 0 } });
  } else {
    await db.alertChannel.updateMany({
      where: { id },
      data: {
        lastError: render(outcome.error).slice(0, 1000),
        lastErrorMessage: outcome.error as Prisma.InputJsonValue,
        lastErrorAt: at,
        failureCount: { increment: 1 },
      },
    });
  }
}

// ---------------------------------------------------------------------------------------
// Rules

export interface AlertRuleInput {
  name: string;
  kind: AlertRuleKind;
  schemeId: string | null;
  threshold: number;
  channelIds: string[];
  enabled?: boolean;
}

/** A channel id the rule names does not exist. */
export class AlertChannelMissing extends Error {
  override name = "AlertChannelMissing";
  constructor(readonly channelIds: string[]) {
    super(`alert channels not found: ${channelIds.join(", ")}`);
  }
}

/**
 * The rule's channel ids, each once, in the order named: lower-cased first (a uuid is
 * case-insensitive, and Postgres stores it lower-case), so one channel named in two letter cases is
 * not stored, listed and notified twice (session 35's audit).
 */
const distinctChannelIds = (ids: string[]) => [...new Set(ids.map((id) => id.toLowerCase()))];

/**
 * In a rule save's transaction, before the rule's row: holds the scheme and the channels the rule
 * names for the rest of the transaction, and refuses those that do not exist (SchemeGoneError,
 * AlertChannelMissing). FOR KEY SHARE, as a foreign key's check holds a row: a delete waits for the
 * save, a run's update of its scheme or a send's of its channel does not. A check read apart from
 * the write let a channel's delete commit in between, and the save wrote the deleted channel back
 * into the rule (session 33's audit); a delete now waits, then removes the channel from it.
 */
async function lockRuleReferences(tx: Prisma.TransactionClient, input: Partial<AlertRuleInput>): Promise<void> {
  if (input.schemeId) {
    const scheme = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM schemes WHERE id = ${input.schemeId}::uuid FOR KEY SHARE`;
    if (scheme.length === 0) throw new SchemeGoneError(input.schemeId);
  }
  if (!input.channelIds) return;
  const ids = distinctChannelIds(input.channelIds).sort();
  const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM alert_channels WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR KEY SHARE`;
  const found = new Set(locked.map((c) => c.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new AlertChannelMissing(missing);
}

/** Creates the rule; SchemeGoneError or AlertChannelMissing when a scheme or channel it names does not exist. */
export async function createAlertRule(db: Db, input: AlertRuleInput): Promise<AlertRuleRow> {
  return db.$transaction(async (tx) => {
    await lockRuleReferences(tx, input);
    return tx.alertRule.create({ data: { ...input, channelIds: distinctChannelIds(input.channelIds), enabled: input.enabled ?? true } });
  });
}

/**
 * A rule switched on again (enabled false → true) forgets the lasting conditions its windows
 * remembered (an alerted outage, a shortfall's start): they are only cleared by the rule's own
 * checks, which skip a rule while it is off, so a condition alerted before it was switched off would
 * be taken for the incident it sees now and that incident never alerted (session 25's audit: a
 * no_worker rule muted during an outage stayed silent through the next one). Null when there is no
 * such rule; SchemeGoneError or AlertChannelMissing when a scheme or channel it names does not exist.
 */
export async function updateAlertRule(db: Db, id: string, input: Partial<AlertRuleInput>): Promise<AlertRuleRow | null> {
  const count = await db.$transaction(async (tx) => {
    await lockRuleReferences(tx, input);
    if (input.enabled === true) {
      await tx.$executeRaw`UPDATE alert_windows w SET condition = NULL
        FROM alert_rules r WHERE r.id = ${id}::uuid AND NOT r.enabled AND w.rule_id = r.id AND w.condition IS NOT NULL`;
    }
    const updated = await tx.alertRule.updateMany({
      where: { id },
      data: { ...input, ...(input.channelIds && { channelIds: distinctChannelIds(input.channelIds) }) },
    });
    return updated.count;
  });
  return count === 0 ? null : db.alertRule.findUnique({ where: { id } });
}

export function listAlertRules(db: Db): Promise<AlertRuleRow[]> {
  return db.alertRule.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export function getAlertRule(db: Db, id: string): Promise<AlertRuleRow | null> {
  return db.alertRule.findUnique({ where: { id } });
}

export async function deleteAlertRule(db: Db, id: string): Promise<boolean> {
  const { count } = await db.alertRule.deleteMany({ where: { id } });
  return count > 0;
}

/** The enabled rules of these kinds that apply to `schemeId` (its own and the global ones); every scheme's when undefined. */
export function enabledAlertRules(db: Db, kinds: readonly AlertRuleKind[], schemeId?: string): Promise<AlertRuleRow[]> {
  return db.alertRule.findMany({
    where: { enabled: true, kind: { in: [...kinds] }, ...(schemeId !== undefined && { OR: [{ schemeId: null }, { schemeId }] }) },
    orderBy: { createdAt: "asc" },
  });
}
