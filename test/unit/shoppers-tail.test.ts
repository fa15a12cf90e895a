import { describe, expect, it } from "vitest";
import { tailQuarters } from "../bench/shoppers-lib";

// The shoppers benchmark tells a stalled store (the slowest requests bunched in a few moments) from one where some
// requests are slow throughout; BENCHMARKS.md reads its line to say what holds the tail back.
describe("where the shoppers benchmark's slowest 1 % fell", () => {
  it("puts requests of one stall in one quarter-second and counts the quarters", () => {
    const samples: [number, number][] = [];
    for (let i = 0; i < 990; i++) samples.push([(i * 10_000) / 990, 5]);
    // Ten slow answers: eight meant to go during a stall at 2.1 s, two at 7.6 s.
    for (let i = 0; i < 8; i++) samples.push([2_100 + i * 10, 150]);
    samples.push([7_600, 120], [7_610, 130]);
    const tail = tailQuarters(samples, 10_000);
    expect(tail.atLeastMs).toBe(120);
    expect(tail.requests).toBe(10);
    expect(tail.quarters).toBe(2);
    expect(tail.ofQuarters).toBe(40);
    expect(tail.busiest).toEqual([
      { atSeconds: 2, requests: 8 },
      { atSeconds: 7.5, requests: 2 },
    ]);
  });

  it("spreads slow requests that are slow throughout over many quarters", () => {
    const samples: [number, number][] = [];
    for (let i = 0; i < 1000; i++) samples.push([i * 10, i % 100 === 0 ? 90 : 4]);
    const tail = tailQuarters(samples, 10_000);
    expect(tail.requests).toBe(10);
    expect(tail.quarters).toBe(10);
  });
});
