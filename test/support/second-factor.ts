import { Secret, TOTP } from "otpauth";

// Authenticator codes for tests (workerd and Node alike). The store accepts each 30-second step once per
// account, so this hands out increasing steps per key (the current one, then the next), and waits for the
// clock when a test signs the same account in more often than that.

const PERIOD = 30;
const lastStep = new Map<string, number>();
const keys = new Map<string, string>();

/** Remembers the authenticator key an account enrolled with at sign-in (keyed by email). */
export function rememberKey(email: string, secret: string): void {
  keys.set(email.toLowerCase(), secret);
}

/** The key an account enrolled with in this test file, if any. */
export function keyOf(email: string): string | undefined {
  return keys.get(email.toLowerCase());
}

/** A code for `secret` that the store has not seen yet (from this process). */
export async function nextCode(secret: string): Promise<string> {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), period: PERIOD, digits: 6, algorithm: "SHA1" });
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / PERIOD);
    const step = Math.max((lastStep.get(secret) ?? 0) + 1, now);
    if (step <= now + 1) {
      lastStep.set(secret, step);
      return totp.generate({ timestamp: step * PERIOD * 1000 });
    }
    await new Promise((resolve) => setTimeout(resolve, (now + 1) * PERIOD * 1000 - Date.now() + 50));
  }
}

/** The code of the current step, without claiming it (for answers that must be refused anyway). */
export function currentCode(secret: string): string {
  return new TOTP({ secret: Secret.fromBase32(secret), period: PERIOD, digits: 6, algorithm: "SHA1" }).generate();
}

/** A code for the account's remembered key. */
export async function codeFor(email: string): Promise<string> {
  const secret = keyOf(email);
  if (!secret) throw new Error(`no authenticator key remembered for ${email}`);
  return nextCode(secret);
}
