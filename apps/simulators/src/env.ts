// Shared by both simulators: how fault settings are read from the admin endpoint and the environment.
import { z } from "zod";

export const rate = z.coerce.number().min(0).max(1);
export const count = z.coerce.number().int().min(0);
export const flag = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((v) => v === "1" || v === "true" || v === "yes");

/** An environment variable, with "" meaning unset. */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name] === "" ? undefined : env[name];
}

/**
 * Reads the fault variables named in `names` (fault key → variable) through `schema`; throws a
 * message naming the offending variable.
 */
export function faultsFromEnv<S extends z.ZodType<Record<string, unknown>>>(
  env: NodeJS.ProcessEnv,
  schema: S,
  names: Record<string, string>,
  label: string,
): z.infer<S> {
  const input = Object.fromEntries(
    Object.entries(names)
      .filter(([, name]) => envValue(env, name) !== undefined)
      .map(([key, name]) => [key, envValue(env, name)]),
  );
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0]?.path[0] ?? "");
    throw new Error(`${label}环境变量 ${names[key] ?? key} 无效：${parsed.error.issues[0]?.message ?? ""}`);
  }
  return parsed.data;
}
