// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the parser ships no types; apps importing this entry need its declaration too
/// <reference path="./parse-prometheus-text-format.d.ts" />
// For tests of /api/metrics: Prometheus' text format read back by an independent parser
// (parse-prometheus-text-format, a port of the Prometheus Python client's), with the few lookups
// the tests make. A line the parser cannot read throws. The parser keeps a histogram's buckets but
// not its labels, count or sum, so each histogram's series (`x_bucket`, `x_count`, `x_sum`) are
// also read as plain samples under their own names.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { z } from "zod";

const familySchema = z.object({
  name: z.string(),
  help: z.string(),
  type: z.string(),
  metrics: z.array(
    z.object({
      labels: z.record(z.string(), z.string()).default({}),
      value: z.string().optional(),
      buckets: z.record(z.string(), z.string()).optional(),
      count: z.string().optional(),
      sum: z.string().optional(),
    }),
  ),
});
export type MetricFamily = z.infer<typeof familySchema>;
export type MetricSample = MetricFamily["metrics"][number];

export function parseMetrics(text: string): Map<string, MetricFamily> {
  const parse = (t: string) => z.array(familySchema).parse(parsePrometheusTextFormat(t));
  const families = parse(text);
  const byName = new Map(families.map((f) => [f.name, f]));
  // A histogram's label sets follow one another (buckets, sum, count; the next set's …): each run of
  // lines of one name comes back as a family of its own, gathered here.
  for (const f of parse(text.replace(/^# TYPE \S+ (histogram|summary)$/gm, ""))) {
    if (families.some((g) => g.name === f.name)) continue;
    const seen = byName.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else byName.set(f.name, f);
  }
  return byName;
}

/** The samples of `family` whose labels include `labels`. */
export function samples(families: Map<string, MetricFamily>, family: string, labels: Record<string, string> = {}): MetricSample[] {
  return (families.get(family)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v));
}
