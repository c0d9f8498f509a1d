// What reaches better-auth's POST endpoints (apps/web/src/server/auth-requests.ts), found by session
// 33's audit: sign-in guesses sent as a form were never throttled (better-auth's /sign-in/email
// accepts application/x-www-form-urlencoded; the throttle read JSON only), and every other
// better-auth write (update-user, change-password …) was open to any session, a viewer's too.
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

vi.setConfig({ testTimeout: 60_000 });

let bed: RouteBed;
let POST: (req: Request) => Promise<Response>;

beforeAll(async () => {
  bed = await openRouteBed("auth_posts", "viewer");
  ({ POST } = await import("./route"));
}, 120_000);
afterAll(async () => {
  await (globalThis as { qiaoSignInThrottle?: { close(): Promise<void> } }).qiaoSignInThrottle?.close();
  await bed?.close();
});

const ORIGIN = "http://localhost:3000";

function post(path: string, body: string, contentType: string, address: string, cookie?: string): Promise<Response> {
  return POST(
    new Request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        origin: ORIGIN,
        "sec-fetch-site": "same-origin",
        "x-qiao-peer-address": address,
        ...(cookie && { cookie }),
      },
      body,
    }),
  );
}

test("JSON guesses are throttled: the sixth wrong password from one address is 429", async () => {
  const email = "json-victim@route.test";
  await bed.db.createUser(bed.prisma, { email, name: "victim", role: "admin", password: "the-real-password-1" });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await post("/api/auth/sign-in/email", JSON.stringify({ email, password: `guess-${i}` }), "application/json", "198.51.100.77")).status);
  expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
});

test("form-encoded guesses are throttled as JSON ones are, and a form naming two emails is refused", async () => {
  const email = "form-victim@route.test";
  await bed.db.createUser(bed.prisma, { email, name: "victim", role: "admin", password: "the-real-password-1" });
  const form = (password: string) => new URLSearchParams({ email, password }).toString();
  const signIn = (body: string) => post("/api/auth/sign-in/email", body, "application/x-www-form-urlencoded", "198.51.100.78");
  // better-auth accepts the form and checks the password (the right one signs in this way).
  expect((await signIn(form("the-real-password-1"))).status).toBe(200);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await signIn(form(`guess-${i}`))).status);
  // At most 5 guesses per 15 minutes for one account from one address; every further one is 429.
  expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
  // The throttle counts the account whose password is checked: a decoy email beside it is refused.
  const decoy = `email=decoy%40route.test&email=${encodeURIComponent(email)}&password=guess-x`;
  expect((await post("/api/auth/sign-in/email", decoy, "application/x-www-form-urlencoded", "198.51.100.79")).status).toBe(400);
});

test("JSON guesses whose content type names the form type in a parameter are throttled like any JSON guess", async () => {
  // better-auth reads a body by its media type (before ";"): this one as JSON, and checks the
  // password (the right one signs in this way); the throttle once read it as a form (session 33).
  const email = "ctype-victim@route.test";
  await bed.db.createUser(bed.prisma, { email, name: "victim", role: "admin", password: "the-real-password-1" });
  const contentType = 'application/json; profile="application/x-www-form-urlencoded"';
  const signIn = (password: string) => post("/api/auth/sign-in/email", JSON.stringify({ email, password }), contentType, "198.51.100.120");
  expect((await signIn("the-real-password-1")).status).toBe(200);
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await signIn(`guess-${i}`)).status);
  expect(statuses).toEqual([...Array(5).fill(401), ...Array(3).fill(429)]);
});

test("a viewer's session reaches no better-auth write but sign-out: update-user and change-password answer 404", async () => {
  const email = "viewer-writes@route.test";
  const user = await bed.db.createUser(bed.prisma, { email, name: "Vera Viewer", role: "viewer", password: "viewer-password-1" });
  const signedIn = await post("/api/auth/sign-in/email", JSON.stringify({ email, password: "viewer-password-1" }), "application/json", "198.51.100.90");
  expect(signedIn.status).toBe(200);
  const cookie = signedIn.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toContain("session_token");

  const renamed = await post("/api/auth/update-user", JSON.stringify({ name: `系统管理员 ${"x".repeat(150)}` }), "application/json", "198.51.100.90", cookie);
  expect(renamed.status).toBe(404);
  const changed = await post(
    "/api/auth/change-password",
    JSON.stringify({ currentPassword: "viewer-password-1", newPassword: "another-password-2" }),
    "application/json",
    "198.51.100.90",
    cookie,
  );
  expect(changed.status).toBe(404);
  const after = await bed.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
  expect(after.name).toBe("Vera Viewer");

  // Sign-out still works, and ends the session.
  expect((await post("/api/auth/sign-out", "{}", "application/json", "198.51.100.90", cookie)).status).toBe(200);
  expect(await bed.prisma.session.count({ where: { userId: user.id } })).toBe(0);
});
