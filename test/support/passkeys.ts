// A software authenticator for workerd tests: real WebAuthn registration and assertion objects (CBOR attestation
// object with a COSE ES256 key, authenticator data, client data, DER-encoded ECDSA signatures), made with WebCrypto
// the way a security key or phone makes them, so the store's checks run on what browsers actually send.

type CborValue = number | string | Uint8Array | CborValue[] | Map<CborValue, CborValue> | { [key: string]: CborValue };

function cborHead(major: number, length: number): number[] {
  if (length < 24) return [(major << 5) | length];
  if (length < 256) return [(major << 5) | 24, length];
  if (length < 65536) return [(major << 5) | 25, length >> 8, length & 255];
  return [(major << 5) | 26, (length >>> 24) & 255, (length >> 16) & 255, (length >> 8) & 255, length & 255];
}

/** Enough CBOR (RFC 8949) for attestation objects and COSE keys: integers, byte and text strings, arrays, maps. */
export function cbor(value: CborValue): Uint8Array {
  const out: number[] = [];
  const write = (v: CborValue) => {
    if (typeof v === "number") out.push(...(v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v)));
    else if (typeof v === "string") {
      const bytes = new TextEncoder().encode(v);
      out.push(...cborHead(3, bytes.length), ...bytes);
    } else if (v instanceof Uint8Array) out.push(...cborHead(2, v.length), ...v);
    else if (Array.isArray(v)) {
      out.push(...cborHead(4, v.length));
      for (const item of v) write(item);
    } else {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
      out.push(...cborHead(5, entries.length));
      for (const [k, item] of entries) {
        write(k);
        write(item);
      }
    }
  };
  write(value);
  return Uint8Array.from(out);
}

export const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
export const fromB64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

const sha256 = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const uint32 = (n: number) => Uint8Array.of((n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);

/** WebCrypto signs ECDSA as r‖s; WebAuthn carries the ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`. */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.slice(i);
    if ((v[0] ?? 0) & 0x80) v = concat(Uint8Array.of(0), v);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(integer(raw.slice(0, 32)), integer(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface CreationOptions {
  challenge: string;
  rp: { id: string };
}
export interface RequestOptions {
  challenge: string;
  rpId: string;
}

/** One passkey on a software authenticator: an ES256 key pair, a credential id and a signature counter. */
export class SoftPasskey {
  /** The next signature counter; set it lower to act like a cloned authenticator. */
  counter = 0;
  private constructor(
    readonly credentialId: Uint8Array,
    private readonly keys: CryptoKeyPair,
  ) {}

  static async create(): Promise<SoftPasskey> {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
    return new SoftPasskey(crypto.getRandomValues(new Uint8Array(32)), keys);
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private static clientData(type: string, challenge: string, origin: string): Uint8Array {
    return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** What `navigator.credentials.create()` answers (JSON encoding), for `origin` (default: the store under test). */
  async register(options: CreationOptions, origin = "http://store.test") {
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const cose = cbor(
      new Map<CborValue, CborValue>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, fromB64url(jwk.x as string)],
        [-3, fromB64url(jwk.y as string)],
      ]),
    );
    const idLength = Uint8Array.of(this.credentialId.length >> 8, this.credentialId.length & 255);
    const authData = concat(
      await sha256(new TextEncoder().encode(options.rp.id)),
      Uint8Array.of(FLAG_UP | FLAG_UV | FLAG_AT),
      uint32(this.counter),
      new Uint8Array(16),
      idLength,
      this.credentialId,
      cose,
    );
    const attestationObject = cbor({ fmt: "none", attStmt: {}, authData });
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(SoftPasskey.clientData("webauthn.create", options.challenge, origin)),
        attestationObject: b64url(attestationObject),
        transports: ["internal" as const],
      },
    };
  }

  /** What `navigator.credentials.get()` answers (JSON encoding); the counter goes up by one first, as authenticators do. */
  async assert(options: RequestOptions, origin = "http://store.test", rpId = options.rpId) {
    this.counter += 1;
    const authData = concat(await sha256(new TextEncoder().encode(rpId)), Uint8Array.of(FLAG_UP | FLAG_UV), uint32(this.counter));
    const clientData = SoftPasskey.clientData("webauthn.get", options.challenge, origin);
    const signed = concat(authData, await sha256(clientData));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key" as const,
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(derSignature(raw)),
      },
    };
  }
}
