import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, newTotpSecret, totpCode, totpStep, totpUri } from "../../worker/lib/totp";

// The store's authenticator codes (worker/lib/totp.ts) against RFC 6238's published values and against an
// independent implementation (the otpauth package, which the tests' own authenticator uses).

const RFC_SECRET = base32Encode(new TextEncoder().encode("12345678901234567890"));

describe("authenticator codes", () => {
  it("match RFC 6238's SHA-1 test values (their last six digits)", async () => {
    expect(RFC_SECRET).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    const vectors: Array<[number, string]> = [
      [59, "287082"],
      [1111111109, "081804"],
      [1111111111, "050471"],
      [1234567890, "005924"],
      [2000000000, "279037"],
      [20000000000, "353130"],
    ];
    for (const [seconds, code] of vectors) {
      expect(await totpCode(RFC_SECRET, seconds * 1000)).toBe(code);
      expect(await totpStep(RFC_SECRET, code, seconds * 1000)).toBe(Math.floor(seconds / 30));
    }
  });

  it("accept the previous, current and next step's code (clock drift) and nothing further or malformed", async () => {
    const secret = newTotpSecret();
    expect(base32Decode(secret)).toHaveLength(20);
    const app = new TOTP({ secret: Secret.fromBase32(secret), period: 30, digits: 6, algorithm: "SHA1" });
    const now = Date.UTC(2026, 11, 4, 12, 0, 10);
    const step = Math.floor(now / 30_000);
    for (const delta of [-1, 0, 1]) expect(await totpStep(secret, app.generate({ timestamp: (step + delta) * 30_000 }), now)).toBe(step + delta);
    for (const delta of [-3, 2, 5]) {
      const code = app.generate({ timestamp: (step + delta) * 30_000 });
      // A far step's code only matches when it happens to equal a near one's.
      const near = await Promise.all([-1, 0, 1].map((d) => totpCode(secret, (step + d) * 30_000)));
      if (!near.includes(code)) expect(await totpStep(secret, code, now)).toBeNull();
    }
    expect(await totpStep(secret, "12345", now)).toBeNull();
    expect(await totpStep(secret, "12345a", now)).toBeNull();
  });

  it("give authenticator apps the key in a URI they read, the same as otpauth writes it", () => {
    const secret = newTotpSecret();
    const ours = totpUri({ issuer: "Northwind Goods", label: "ada+staff@example.test", secret });
    const theirs = new TOTP({
      issuer: "Northwind Goods",
      label: "ada+staff@example.test",
      secret: Secret.fromBase32(secret),
      period: 30,
      digits: 6,
      algorithm: "SHA1",
    });
    expect(ours).toBe(theirs.toString());
    expect(base32Encode(base32Decode(secret.toLowerCase()))).toBe(secret);
    expect(() => base32Decode("AB1")).toThrow();
  });
});
