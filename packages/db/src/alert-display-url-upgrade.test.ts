// Upgrading to 20261227100000_alert_display_url_host_only (session 35's audit): a webhook channel's
// stored address showed its path's first segment, the token itself for Telegram (/bot<token>/…) and
// Bark (/<key>/…). The upgrade masks it to scheme and host, in the address and in the last send
// error that quoted it; the robots' documented paths and addresses without a path stay as they were.
import { expect, it } from "vitest";
import { createAlertChannel } from "./repositories/alert-channels";
import { useDatabaseWithout } from "./upgrade-db.test-util";

const MIGRATION = "20261227100000_alert_display_url_host_only";
// A database migrated without it, as the code before it left it.
const up = useDatabaseWithout("alertdisplayurl", MIGRATION);

it("masks stored webhook addresses to scheme and host, in the last send error too, and leaves the robots' paths", { timeout: 60_000 }, async () => {
  const { db } = up;
  const token = "1234567890:AAHfQx9Zk3pLr7Vt0bNw2sYc4mKd8uE6jGi";
  const cases: [string, string][] = [
    [`https://api.telegram.org/bot${token}/…`, "https://api.telegram.org/…"],
    ["http://127.0.0.1:9/open-apis/…", "http://127.0.0.1:9/…"],
    // As the code before it showed them already: unchanged.
    ["https://oapi.dingtalk.com/robot/send", "https://oapi.dingtalk.com/robot/send"],
    ["https://hooks.example.test/…", "https://hooks.example.test/…"],
    ["https://hooks.example.test/", "https://hooks.example.test/"],
    ["", ""],
  ];
  const rows = [];
  for (const [shown] of cases) {
    const row = await createAlertChannel(db, { kind: "webhook", name: `channel ${rows.length + 1}`, settings: {}, secrets: { url: "http://127.0.0.1:9/x" }, displayUrl: shown });
    const error = `Webhook ${shown} 应答 HTTP 404`;
    await db.alertChannel.update({
      where: { id: row.id },
      data: { lastError: error, lastErrorMessage: { code: "alerts.webhookStatus", params: { where: shown, status: 404 } } },
    });
    rows.push(row);
  }

  expect(await up.upgrade()).toContain(MIGRATION);

  for (const [k, row] of rows.entries()) {
    const [before, after] = cases[k]!;
    const now = await db.alertChannel.findUniqueOrThrow({ where: { id: row.id } });
    expect(now.displayUrl, before).toBe(after);
    expect(now.lastError).toBe(`Webhook ${after} 应答 HTTP 404`);
    expect(now.lastErrorMessage).toEqual({ code: "alerts.webhookStatus", params: { where: after, status: 404 } });
    expect(JSON.stringify(now)).not.toContain(token);
  }
});
