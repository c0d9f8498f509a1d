// What the web and worker logs (pino) never show: these keys are replaced by "[redacted]" at the
// top level and up to three levels down (an error's request config, a request's headers). Nothing
// logs them today; the list is the net for what a future line (or an error's properties) carries:
// nodemailer's `auth.pass`, 管易云's request `sign`, 金蝶's session (the `kdservice-sessionid` header,
// the login's `KDSVCSessionId` and `Context.SessionId`, the value of its `ASP.NET_SessionId` cookie;
// cookies themselves are covered above), a row's sealed secrets (a Prisma error quotes its
// arguments), and `url`: a robot / webhook URL carries its token, and the app names an address by its
// `displayUrl`, a connection by its id (session 35). Each key is three more wildcard paths that pino
// runs over a line's object values (not its plain ones in the worker: apps/worker/src/logger.ts).
const SECRET_KEYS = [
  "password",
  "pass",
  "secret",
  "secrets",
  "appSecret",
  "sessionkey",
  "sign",
  "kdservice-sessionid",
  "KDSVCSessionId",
  "SessionId",
  "secretCiphertext",
  "url",
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
