// The client's address for sign-in throttling. Route handlers under `next start` never see the
// socket, and the X-Forwarded-For that Next fills in is only set when the client sent none (so a
// client could choose it). So instrumentation.ts stamps every incoming request with its socket's
// address in PEER_ADDRESS_HEADER, overwriting any value the client sent, before Next sees it.
import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

export const PEER_ADDRESS_HEADER = "x-qiao-peer-address";

let recording = false;

/** Node's http server reports each request on this channel before any handler sees it. */
export function recordPeerAddresses(): void {
  if (recording) return;
  recording = true;
  subscribe("http.server.request.start", (message) => {
    const { request, socket } = message as { request: IncomingMessage; socket: Socket };
    request.headers[PEER_ADDRESS_HEADER] = socket.remoteAddress ?? "unknown";
  });
}

/**
 * With `trustedHops` = 0 the socket's address; with N proxies in front, each appending the address
 * it saw to X-Forwarded-For, the Nth entry from the right (the leftmost if there are fewer).
 */
export function clientAddress(headers: Headers, trustedHops: number): string {
  const peer = headers.get(PEER_ADDRESS_HEADER) ?? "unknown";
  if (trustedHops === 0) return peer;
  const forwarded = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  if (forwarded.length === 0) return peer;
  return forwarded[Math.max(0, forwarded.length - trustedHops)]!;
}
