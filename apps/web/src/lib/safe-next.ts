// Where sign-in sends the user afterwards (`/sign-in?next=…`): only a path of our own origin.
// Browsers read "\" as "/" and drop tabs and newlines, so "/\evil.example", "/%5Cevil.example" (once
// decoded) or "/\t/evil.example" would leave the site: anything but a plain "/path" is refused.
export const DEFAULT_AFTER_SIGN_IN = "/";

const BASE = "http://qiao.invalid";

export function safeNextPath(next: string | undefined | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//")) return DEFAULT_AFTER_SIGN_IN;
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return DEFAULT_AFTER_SIGN_IN;
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\\\u0000-\u001f\u007f]/.test(decoded) || decoded.startsWith("//")) return DEFAULT_AFTER_SIGN_IN;
  const url = new URL(next, BASE);
  if (url.origin !== BASE) return DEFAULT_AFTER_SIGN_IN;
  return `${url.pathname}${url.search}${url.hash}`;
}
