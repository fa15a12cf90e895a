// The browser's half of passkeys: turns the API's WebAuthn options (JSON, base64url) into what
// `navigator.credentials` takes, and its answers back into JSON for the API. The server checks everything.

/** Whether this browser can use passkeys at all (WebAuthn in a secure context). */
export function passkeysSupported(): boolean {
  return window.isSecureContext && typeof window.PublicKeyCredential === "function" && typeof navigator.credentials?.get === "function";
}

const toBuffer = (text: string): ArrayBuffer => {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
};
const toText = (buffer: ArrayBuffer): string =>
  btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

interface Descriptor {
  id: string;
  type: "public-key";
  transports?: string[];
}
interface CreationOptionsJSON {
  challenge: string;
  user: { id: string; name: string; displayName: string };
  excludeCredentials?: Descriptor[];
  [key: string]: unknown;
}
interface RequestOptionsJSON {
  challenge: string;
  allowCredentials?: Descriptor[];
  [key: string]: unknown;
}

const KNOWN_TRANSPORTS = new Set(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);
const descriptors = (list: Descriptor[] | undefined) => (list ?? []).map((d) => ({ ...d, id: toBuffer(d.id) })) as PublicKeyCredentialDescriptor[];

function extensionResults(credential: PublicKeyCredential) {
  const rk = credential.getClientExtensionResults().credProps?.rk;
  return typeof rk === "boolean" ? { credProps: { rk } } : {};
}

/** Asks the browser to create a passkey; answers the registration in the API's JSON encoding. */
export async function createPasskey(options: CreationOptionsJSON) {
  const publicKey = {
    ...options,
    challenge: toBuffer(options.challenge),
    user: { ...options.user, id: toBuffer(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  } as unknown as PublicKeyCredentialCreationOptions;
  const credential = (await navigator.credentials.create({ publicKey })) as PublicKeyCredential | null;
  if (!credential) throw new Error("No passkey was created.");
  const response = credential.response as AuthenticatorAttestationResponse;
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: "public-key",
    ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    clientExtensionResults: extensionResults(credential),
    response: {
      clientDataJSON: toText(response.clientDataJSON),
      attestationObject: toText(response.attestationObject),
      transports: (response.getTransports?.() ?? []).filter((t) => KNOWN_TRANSPORTS.has(t)),
    },
  };
}

/** Asks the browser for an assertion with one of the listed passkeys; answers it in the API's JSON encoding. */
export async function usePasskey(options: RequestOptionsJSON) {
  const publicKey = {
    ...options,
    challenge: toBuffer(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
  } as unknown as PublicKeyCredentialRequestOptions;
  const credential = (await navigator.credentials.get({ publicKey })) as PublicKeyCredential | null;
  if (!credential) throw new Error("No passkey was used.");
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    id: credential.id,
    rawId: toText(credential.rawId),
    type: "public-key",
    ...(credential.authenticatorAttachment ? { authenticatorAttachment: credential.authenticatorAttachment } : {}),
    clientExtensionResults: extensionResults(credential),
    response: {
      clientDataJSON: toText(response.clientDataJSON),
      authenticatorData: toText(response.authenticatorData),
      signature: toText(response.signature),
      ...(response.userHandle ? { userHandle: toText(response.userHandle) } : {}),
    },
  };
}

/** POSTs JSON to the store's API (same origin, session cookie); answers the parsed body or throws the problem's text. */
export async function postApi<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
  if (!res.ok) throw new Error(data.detail ?? data.title ?? "Something went wrong. Try again.");
  return data as T;
}

/** What to tell a person when the browser's passkey dialog failed or was closed. */
export function passkeyErrorText(error: unknown): string {
  if (error instanceof DOMException && (error.name === "NotAllowedError" || error.name === "AbortError")) {
    return "The passkey request was cancelled or timed out. Try again.";
  }
  if (error instanceof DOMException && error.name === "InvalidStateError") return "This passkey is added already.";
  return error instanceof Error && error.message ? error.message : "The passkey did not work. Try again.";
}
