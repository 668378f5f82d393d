import { fieldMap } from "../api/queries";
import { FIELDS } from "../test/fixtures";
import { type EdGroup, TIME_SINCE, fromApi, toApi, valueKind, withTimeSince } from "./model";

const byName = fieldMap(FIELDS);
const f = (name: string) => byName.get(name);

test("value inputs fit the field's type and operator", () => {
  expect(valueKind(f("created_at"), "before")).toBe("date");
  expect(valueKind(f("created_at"), "between")).toBe("dateRange");
  expect(valueKind(f("created_at"), "older_than")).toBe("relative");
  // tags and countries are chosen from the values the workspace holds, with their counts
  expect(valueKind(f("tags"), "has_any")).toBe("optionList");
  expect(valueKind(f("custom.plan"), "in")).toBe("optionList");
  expect(valueKind(f("custom.seats"), "between")).toBe("numberRange");
  expect(valueKind(f("first_name"), "exists")).toBe("none");
});

test("incomplete conditions and empty groups are left out; nesting is kept", () => {
  const tree: EdGroup = {
    id: "r", kind: "group", mode: "and",
    items: [
      { id: "a", kind: "cond", field: "country", op: "in", value: ["MY", "SG"] },
      { id: "b", kind: "cond", field: "first_name", op: "contains", value: "" },
      { id: "g", kind: "group", mode: "or", items: [
        { id: "c", kind: "cond", field: "tags", op: "has_any", value: ["vip"] },
        { id: "d", kind: "cond", field: "custom.seats", op: "gte", value: "5" },
      ] },
      { id: "e", kind: "group", mode: "or", items: [] },
      { id: "h", kind: "cond", field: "created_at", op: "older_than", value: { amount: "24", unit: "hours" } },
    ],
  };
  expect(toApi(tree, byName)).toEqual({
    and: [
      { field: "country", op: "in", value: ["MY", "SG"] },
      { or: [{ field: "tags", op: "has_any", value: ["vip"] }, { field: "custom.seats", op: "gte", value: 5 }] },
      { field: "created_at", op: "older_than", value: { amount: 24, unit: "hours" } },
    ],
  });
  expect(toApi({ id: "x", kind: "group", mode: "and", items: [] }, byName)).toBeNull();
});

test("a date condition on a datetime field covers the whole local day, and reads back as that day", () => {
  const tree: EdGroup = { id: "r", kind: "group", mode: "and", items: [{ id: "a", kind: "cond", field: "created_at", op: "between", value: ["2026-03-01", "2026-03-31"] }] };
  const api = toApi(tree, byName);
  const [from, to] = (api as { and: { value: string[] }[] }).and[0]!.value;
  expect(new Date(from!).getDate()).toBe(1);
  expect(new Date(to!).getHours()).toBe(23);
  const back = fromApi(api, byName);
  expect(back.items[0]).toMatchObject({ field: "created_at", op: "between", value: ["2026-03-01", "2026-03-31"] });
});

test("'Time since last incoming message' is a field of its own in the list, sent as last_incoming_message_at", () => {
  const lim = { ...FIELDS[3]!, field: "last_incoming_message_at", label: "Last incoming message at" };
  const fields = withTimeSince([...FIELDS, lim]);
  const alias = fields[fields.length - 1]!;
  expect(alias).toMatchObject({ field: TIME_SINCE, label: "Time since last incoming message", operators: ["older_than", "within_last"] });
  const map = fieldMap(fields);
  const tree: EdGroup = {
    id: "g", kind: "group", mode: "and",
    items: [{ id: "c", kind: "cond", field: TIME_SINCE, op: "older_than", value: { amount: "3", unit: "days" } }],
  };
  const sent = toApi(tree, map);
  expect(sent).toEqual({ and: [{ field: "last_incoming_message_at", op: "older_than", value: { amount: 3, unit: "days" } }] });
  // read back (a reload, a saved view): the same field of its own
  expect(fromApi(sent, map).items[0]).toMatchObject({ field: TIME_SINCE, op: "older_than" });
  // the datetime's other operators stay on the datetime
  expect(fromApi({ and: [{ field: "last_incoming_message_at", op: "before", value: "2026-01-01T00:00:00Z" }] }, map).items[0]).toMatchObject({ field: "last_incoming_message_at" });
});
