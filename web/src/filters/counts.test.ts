import { describe, expect, it } from "vitest";
import { countedOptions } from "./counts";

describe("counted choices", () => {
  const upper = (v: string) => v.toUpperCase();

  it("lists every known choice with its count, at 0 when none match, most contacts first", () => {
    const known = [
      { id: "c1", label: "Acme WhatsApp" },
      { id: "c2", label: "Acme Telegram" },
      { id: "c3", label: "Acme SMS" },
    ];
    const got = countedOptions(known, [{ value: "c2", count: 7 }, { value: "c1", count: 2 }], [], upper);
    expect(got).toEqual([
      { id: "c2", label: "Acme Telegram", count: 7 },
      { id: "c1", label: "Acme WhatsApp", count: 2 },
      { id: "c3", label: "Acme SMS", count: 0 },
    ]);
  });

  it("takes the choices from the counts when nothing else knows them, keeping chosen values, never the null bucket", () => {
    const got = countedOptions([], [{ value: "vip", count: 3 }, { value: null, count: 9 }, { value: "lead", count: 3 }], ["gone"], upper);
    expect(got).toEqual([
      { id: "lead", label: "LEAD", count: 3 },
      { id: "vip", label: "VIP", count: 3 },
      { id: "gone", label: "GONE", count: 0 },
    ]);
  });
});
