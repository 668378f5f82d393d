import { fieldMap } from "../api/queries";
import { FIELDS } from "../test/fixtures";
import { describeFilter, describeSort } from "./describe";

const byName = fieldMap(FIELDS);

test("a view's filter reads as words, groups in brackets", () => {
  const g = { and: [{ field: "country", op: "eq", value: "MY" }, { or: [{ field: "tags", op: "has_any", value: ["vip", "lead"] }, { field: "custom.seats", op: "gt", value: 5 }] }] };
  expect(describeFilter(g, byName, (f, v) => (f === "country" && v === "MY" ? "Malaysia" : v))).toBe("Country is Malaysia and (Tags has any of vip, lead or Seats > 5)");
  expect(describeFilter({ and: [{ field: "created_at", op: "older_than", value: { amount: 3, unit: "days" } }] }, byName)).toBe("Created at more than 3 days ago");
  expect(describeFilter({ and: [{ field: "first_name", op: "exists" }] }, byName)).toBe("First name is set");
});

test("a view's sort reads as words", () => {
  expect(describeSort([{ field: "created_at", order: "desc" }, { field: "display_name", order: "asc" }], byName)).toBe("Created at, descending; then Name, ascending");
});
