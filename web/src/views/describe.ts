// A saved view's criteria in words ("Country is Malaysia and (Tags has any of vip or …)"), so a
// person can see what a custom inbox selects before changing it.
import type { FieldInfo, FilterNode, Group, SortItem } from "../api/types";
import { OP_LABELS, TIME_SINCE } from "../filters/model";

type Labeler = (field: string, value: string) => string;

function valueText(v: unknown, field: string, label: Labeler): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.map((x) => label(field, String(x))).join(", ");
  if (typeof v === "object") {
    const r = v as { amount?: unknown; unit?: unknown };
    if ("amount" in r) return `${String(r.amount)} ${String(r.unit ?? "")}`;
    return JSON.stringify(v);
  }
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v)) return v.slice(0, 10);
  return label(field, String(v));
}

export function describeFilter(g: Group, fields: Map<string, FieldInfo>, label: Labeler = (_f, v) => v): string {
  const joiner = "and" in g ? " and " : " or ";
  const items = "and" in g ? g.and : g.or;
  return items
    .map((n: FilterNode) => {
      if ("and" in n || "or" in n) return `(${describeFilter(n as Group, fields, label)})`;
      const c = n as { field: string; op: string; value?: unknown };
      const name = c.field === "last_incoming_message_at" && (c.op === "older_than" || c.op === "within_last")
        ? (fields.get(TIME_SINCE)?.label ?? "Time since last incoming message")
        : (fields.get(c.field)?.label ?? c.field);
      const op = OP_LABELS[c.op] ?? c.op;
      const v = valueText(c.value, c.field, label);
      return op.includes("…") ? `${name} ${op.replace("…", v)}` : `${name} ${op}${v ? ` ${v}` : ""}`;
    })
    .join(joiner);
}

export function describeSort(sort: SortItem[], fields: Map<string, FieldInfo>): string {
  return sort.map((s) => `${fields.get(s.field)?.label ?? (s.field === "display_name" ? "Name" : s.field)}, ${s.order === "asc" ? "ascending" : "descending"}`).join("; then ");
}
