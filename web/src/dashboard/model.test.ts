import { countryName } from "../ui/countryName";
import { describe, expect, it } from "vitest";
import {
  AGE_BUCKETS, ageBucketParams, andWith, dayRange, dayRows, facetLabeler, facetRows, openByAssigneeParams,
  overviewParams, sumRows,
} from "./model";

const criteria = { view: "mine", q: "acme", filter: { and: [{ field: "country", op: "eq", value: "MY" }] } };

describe("dashboard requests", () => {
  it("adds conditions into an and root, wraps an or root, and starts one when there is no filter", () => {
    const open = { field: "conversation_status", op: "eq", value: "open" };
    expect(andWith(null, [open])).toEqual({ and: [open] });
    expect(andWith(criteria.filter, [open])).toEqual({ and: [{ field: "country", op: "eq", value: "MY" }, open] });
    const or = { or: [{ field: "tags", op: "has_any", value: ["vip"] }] };
    expect(andWith(or, [open])).toEqual({ and: [or, open] });
    expect(andWith(or, [])).toBe(or);
  });

  it("asks for the overview with the view, query and filter, and 90 whole days up to today", () => {
    const p = overviewParams(criteria, new Date(2026, 11, 1, 15, 30), "Asia/Kuala_Lumpur");
    expect(p.query).toBe("acme");
    expect(p.view_id).toBe("mine");
    expect(p.filter).toEqual(criteria.filter);
    expect(p.facets?.map((f) => f.field)).toEqual(["channels", "tags", "country"]);
    expect(p.histograms).toEqual([{ field: "created_at", interval: "day", time_zone: "Asia/Kuala_Lumpur", from: "2026-09-03", to: "2026-12-01" }]);
  });

  it("counts open conversations by assignee under the user's filter", () => {
    const p = openByAssigneeParams({ view: "all", q: "", filter: null });
    expect(p.query).toBeNull();
    expect(p.filter).toEqual({ and: [{ field: "conversation_status", op: "eq", value: "open" }] });
    expect(p.facets).toEqual([{ field: "assignee_id", size: 20 }]);
  });

  it("splits the time since the last incoming message into disjoint rolling buckets", () => {
    expect(AGE_BUCKETS.map((b) => b.label)).toEqual([
      "Less than 1 hour", "1 to 24 hours", "1 to 7 days", "7 to 30 days", "More than 30 days", "No incoming message",
    ]);
    const day = AGE_BUCKETS[2]!;
    expect(ageBucketParams(criteria, day).filter).toEqual({
      and: [
        { field: "country", op: "eq", value: "MY" },
        { field: "last_incoming_message_at", op: "older_than", value: { amount: 24, unit: "hours" } },
        { field: "last_incoming_message_at", op: "within_last", value: { amount: 7, unit: "days" } },
      ],
    });
    // each lower bound is the previous bucket's upper bound
    for (let i = 1; i < 5; i++) {
      const prevUpper = AGE_BUCKETS[i - 1]!.conditions.find((c) => c.op === "within_last")!.value;
      const lower = AGE_BUCKETS[i]!.conditions.find((c) => c.op === "older_than")!.value;
      expect(lower).toEqual(prevUpper);
    }
  });
});

describe("dashboard rows", () => {
  it("labels facet values: users, channels, countries, the unassigned", () => {
    const lookups = { users: new Map([["u1", "Olive Owner"]]), channels: new Map([["c1", "Acme WhatsApp"]]) };
    const rows = facetRows(
      [
        { value: null, count: 5 },
        { value: "u1", count: 3 },
        { value: "gone", count: 1 },
      ],
      facetLabeler("assignee_id", lookups),
    );
    expect(rows).toEqual([
      { key: "null", label: "Unassigned", count: 5 },
      { key: "u1", label: "Olive Owner", count: 3 },
      { key: "gone", label: "Unknown user", count: 1 },
    ]);
    expect(facetRows([{ value: "c1", count: 2 }], facetLabeler("channels", lookups))[0]?.label).toBe("Acme WhatsApp");
    expect(facetRows([{ value: "MY", count: 2 }], facetLabeler("country", lookups))[0]?.label).toBe(countryName("MY"));
    expect(countryName("MY", "en")).toBe("Malaysia");
    expect(facetRows(undefined, facetLabeler("tags", lookups))).toEqual([]);
  });

  it("gives every day of the range a row, zero where the histogram has none", () => {
    const { from, to } = dayRange(new Date(2026, 2, 30), 3);
    expect([from, to]).toEqual(["2026-03-28", "2026-03-30"]);
    const rows = dayRows(
      [
        { start: "2026-03-28T00:00:00+08:00", count: 4 },
        { start: "2026-03-30T00:00:00+08:00", count: 1 },
      ],
      from,
      to,
      (d) => `day ${d}`,
    );
    expect(rows).toEqual([
      { key: "2026-03-28", label: "day 2026-03-28", count: 4 },
      { key: "2026-03-29", label: "day 2026-03-29", count: 0 },
      { key: "2026-03-30", label: "day 2026-03-30", count: 1 },
    ]);
    expect(sumRows(rows)).toBe(5);
    expect(dayRows([], "2026-12-30", "2027-01-02", (d) => d).map((r) => r.key)).toEqual(["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]);
  });
});
