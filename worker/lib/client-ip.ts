/** What requests without a client address (local tools, tests) are counted under. */
export const UNKNOWN_IP = "unknown";

/** The client's address as the edge reports it (`CF-Connecting-IP`; the local runtime sets it too). */
export function clientIp(headers: Headers): string {
  return headers.get("cf-connecting-ip")?.trim() || UNKNOWN_IP;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP = /^[0-9a-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. Handles `::`, a zone and a dotted IPv4 tail. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) return null;
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!IPV4.test(tail)) return null;
    const [a, b, c, d] = tail.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parts = (half: string | undefined) => (half ? half.split(":") : []);
  const head = parts(halves[0]);
  const rest = parts(halves[1]);
  if (![...head, ...rest].every((g) => GROUP.test(g))) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const hex = (g: string) => Number.parseInt(g, 16);
  return [...head.map(hex), ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest.map(hex)];
}

/**
 * The key a per-address limit counts under: an IPv4 address as it is; an
 * IPv6 address by its first 64 bits (a subscriber usually gets a whole /64
 * and can use any address in it, so counting single IPv6 addresses limits
 * nothing); an IPv4-mapped IPv6 address (`::ffff:198.51.100.7`) as the IPv4
 * address it carries. Anything unparseable is kept as it is (lower-cased).
 */
export function ipLimitKey(ip: string): string {
  const address = ip.trim();
  if (IPV4.test(address)) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address.toLowerCase().slice(0, 64) || UNKNOWN_IP;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return `${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  return `${[g0, g1, g2, g3].map((g) => g.toString(16)).join(":")}::/64`;
}
