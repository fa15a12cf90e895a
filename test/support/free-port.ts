import { createServer } from "node:net";

/**
 * A port of 127.0.0.1 nothing listens on now, from the system. A fixed port is sometimes taken while the whole suite
 * runs (a server that cannot bind never starts).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
