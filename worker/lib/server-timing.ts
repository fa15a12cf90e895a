/**
 * Per-request phase timings for profiling on the local runtime, sent as a `Server-Timing` header only
 * when `LOG_REQUESTS=timings` (off everywhere by default; `npm run bench:cart -- --trace` turns it on).
 * Inside workerd the clock only moves across I/O, so a phase's duration is the time spent awaiting it
 * (a Durable Object call, a D1 query), which is what these numbers are for.
 */
export class ServerTimings {
  private readonly parts: string[] = [];

  /** Runs `work`, recording how long it took under `name`. */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.parts.push(`${name};dur=${(performance.now() - started).toFixed(1)}`);
    }
  }

  /** Records a fact about the request (e.g. that it started a cart) as a zero-length entry. */
  note(name: string): void {
    this.parts.push(name);
  }

  header(): string {
    return this.parts.join(", ");
  }
}

/** The request's timings when this deployment profiles requests, else undefined (no cost). */
export function serverTimingsFor(env: Pick<Env, "LOG_REQUESTS">): ServerTimings | undefined {
  return env.LOG_REQUESTS === "timings" ? new ServerTimings() : undefined;
}
