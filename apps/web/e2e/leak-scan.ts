// Playwright globalTeardown: after the whole e2e run (the server still up), the recorded responses
// of every test using ./fixtures.ts and the web + worker log written by e2e/serve.ts are searched
// for every known secret; any hit fails the run.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findLeaks, knownSecrets, masked, RESPONSES_DIR, SERVER_LOG } from "./leaks";

export default function leakScan(): void {
  const secrets = knownSecrets();
  const problems: string[] = [];
  const files = existsSync(RESPONSES_DIR) ? readdirSync(RESPONSES_DIR).filter((f) => f.endsWith(".jsonl")) : [];
  let responses = 0;
  for (const file of files) {
    for (const line of readFileSync(join(RESPONSES_DIR, file), "utf8").split("\n").filter(Boolean)) {
      responses++;
      const r = JSON.parse(line) as { test: string; method: string; url: string; body: string };
      for (const s of findLeaks(r.body, secrets)) problems.push(`response ${r.method} ${r.url} in "${r.test}" shows ${masked(s)}`);
    }
  }
  let logLines = 0;
  if (existsSync(SERVER_LOG)) {
    const lines = readFileSync(SERVER_LOG, "utf8").split("\n");
    logLines = lines.length;
    lines.forEach((line, i) => {
      for (const s of findLeaks(line, secrets)) problems.push(`e2e-server.log line ${i + 1} shows ${masked(s)}`);
    });
  }
  console.log(`[leak-scan] ${secrets.length} secrets × ${responses} recorded responses and ${logLines} log lines: ${problems.length} leaks`);
  if (problems.length > 0) throw new Error(`Secret values leaked during the e2e run:\n${problems.join("\n")}`);
}
