"use client";
// The result of a test run: each sampled source record next to the exact payload the target would
// receive, with the mapping's per-field errors; picking a record previews it in the mapping table.
// A document (a payload with entry tables) shows as its head and row tables, the JSON folded below.
// Results of a version other than the one saved now (saved while the test ran, or since) say so.
import type { RunDetailDto } from "@/lib/api/schemas";
import { useLocale, useT } from "@/lib/i18n/client";
import { Alert, Badge, Button, Spinner, cx } from "@/components/ui";
import { ErrorField } from "@/components/error-field";
import { JsonTree } from "@/components/json-tree";
import { JsonView } from "@/components/json-view";
import { hasRows } from "@/lib/documents";
import { DocumentPreview } from "./document-preview";
import { TestWaits, type TestWait } from "./test-waits";

export interface TestRecord {
  sourceId: string;
  source: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** The record as the target receives it (connector preview), when available. */
  wire?: unknown;
  errors: { field: string; message: string; messageEn: string }[];
  /**
   * Fields whose lookup found nothing yet: at run time the record waits (等待依赖) for `scheme` to
   * write `key`. Absent from results of workers that predate lookups.
   */
  waits?: TestWait[];
  /** The scheme's filter node leaves it out: a run never writes it (absent when it passes). */
  filtered?: boolean;
}

export interface TestResult {
  source: { api: string; params: Record<string, unknown>; pageSize: number; total: number; returned: number };
  records: TestRecord[];
  request: unknown;
  wire: boolean;
  note?: { zh: string; en: string };
}

export function testResultOf(run: RunDetailDto | undefined): TestResult | null {
  const r = run?.result as Partial<TestResult> | null | undefined;
  return r && Array.isArray(r.records) ? (r as TestResult) : null;
}

export function TestResults({
  run,
  savedVersion,
  pending,
  error,
  selected,
  onSelect,
  onClose,
}: {
  run: RunDetailDto | undefined;
  /** The version whose mapping the editor shows (none outside the editor: nothing to be stale against). */
  savedVersion?: number;
  pending: boolean;
  error: string | null;
  selected: number;
  onSelect: (index: number) => void;
  onClose: () => void;
}) {
  const t = useT();
  const en = useLocale() === "en";
  const result = testResultOf(run);
  const record = result?.records[selected];
  const stale = run !== undefined && savedVersion !== undefined && run.schemeVersion !== savedVersion;
  return (
    <div className="flex h-[45%] min-h-64 flex-col border-t border-slate-200 bg-white" data-testid="test-results">
      <div className="flex items-center justify-between border-b border-slate-100 px-4 py-2">
        <div className="flex items-center gap-3 text-sm">
          <h2 className="font-semibold text-slate-900">{t("editor.testTitle")}</h2>
          {pending && (
            <span className="flex items-center gap-1.5 text-slate-500">
              <Spinner /> {t("editor.testing")}
            </span>
          )}
          {result && (
            <span className="text-xs text-slate-500">
              {result.source.api} · {t("editor.testTotal", { total: result.source.total })} · {t("editor.testRecords", { count: result.records.length })}
            </span>
          )}
        </div>
        <Button size="sm" variant="ghost" onClick={onClose}>
          {t("common.close")}
        </Button>
      </div>
      {stale && (
        <div className="px-4 pt-3">
          <Alert tone="amber">
            <span data-testid="test-stale">{t("editor.testStale", { tested: run.schemeVersion, current: savedVersion })}</span>
          </Alert>
        </div>
      )}
      {error && (
        <div className="p-4">
          <Alert>{t("editor.testFailed", { message: error })}</Alert>
        </div>
      )}
      {run && !result && !pending && run.error && (
        <div className="p-4">
          <Alert>{t("editor.testFailed", { message: run.error })}</Alert>
        </div>
      )}
      {result && result.records.length === 0 && <p className="p-4 text-sm text-slate-500">{t("editor.testNoRecords")}</p>}
      {result && result.records.length > 0 && (
        <div className="flex min-h-0 flex-1">
          <ul className="w-56 shrink-0 overflow-y-auto border-r border-slate-100 py-1 text-sm" aria-label={t("editor.selectSample")}>
            {result.records.map((r, k) => (
              <li key={`${r.sourceId}-${k}`}>
                <button
                  type="button"
                  data-testid="test-record"
                  onClick={() => onSelect(k)}
                  className={cx("flex w-full items-center justify-between gap-2 px-3 py-1.5 text-left hover:bg-slate-50", k === selected && "bg-brand-50")}
                >
                  <span className="truncate">
                    <span className="font-mono text-xs text-slate-600">#{r.sourceId}</span>{" "}
                    {String(r.source.name ?? r.source.code ?? "")}
                  </span>
                  {r.errors.length > 0 && <Badge tone="red">{r.errors.length}</Badge>}
                  {r.errors.length === 0 && (r.waits?.length ?? 0) > 0 && <Badge tone="amber">{t("editor.testWaiting")}</Badge>}
                  {r.filtered && <Badge tone="slate">{t("editor.testFiltered")}</Badge>}
                </button>
              </li>
            ))}
          </ul>
          {record && (
            <div className="grid min-w-0 flex-1 grid-cols-2 gap-4 overflow-y-auto p-4">
              <div className="min-w-0">
                <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{t("editor.testSource")}</h3>
                <JsonTree value={record.source} testId="test-source" />
              </div>
              <div className="min-w-0">
                <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{t("editor.testPayload")}</h3>
                {record.filtered && (
                  <p className="mb-2 rounded bg-slate-100 px-2 py-1 text-xs text-slate-700" data-testid="test-filtered">
                    {t("editor.testFilteredNote")}
                  </p>
                )}
                {record.errors.length > 0 && (
                  <ul className="mb-2 space-y-1" data-testid="test-field-errors">
                    {record.errors.map((e) => (
                      <li key={e.field} className="rounded bg-red-50 px-2 py-1 text-xs text-red-700">
                        <ErrorField field={e.field} />
                        {en ? e.messageEn : e.message}
                      </li>
                    ))}
                  </ul>
                )}
                <TestWaits waits={record.waits ?? []} />
                {hasRows(record.payload) ? (
                  <>
                    <DocumentPreview doc={record.payload} errors={record.errors} waits={record.waits ?? []} />
                    <details className="mt-3">
                      <summary className="cursor-pointer text-xs font-medium text-slate-600">{t("doc.json")}</summary>
                      <div data-testid="test-payload">
                        <JsonView value={record.wire ?? record.payload} />
                      </div>
                    </details>
                  </>
                ) : (
                  <div data-testid="test-payload">
                    <JsonView value={record.wire ?? record.payload} />
                  </div>
                )}
                {result.note && <p className="mt-2 text-xs text-slate-500">{en ? result.note.en : result.note.zh}</p>}
                {result.wire && result.request !== null && (
                  <details className="mt-3" data-testid="test-request">
                    <summary className="cursor-pointer text-xs font-medium text-slate-600">{t("editor.testRequest")}</summary>
                    <JsonView value={result.request} />
                  </details>
                )}
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
