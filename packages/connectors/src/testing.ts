// Test helpers: the policy under which tests reach the simulators on 127.0.0.1, and a guard that
// keeps any test from opening a socket to anything but loopback, recording what was attempted.
import net from "node:net";
import { expect, vi } from "vitest";
import { ConnectorError } from "./errors";
import { DEFAULT_MAX_RESPONSE_BYTES, type OutboundPolicy } from "./outbound";

export const simulatorPolicy: OutboundPolicy = { allowPrivateTargets: true, allowedHosts: [], maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES };

/** The ConnectorError `promise` rejects with (fails the test if it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

/** Loopback: 127.0.0.0/8 (the tests' second address, 127.0.0.2, included), ::1. */
const isLoopback = (address: string) => address === "::1" || address === "localhost" || (net.isIPv4(address) && address.startsWith("127."));

/**
 * Spies on every socket's connect step. An address other than loopback (or than `permitted` says)
 * — given directly or handed over by the socket's lookup — is recorded in `attempted` and turned into
 * an error, so even a broken policy sends nothing off the machine. Both ways a socket is connected
 * are seen: `socket.connect(options)` (https: tls.connect) and the normalised argument array
 * `net.createConnection` passes (plain http: before session 25 those went by unchecked, and a
 * helper's test reached a private address). A lookup the wrapper did not see (a socket connected
 * some other way) is caught at the socket's `lookup` event, which comes before the connect: the
 * socket is destroyed there, and net does not connect a destroyed socket.
 */
export function spyOnConnect(options: { permitted?: (address: string) => boolean } = {}): { attempted: string[]; restore(): void } {
  const permitted = options.permitted ?? isLoopback;
  const attempted: string[] = [];
  const original = net.Socket.prototype.connect;
  const refuse = (address: string) => {
    attempted.push(address);
    return Object.assign(new Error(`test guard: connecting to ${address} blocked`), { code: "ETESTBLOCKED" });
  };
  const spy = vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    // net.createConnection passes [options, callback] as one array (its normalised arguments).
    const normalized = Array.isArray(args[0]) ? (args[0] as unknown[]) : undefined;
    const given = normalized ? normalized[0] : args[0];
    if (typeof given === "object" && given !== null && "host" in given && typeof given.host === "string") {
      const host = given.host;
      if (net.isIP(host) && !permitted(host)) {
        process.nextTick(() => this.destroy(refuse(host)));
        return this;
      }
      if ("lookup" in given && typeof given.lookup === "function") {
        const lookup: net.LookupFunction = given.lookup as net.LookupFunction;
        const watched: net.LookupFunction = (hostname, opts, callback) =>
          lookup(hostname, opts, (err, address, family) => {
            const addresses = typeof address === "string" ? [address] : address.map((a) => a.address);
            const foreign = addresses.find((a) => a !== "" && !permitted(a));
            if (!err && foreign) callback(refuse(foreign), "");
            else callback(err, address, family);
          });
        const wrapped = { ...given, lookup: watched };
        if (normalized) normalized[0] = wrapped;
        else args[0] = wrapped;
      }
    }
    this.once("lookup", (err: Error | null, address: string) => {
      if (!err && address && !permitted(address)) this.destroy(refuse(address));
    });
    return Reflect.apply(original, this, args) as net.Socket;
  });
  return { attempted, restore: () => spy.mockRestore() };
}
