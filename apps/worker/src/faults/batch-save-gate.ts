// A pass-through HTTP proxy in front of the 金蝶 simulator that can stop a chosen BatchSave call at
// one of the two moments a crash matters: before Kingdee saw it ("stall") or after Kingdee committed
// it but before the worker got the answer ("hold"). Fault tests kill the worker at that moment.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type GateAction = "pass" | "stall" | "hold";

export interface BatchSaveGate {
  /** ServerUrl for a connection (…/k3cloud/). */
  url: string;
  /** BatchSave calls seen so far. */
  readonly calls: number;
  /** Calls currently stopped (stalled or held). */
  readonly stopped: number;
  /** Requests of any service on their way through the gate now, and the most at once so far. */
  readonly inFlight: number;
  readonly mostInFlight: number;
  /** What to do with the Nth BatchSave call (1-based); default "pass". */
  plan: (n: number) => GateAction;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startBatchSaveGate(upstream: string): Promise<BatchSaveGate> {
  const target = new URL(upstream);
  let calls = 0;
  let stopped = 0;
  let inFlight = 0;
  let mostInFlight = 0;
  const gate = {
    url: "",
    get calls() {
      return calls;
    },
    get stopped() {
      return stopped;
    },
    get inFlight() {
      return inFlight;
    },
    get mostInFlight() {
      return mostInFlight;
    },
    plan: (() => "pass") as (n: number) => GateAction,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    mostInFlight = Math.max(mostInFlight, ++inFlight);
    // Until the answer is sent or the caller gave up on it.
    res.once("close", () => inFlight--);
    void (async () => {
      const body = await readBody(req);
      const action: GateAction = req.url?.includes(".BatchSave.") ? gate.plan(++calls) : "pass";
      // A stopped call is never answered: the worker that made it is about to be killed.
      const hang = () => {
        stopped++;
        req.socket.once("close", () => stopped--);
      };
      if (action === "stall") return hang();
      const answer = await fetch(new URL(req.url ?? "/", target), {
        method: req.method ?? "POST",
        headers: { "content-type": req.headers["content-type"] ?? "application/json", cookie: req.headers.cookie ?? "", "kdservice-sessionid": String(req.headers["kdservice-sessionid"] ?? "") },
        ...(req.method !== "GET" && { body }),
      });
      const text = await answer.text();
      if (action === "hold") return hang();
      const headers: Record<string, string | string[]> = { "content-type": answer.headers.get("content-type") ?? "application/json" };
      const cookies = answer.headers.getSetCookie();
      if (cookies.length > 0) headers["set-cookie"] = cookies;
      res.writeHead(answer.status, headers).end(text);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  gate.url = `http://127.0.0.1:${port}${target.pathname}`;
  gate.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return gate;
}
