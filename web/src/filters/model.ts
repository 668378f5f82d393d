// The filter drawer's editable tree and its translation to and from the API's filter JSON.
import type { FieldInfo, FilterNode, Group } from "../api/types";

export const MAX_DEPTH = 5;

export type EdCond = { id: string; kind: "cond"; field: string; op: string; value: unknown };
export type EdGroup = { id: string; kind: "group"; mode: "and" | "or"; items: EdNode[] };
export type EdNode = EdCond | EdGroup;

let seq = 0;
export const newId = () => `n${++seq}`;
export const emptyGroup = (mode: "and" | "or" = "and"): EdGroup => ({ id: newId(), kind: "group", mode, items: [] });

export const OP_LABELS: Record<string, string> = {
  eq: "is",
  neq: "is not",
  contains: "contains",
  not_contains: "does not contain",
  starts_with: "starts with",
  in: "is any of",
  not_in: "is none of",
  exists: "is set",
  not_exists: "is empty",
  before: "before",
  after: "after",
  between: "between",
  within_last: "within the last",
  older_than: "more than … ago",
  has_any: "has any of",
  has_all: "has all of",
  has_none: "has none of",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
};

export type ValueKind =
  | "none" | "text" | "textList" | "number" | "numberRange" | "date" | "dateRange" | "relative" | "boolean" | "option" | "optionList";

const DATE_TYPES = new Set(["datetime", "date"]);

export function hasOptions(f: FieldInfo): boolean {
  return (
    !!f.options?.length ||
    // tags and countries: the values the workspace holds, with their counts (./counts.ts)
    ["assignee_id", "channels", "last_interacted_channel_id", "conversation_status", "tags", "country"].includes(f.field) ||
    f.type === "user"
  );
}

export function valueKind(f: FieldInfo | undefined, op: string): ValueKind {
  if (!f || !op) return "none";
  if (op === "exists" || op === "not_exists") return "none";
  if (op === "within_last" || op === "older_than") return "relative";
  if (DATE_TYPES.has(f.type)) return op === "between" ? "dateRange" : "date";
  if (f.type === "number") return op === "between" ? "numberRange" : "number";
  if (f.type === "boolean") return "boolean";
  const list = ["in", "not_in", "has_any", "has_all", "has_none"].includes(op);
  if (hasOptions(f)) return list ? "optionList" : "option";
  return list ? "textList" : "text";
}

export function defaultValue(kind: ValueKind): unknown {
  switch (kind) {
    case "textList":
    case "optionList":
      return [];
    case "numberRange":
    case "dateRange":
      return ["", ""];
    case "relative":
      return { amount: "", unit: "days" };
    case "none":
      return undefined;
    default:
      return "";
  }
}

export function isComplete(c: EdCond, fields: Map<string, FieldInfo>): boolean {
  const f = fields.get(c.field);
  if (!f || !c.op) return false;
  const kind = valueKind(f, c.op);
  const v = c.value;
  switch (kind) {
    case "none":
      return true;
    case "textList":
    case "optionList":
      return Array.isArray(v) && v.length > 0;
    case "numberRange":
    case "dateRange":
      return Array.isArray(v) && v[0] !== "" && v[1] !== "" && v[0] != null && v[1] != null;
    case "relative": {
      const r = v as { amount: string | number; unit: string };
      return Number(r?.amount) > 0 && !!r.unit;
    }
    default:
      return v !== "" && v !== undefined && v !== null;
  }
}

function localDayBound(day: string, end: boolean): string {
  const [y, m, d] = day.split("-").map(Number);
  const dt = end ? new Date(y ?? 0, (m ?? 1) - 1, d ?? 1, 23, 59, 59, 999) : new Date(y ?? 0, (m ?? 1) - 1, d ?? 1);
  return dt.toISOString();
}

function isoToDay(v: unknown): string {
  if (typeof v !== "string") return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function condToApi(c: EdCond, f: FieldInfo): FilterNode {
  const kind = valueKind(f, c.op);
  const isDatetime = f.type === "datetime";
  switch (kind) {
    case "none":
      return { field: c.field, op: c.op };
    case "number":
      return { field: c.field, op: c.op, value: Number(c.value) };
    case "numberRange":
      return { field: c.field, op: c.op, value: (c.value as string[]).map(Number) };
    case "boolean":
      return { field: c.field, op: c.op, value: c.value === "true" || c.value === true };
    case "relative": {
      const r = c.value as { amount: string | number; unit: string };
      return { field: c.field, op: c.op, value: { amount: Number(r.amount), unit: r.unit } };
    }
    case "date":
      return {
        field: c.field,
        op: c.op,
        value: isDatetime ? localDayBound(c.value as string, c.op === "after") : c.value,
      };
    case "dateRange": {
      const [a, b] = c.value as [string, string];
      return { field: c.field, op: c.op, value: isDatetime ? [localDayBound(a, false), localDayBound(b, true)] : [a, b] };
    }
    default:
      return { field: c.field, op: c.op, value: c.value };
  }
}

/** The editor tree as an API filter; incomplete conditions and empty groups are left out. */
/** The guide's "Time Since Last Incoming Message" criterion: `last_incoming_message_at` with the
 * relative operators (API.md), offered in the Fields list as a field of its own, right after it. */
export const TIME_SINCE = "time_since_last_incoming_message";
const TIME_SINCE_OF = "last_incoming_message_at";
const RELATIVE_OPS = ["within_last", "older_than"];

export function withTimeSince(fields: FieldInfo[]): FieldInfo[] {
  const i = fields.findIndex((f) => f.field === TIME_SINCE_OF);
  const base = fields[i];
  if (!base || fields.some((f) => f.field === TIME_SINCE)) return fields;
  const ops = RELATIVE_OPS.filter((o) => base.operators.includes(o)).reverse(); // "more than … ago" first
  if (!ops.length) return fields;
  const alias: FieldInfo = { ...base, field: TIME_SINCE, label: "Time since last incoming message", operators: ops, sortable: false };
  return [...fields.slice(0, i + 1), alias, ...fields.slice(i + 1)];
}

export function toApi(g: EdGroup, fields: Map<string, FieldInfo>): Group | null {
  const items: FilterNode[] = [];
  for (const n of g.items) {
    if (n.kind === "group") {
      const sub = toApi(n, fields);
      if (sub) items.push(sub);
    } else if (isComplete(n, fields)) {
      const c = condToApi(n, fields.get(n.field) as FieldInfo);
      items.push(n.field === TIME_SINCE ? { ...c, field: TIME_SINCE_OF } : c);
    }
  }
  if (!items.length) return null;
  return g.mode === "and" ? { and: items } : { or: items };
}

export function fromApi(g: Group | null, fields: Map<string, FieldInfo>): EdGroup {
  if (!g) return emptyGroup();
  const mode = "and" in g ? "and" : "or";
  const list = "and" in g ? g.and : g.or;
  return {
    id: newId(),
    kind: "group",
    mode,
    items: list.map((n): EdNode => {
      if ("and" in n || "or" in n) return fromApi(n as Group, fields);
      const given = n as { field: string; op: string; value?: unknown };
      const alias = given.field === TIME_SINCE_OF && RELATIVE_OPS.includes(given.op) && fields.has(TIME_SINCE);
      const c = alias ? { ...given, field: TIME_SINCE } : given;
      const f = fields.get(c.field);
      const kind = valueKind(f, c.op);
      let value: unknown = c.value;
      if (kind === "date") value = f?.type === "datetime" ? isoToDay(c.value) : c.value;
      if (kind === "dateRange" && Array.isArray(c.value)) value = c.value.map(isoToDay);
      if (kind === "number") value = String(c.value);
      if (kind === "numberRange" && Array.isArray(c.value)) value = c.value.map(String);
      if (kind === "boolean") value = String(c.value);
      if (kind === "relative") {
        const r = c.value as { amount: number; unit: string };
        value = { amount: String(r?.amount ?? ""), unit: r?.unit ?? "days" };
      }
      return { id: newId(), kind: "cond", field: c.field, op: c.op, value };
    }),
  };
}

export function countConditions(g: EdGroup): number {
  return g.items.reduce((n, x) => n + (x.kind === "group" ? countConditions(x) : 1), 0);
}

/** Immutable update of the node with `id` anywhere in the tree. */
export function updateNode(g: EdGroup, id: string, fn: (n: EdNode) => EdNode | null): EdGroup {
  if (g.id === id) return (fn(g) as EdGroup | null) ?? emptyGroup(g.mode);
  const items: EdNode[] = [];
  for (const n of g.items) {
    if (n.id === id) {
      const r = fn(n);
      if (r) items.push(r);
    } else if (n.kind === "group") items.push(updateNode(n, id, fn));
    else items.push(n);
  }
  return { ...g, items };
}
