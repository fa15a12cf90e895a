import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** scrypt's cost: N = 2^ln, block size r, parallelism p. */
export interface PasswordCost {
  ln: number;
  r: number;
  p: number;
}

// scrypt N=2^15, r=8, p=3: 32 MiB and ~200 ms per hash here. PBKDF2 is not an
// option (production Workers refuse more than 100,000 iterations).
const STRONG: PasswordCost = { ln: 15, r: 8, p: 3 };
// The test runtime's only (ENVIRONMENT=test: the workers test project and the browser tests' stores), where
// thousands of sign-ins would otherwise spend minutes of CPU on hashing. Every hash carries its cost, and a
// store at full strength rehashes a weaker one at its next sign-in; the production test projects hash at full
// strength.
const TEST_ONLY: PasswordCost = { ln: 10, r: 8, p: 1 };
const KEY_LENGTH = 32;

/** The cost new hashes get: full strength everywhere except `ENVIRONMENT=test`. */
export function passwordCost(env: { ENVIRONMENT?: string }): PasswordCost {
  return env.ENVIRONMENT === "test" ? TEST_ONLY : STRONG;
}

let derivations = 0;
/**
 * How many scrypt derivations this isolate has started: a plain number (never
 * a shared promise), read by the tests that prove sign-in limits stop
 * guesses before they reach the hash.
 */
export function passwordDerivations(): number {
  return derivations;
}

function derive(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  derivations++;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFKC"), salt, KEY_LENGTH, { N: 2 ** ln, r, p, maxmem: 256 * 2 ** ln * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** Hashes a password as a PHC string that carries its own parameters, so they can be raised later. */
export async function hashPassword(password: string, cost: PasswordCost = STRONG): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost.ln, cost.r, cost.p);
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/**
 * Checks a password against a stored hash in constant time. `needsRehash`
 * says the hash used weaker parameters than `cost` (the store's today).
 */
export async function verifyPassword(password: string, stored: string, cost: PasswordCost = STRONG): Promise<{ ok: boolean; needsRehash: boolean }> {
  const m = PHC.exec(stored);
  if (!m) return { ok: false, needsRehash: false };
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const expected = Buffer.from(m[5] ?? "", "base64url");
  const actual = await derive(password, Buffer.from(m[4] ?? "", "base64url"), ln, r, p);
  const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
  return { ok, needsRehash: ok && (ln < cost.ln || r < cost.r || p < cost.p) };
}

// Settled hashes per cost, never the hashing promise: that would tie every request to the one that started it.
const dummies = new Map<PasswordCost, string>();
/**
 * Burns the same time as a real check at `cost`, for sign-ins with an unknown
 * email, so the answer's timing does not tell which emails have accounts.
 */
export async function verifyAgainstDummy(password: string, cost: PasswordCost = STRONG): Promise<void> {
  let dummy = dummies.get(cost);
  if (!dummy) {
    dummy = await hashPassword("dummy password that never matches", cost);
    dummies.set(cost, dummy);
  }
  await verifyPassword(password, dummy, cost);
}
