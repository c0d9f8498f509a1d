// Requests Playwright's client cannot make: a body streamed in chunks without Content-Length, and
// a request from another loopback address (127.0.0.2) so the server sees another client.
import { request as httpRequest, type OutgoingHttpHeaders } from "node:http";

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Body bytes written before the answer arrived (a streamed body stops there). */
  sentBytes: number;
}

interface RawRequest {
  url: string;
  method?: string;
  headers?: OutgoingHttpHeaders;
  body?: string;
  /** Stream this many bytes in 64 KiB chunks, chunked, unless the server answers first. */
  streamBytes?: number;
  localAddress?: string;
}

export function rawRequest(opts: RawRequest): Promise<RawAnswer> {
  const url = new URL(opts.url);
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: opts.method ?? "POST", headers: opts.headers, localAddress: opts.localAddress },
      (res) => {
        answered = true;
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sentBytes });
          req.destroy();
        });
      },
    );
    req.on("error", (error) => (answered ? undefined : reject(error)));
    if (opts.streamBytes === undefined) {
      req.end(opts.body);
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, "a");
    const total = opts.streamBytes;
    const pump = () => {
      while (!answered && sentBytes < total) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
