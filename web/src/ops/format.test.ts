import { describe, expect, it } from "vitest";
import type { JobInfo } from "../api/types";
import { formatDuration, formatRate, orderJobs } from "./format";

describe("ops figures in words", () => {
  it("words durations", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(0.44)).toBe("0.4 s");
    expect(formatDuration(12.4)).toBe("12 s");
    expect(formatDuration(185)).toBe("3 min 5 s");
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(7800)).toBe("2 h 10 min");
    expect(formatDuration(86_400 * 3 + 5)).toBe("3 days");
    expect(formatDuration(-1)).toBe("—");
  });

  it("words rates, slow ones per minute", () => {
    expect(formatRate(0)).toBe("0 documents/s");
    expect(formatRate(0.05)).toBe("3 documents/min");
    expect(formatRate(250.25)).toBe("250.3 documents/s");
    expect(formatRate(null)).toMatch(/Unknown/);
  });

  it("lists active jobs first, then the others in the API's order", () => {
    const job = (id: string, status: JobInfo["status"]) => ({ id, status }) as JobInfo;
    expect(orderJobs([job("a", "succeeded"), job("b", "running"), job("c", "failed"), job("d", "queued")]).map((j) => j.id)).toEqual([
      "b", "d", "a", "c",
    ]);
  });
});
