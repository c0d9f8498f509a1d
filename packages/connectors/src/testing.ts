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

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Spies on every socket's connect step. An address other than loopback — given directly or handed
 * over by the socket's lookup — is recorded in `attempted` and turned into an error, so even a
 * broken policy sends nothing off the machine.
 */
export function spyOnConnect(): { attempted: string[]; restore(): void } {
  const attempted: string[] = [];
  const original = net.Socket.prototype.connect;
  const refuse = (address: string) => {
    attempted.push(address);
    return Object.assign(new Error(`test guard: connecting to ${address} blocked`), { code: "ETESTBLOCKED" });
  };
  const spy = vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    const options = args[0];
    if (typeof options === "object" && options !== null && "host" in options && typeof options.host === "string") {
      const host = options.host;
      if (net.isIP(host) && !LOOPBACK.has(host)) {
        process.nextTick(() => this.destroy(refuse(host)));
        return this;
      }
      if ("lookup" in options && typeof options.lookup === "function") {
        const lookup: net.LookupFunction = options.lookup as net.LookupFunction;
        const watched: net.LookupFunction = (hostname, opts, callback) =>
          lookup(hostname, opts, (err, address, family) => {
            const addresses = typeof address === "string" ? [address] : address.map((a) => a.address);
            const foreign = addresses.find((a) => a !== "" && !LOOPBACK.has(a));
            if (!err && foreign) callback(refuse(foreign), "");
            else callback(err, address, family);
          });
        args[0] = { ...options, lookup: watched };
      }
    }
    return Reflect.apply(original, this, args) as net.Socket;
  });
  return { attempted, restore: () => spy.mockRestore() };
}
