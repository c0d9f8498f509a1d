// What the web and worker logs (pino) never show: these keys are replaced by "[redacted]" at the
// top level and up to three levels down (an error's request config, a request's headers).
const SECRET_KEYS = [
  "password",
  "secret",
  "secrets",
  "appSecret",
  "sessionkey",
  "credentials",
  "token",
  "apiToken",
  "accessToken",
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "set-cookie",
  "BETTER_AUTH_SECRET",
  "QIAO_SECRET_KEYS",
] as const;

const MAX_DEPTH = 3;

/** A key as a pino redaction path segment ("*.password", `*["set-cookie"]`). */
function segment(key: string): string {
  return /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** pino's `redact` option for every Qiao process. */
export const LOG_REDACTION = {
  paths: SECRET_KEYS.flatMap((key) =>
    Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => `${Array(depth).fill("*").join(".")}${segment(key)}`.replace(/^\./, "")),
  ),
  censor: "[redacted]",
};
