// Where a connection may send its credentials. Checked on the address actually connected to (the
// socket's own DNS lookup goes through `guardedLookup`), so a name that resolved to a harmless
// address when the connection was saved and to the metadata service now is still refused.
import { promises as dns, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

export interface OutboundPolicy {
  /** Loopback and private ranges allowed (the simulators live on 127.0.0.1 in development and tests). */
  allowPrivateTargets: boolean;
  /** "host" or "host:port": private addresses allowed for these hosts only (an ERP on the company network). */
  allowedHosts: readonly string[];
  /** Answers larger than this fail the call. */
  maxResponseBytes: number;
  /**
   * Alert email only (QIAO_SMTP_ALLOW_PLAIN_LOOPBACK): an SMTP login without TLS is allowed when the
   * server is on a loopback address (a local relay, the simulators' receiver). Any other login
   * without TLS from the first byte must be upgraded by STARTTLS first.
   */
  allowPlainSmtpLoopback?: boolean;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Why an address is refused; `metadata` and `link_local` are refused whatever the policy says. */
export type RefusalRule = "metadata" | "link_local" | "loopback" | "private";

const RULE_TEXT: Record<RefusalRule, { zh: string; en: string }> = {
  metadata: { zh: "属于云服务器元数据服务，始终禁止", en: "is a cloud metadata service and is always refused" },
  link_local: { zh: "属于链路本地地址，始终禁止", en: "is link-local; link-local addresses are always refused" },
  loopback: {
    zh: "属于本机回环地址，默认禁止（可设置 QIAO_ALLOW_PRIVATE_TARGETS 或 QIAO_ALLOWED_HOSTS）",
    en: "is a loopback address, refused unless QIAO_ALLOW_PRIVATE_TARGETS or QIAO_ALLOWED_HOSTS allows it",
  },
  private: {
    zh: "属于内网地址，默认禁止（可设置 QIAO_ALLOW_PRIVATE_TARGETS 或 QIAO_ALLOWED_HOSTS）",
    en: "is a private address, refused unless QIAO_ALLOW_PRIVATE_TARGETS or QIAO_ALLOWED_HOSTS allows it",
  },
};

export class AddressRefusedError extends Error {
  override name = "AddressRefusedError";
  readonly code = "EADDRREFUSED";
  readonly messageEn: string;
  constructor(
    readonly address: string,
    readonly rule: RefusalRule,
  ) {
    super(`地址 ${address} ${RULE_TEXT[rule].zh}`);
    this.messageEn = `The address ${address} ${RULE_TEXT[rule].en}`;
  }
}

/** Resolves a host name to every address it has (injected in tests: no real DNS, no real traffic). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

const METADATA_ADDRESSES = ["169.254.169.254", "169.254.170.2", "169.254.0.23", "100.100.100.200", "fd00:ec2::254"];
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata.tencentyun.com", "metadata"]);

function blockList(subnets: [string, number][], addresses: string[] = []): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of subnets) list.addSubnet(net, prefix, isIP(net) === 6 ? "ipv6" : "ipv4");
  for (const a of addresses) list.addAddress(a, isIP(a) === 6 ? "ipv6" : "ipv4");
  return list;
}

// BlockList matches IPv4-mapped IPv6 (::ffff:169.254.169.254) against the IPv4 subnets as well.
// NAT64 (RFC 6052) is decoded in ruleOf; the local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) places
// the IPv4 address where the operator chose, so it is private as a whole.
const RANGES: [RefusalRule, BlockList][] = [
  ["metadata", blockList([], METADATA_ADDRESSES)],
  ["link_local", blockList([["169.254.0.0", 16], ["fe80::", 10]])],
  ["loopback", blockList([["127.0.0.0", 8], ["0.0.0.0", 8], ["::1", 128], ["::", 128]])],
  // Also private: the benchmarking range 198.18.0.0/15 (RFC 2544), the deprecated IPv6 site-local
  // fec0::/10, multicast (224.0.0.0/4, ff00::/8) and the reserved 240.0.0.0/4 with the broadcast
  // address: no ERP answers there (session 35's audit).
  [
    "private",
    blockList([
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
      ["100.64.0.0", 10],
      ["198.18.0.0", 15],
      ["224.0.0.0", 4],
      ["240.0.0.0", 4],
      ["fc00::", 7],
      ["fec0::", 10],
      ["ff00::", 8],
      ["64:ff9b:1::", 48],
    ]),
  ],
];

const LOOPBACK = blockList([["127.0.0.0", 8], ["::1", 128]]);

/** Whether `address` (an IP literal) is this machine's loopback: traffic to it never leaves the host. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? "ipv6" : "ipv4");
}

/** The eight 16-bit groups of an IPv6 address (canonical, as the URL parser writes it), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  if (!URL.canParse(`http://[${address}]/`)) return undefined;
  // The URL parser writes the address canonically: lower-case hex groups, at most one "::".
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = "", tail] = canonical.split("::");
  const groupsOf = (s: string) => (s ? s.split(":") : []);
  const groups = tail === undefined ? groupsOf(head) : [...groupsOf(head), ...Array<string>(8 - groupsOf(head).length - groupsOf(tail).length).fill("0"), ...groupsOf(tail)];
  return groups.length === 8 ? groups.map((g) => parseInt(g, 16)) : undefined;
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * The IPv4 address an IPv6 address reaches, for the forms that carry one: the well-known NAT64
 * prefix (a gateway translates 64:ff9b::a.b.c.d to a.b.c.d), IPv4-compatible ::a.b.c.d (deprecated;
 * a host with a tunnel may still route it), SIIT's ::ffff:0:a.b.c.d, and 6to4's 2002:AABB:CCDD::/48
 * (RFC 3056, through a relay). The IPv4-mapped ::ffff:a.b.c.d BlockList matches against the IPv4
 * ranges itself. Undefined for any other address.
 */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  if (!g) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (g[0] === 0x2002) return ipv4Of(g[1]!, g[2]!);
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6);
  const compatible = zeros(0, 6);
  const siit = zeros(0, 4) && g[4] === 0xffff && g[5] === 0;
  return nat64 || compatible || siit ? ipv4Of(g[6]!, g[7]!) : undefined;
}

/** The range `address` falls in, an IPv6 address that carries an IPv4 one judged by that address. */
function ruleOf(address: string): RefusalRule | undefined {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  const ipv4 = family === "ipv6" ? embeddedIpv4(address) : undefined;
  if (ipv4 !== undefined) return ruleOf(ipv4);
  return RANGES.find(([, list]) => list.check(address, family))?.[0];
}

const ALWAYS: ReadonlySet<RefusalRule> = new Set(["metadata", "link_local"]);

export interface Target {
  /** The URL's host name, lower case, without IPv6 brackets. */
  host: string;
  port: number;
}

export function targetOf(url: URL): Target {
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, "").toLowerCase(), port };
}

function isAllowedHost(target: Target, policy: OutboundPolicy): boolean {
  return policy.allowedHosts.some((entry) => {
    const e = entry.trim().toLowerCase();
    const bracketed = /^\[(.+)\](?::(\d+))?$/.exec(e);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : e.split(/:(?=\d+$)/);
    return host === target.host && (port === undefined || Number(port) === target.port);
  });
}

/** The rule that refuses connecting to `address` for `target`, or undefined when it is allowed. */
export function refusalOf(address: string, target: Target, policy: OutboundPolicy): RefusalRule | undefined {
  const rule = ruleOf(address);
  if (!rule || ALWAYS.has(rule)) return rule;
  return policy.allowPrivateTargets || isAllowedHost(target, policy) ? undefined : rule;
}

/**
 * Every address `target` resolves to must be allowed; throws AddressRefusedError naming the first
 * that is not (and the resolver's own error when the name does not resolve).
 */
export async function checkTarget(target: Target, policy: OutboundPolicy, resolve: Resolve = systemResolve): Promise<void> {
  if (isIP(target.host)) {
    const rule = refusalOf(target.host, target, policy);
    if (rule) throw new AddressRefusedError(target.host, rule);
    return;
  }
  await checkedAddresses(target, policy, resolve, undefined);
}

/**
 * The `lookup` a socket uses: resolves, refuses when any address breaks the policy, and hands the
 * socket the checked addresses — the socket connects to nothing that was not checked.
 */
export function guardedLookup(target: Target, policy: OutboundPolicy, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    checkedAddresses({ ...target, host: hostname.toLowerCase() }, policy, resolve, options.family).then(
      (addresses) => {
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ""),
    );
  };
}

async function checkedAddresses(target: Target, policy: OutboundPolicy, resolve: Resolve, family: number | string | undefined): Promise<LookupAddress[]> {
  if (METADATA_HOSTS.has(target.host)) throw new AddressRefusedError(target.host, "metadata");
  const wanted = family === 4 || family === "IPv4" ? 4 : family === 6 || family === "IPv6" ? 6 : 0;
  const addresses = (await resolve(target.host)).filter((a) => wanted === 0 || a.family === wanted);
  if (addresses.length === 0) throw Object.assign(new Error(`${target.host} has no address`), { code: "ENOTFOUND" });
  for (const a of addresses) {
    const rule = refusalOf(a.address, target, policy);
    if (rule) throw new AddressRefusedError(a.address, rule);
  }
  return addresses;
}
