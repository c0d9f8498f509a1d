// The parser ships no types: what parseMetrics (./metrics-parse.ts) relies on.
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
