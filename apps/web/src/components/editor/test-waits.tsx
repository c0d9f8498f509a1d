"use client";
// A test record's fields whose lookup found nothing yet (issue #13): at run time the record waits
// (等待依赖) for the named scheme to write the key, and is never sent with an empty reference.
import { useT } from "@/lib/i18n/client";
import { ErrorField } from "@/components/error-field";

export interface TestWait {
  field: string;
  scheme: string;
  key: string;
  /** The scheme looked up stages the key only as left out by its filter node: it never writes it while that filter stands. */
  leftOut?: boolean;
}

function waitText(t: ReturnType<typeof useT>, w: TestWait): string {
  return t(w.leftOut ? "editor.testWaitsLeftOut" : "editor.testWaits", { scheme: w.scheme, key: w.key });
}

export function TestWaits({ waits }: { waits: TestWait[] }) {
  const t = useT();
  if (waits.length === 0) return null;
  return (
    <div className="mb-2" data-testid="test-field-waits">
      <ul className="space-y-1">
        {waits.map((w) => (
          <li key={`${w.field}:${w.scheme}:${w.key}`} className="rounded bg-amber-50 px-2 py-1 text-xs text-amber-800" data-testid="test-field-wait">
            <ErrorField field={w.field} />
            {waitText(t, w)}
          </li>
        ))}
      </ul>
      <p className="mt-1 text-xs text-slate-500">{t("editor.testWaitsHelp")}</p>
    </div>
  );
}

/** What a waiting field shows where its value would be. */
export function WaitText({ wait }: { wait: TestWait }) {
  const t = useT();
  return <span className="font-sans text-amber-700">{waitText(t, wait)}</span>;
}
