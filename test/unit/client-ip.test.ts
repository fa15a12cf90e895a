import { describe, expect, it } from "vitest";
import { ipLimitKey } from "../../worker/lib/client-ip.ts";

describe("ipLimitKey", () => {
  it("keeps an IPv4 address as it is", () => {
    expect(ipLimitKey("203.0.113.7")).toBe("203.0.113.7");
    expect(ipLimitKey(" 198.51.100.255 ")).toBe("198.51.100.255");
  });

  it("groups IPv6 addresses by their first 64 bits, whatever the spelling", () => {
    const key = "2001:db8:aa:1::/64";
    expect(ipLimitKey("2001:db8:aa:1::1")).toBe(key);
    expect(ipLimitKey("2001:0db8:00aa:0001:ffff:ffff:ffff:fffe")).toBe(key);
    expect(ipLimitKey("2001:DB8:AA:1:0:0:0:1")).toBe(key);
    expect(ipLimitKey("[2001:db8:aa:1::99]")).toBe(key);
    expect(ipLimitKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(ipLimitKey("2001:db8:aa:2::1")).toBe("2001:db8:aa:2::/64");
    expect(ipLimitKey("::")).toBe("0:0:0:0::/64");
    expect(ipLimitKey("2001:db8::")).toBe("2001:db8:0:0::/64");
  });

  it("treats an IPv4-mapped IPv6 address as the IPv4 address it carries", () => {
    expect(ipLimitKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(ipLimitKey("::FFFF:cb00:7107")).toBe("203.0.113.7");
    expect(ipLimitKey("0:0:0:0:0:ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("keeps anything else verbatim, so a malformed header cannot join someone else's bucket", () => {
    expect(ipLimitKey("unknown")).toBe("unknown");
    expect(ipLimitKey("2001:db8::1::2")).toBe("2001:db8::1::2");
    expect(ipLimitKey("1:2:3:4:5:6:7:8:9")).toBe("1:2:3:4:5:6:7:8:9");
    expect(ipLimitKey("::ffff:300.1.1.1")).toBe("::ffff:300.1.1.1");
    expect(ipLimitKey("")).toBe("unknown");
  });
});
