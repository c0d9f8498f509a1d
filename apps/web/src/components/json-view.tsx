/** JSON as people read it: indented, monospaced, wrapped. */
export function JsonView({ value, className }: { value: unknown; className?: string }) {
  return (
    <pre className={`max-h-96 overflow-auto whitespace-pre-wrap break-all rounded-lg bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800 ring-1 ring-slate-200 ${className ?? ""}`}>
      {value === undefined ? "—" : JSON.stringify(value, null, 2)}
    </pre>
  );
}
