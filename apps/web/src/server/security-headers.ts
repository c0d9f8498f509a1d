// Security headers. Pages get a Content-Security-Policy with a fresh nonce per request (set in
// proxy.ts: Next reads the nonce from the request's CSP header and puts it on its own scripts);
// API answers and everything else get theirs from next.config.ts.

/** The page policy: scripts only with this response's nonce (and what they load), styles inline too. */
export function pageContentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': the chunks Next's nonced bootstrap loads are trusted; dev needs eval for HMR.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React Flow and the charts position elements with style attributes.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** API answers are data, never a document: nothing may load from them, nobody may frame them. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** Sent with every answer (next.config.ts). */
export const COMMON_SECURITY_HEADERS = [
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

/**
 * Sent only when the request came over HTTPS (the TLS-terminating proxy says so in
 * X-Forwarded-Proto): browsers ignore it over plain HTTP anyway, and a development instance on
 * http://localhost must not pin the host to HTTPS.
 */
export const HSTS_HEADER = { key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" };
