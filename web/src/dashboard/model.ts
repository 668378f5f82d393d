// What the dashboard asks POST /v1/contacts/aggregate for, and how its answers become chart series
// and table rows. Pure functions: the charts and the tables read the same rows.
import type { AggregateParams, Condition, FacetBucket, FilterNode, Group, HistogramBucket } from "../api/types";
import { countryName } from "../ui/countryName";

export interface Criteria {
  view: string;
  q: string;
  filter: Group | null;
}

export interface ChartRow {
  key: string;
  label: string;
  count: number;
}

export const NEW_CONTACTS_DAYS = 90;

/** The user's filter with more conditions ANDed on; an "and" root takes them in (no extra depth). */
export function andWith(filter: Group | null, extra: FilterNode[]): Group | null {
  if (!extra.length) return filter;
  if (!filter) return { and: extra };
  if ("and" in filter) return { and: [...filter.and, ...extra] };
  return { and: [filter, ...extra] };
}

export function baseParams(c: Criteria, extra: FilterNode[] = []): AggregateParams {
  return { query: c.q || null, view_id: c.view, filter: andWith(c.filter, extra) };
}

/** A plain calendar date (YYYY-MM-DD) of `d` in the browser's time zone. */
export function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The last `days` calendar days up to today, as the histogram's from/to (both ends included). */
export function dayRange(now: Date, days = NEW_CONTACTS_DAYS): { from: string; to: string } {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return { from: localDay(start), to: localDay(now) };
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** The main request: contacts by channel, tag and country, and new contacts per day. */
export function overviewParams(c: Criteria, now: Date, timeZone: string): AggregateParams {
  const { from, to } = dayRange(now);
  return {
    ...baseParams(c),
    facets: [
      { field: "channels", size: 20 },
      { field: "tags", size: 10 },
      { field: "country", size: 10 },
    ],
    histograms: [{ field: "created_at", interval: "day", time_zone: timeZone, from, to }],
  };
}

/** Open conversations by assignee: its own request, the user's filter and the open status. */
export function openByAssigneeParams(c: Criteria): AggregateParams {
  return {
    ...baseParams(c, [{ field: "conversation_status", op: "eq", value: "open" }]),
    facets: [{ field: "assignee_id", size: 20 }],
  };
}

export interface AgeBucket {
  key: string;
  label: string;
  conditions: Condition[];
}

const within = (amount: number, unit: string): Condition => ({
  field: "last_incoming_message_at",
  op: "within_last",
  value: { amount, unit },
});
const olderThan = (amount: number, unit: string): Condition => ({
  field: "last_incoming_message_at",
  op: "older_than",
  value: { amount, unit },
});

/** "Time since last incoming message": rolling, disjoint buckets, each counted exactly by its own
 * filter (the API's within_last / older_than), then the contacts that never wrote. */
export const AGE_BUCKETS: AgeBucket[] = [
  { key: "1h", label: "Less than 1 hour", conditions: [within(1, "hours")] },
  { key: "24h", label: "1 to 24 hours", conditions: [olderThan(1, "hours"), within(24, "hours")] },
  { key: "7d", label: "1 to 7 days", conditions: [olderThan(24, "hours"), within(7, "days")] },
  { key: "30d", label: "7 to 30 days", conditions: [olderThan(7, "days"), within(30, "days")] },
  { key: "older", label: "More than 30 days", conditions: [olderThan(30, "days")] },
  { key: "never", label: "No incoming message", conditions: [{ field: "last_incoming_message_at", op: "not_exists" }] },
];

export function ageBucketParams(c: Criteria, bucket: AgeBucket): AggregateParams {
  return baseParams(c, bucket.conditions);
}

export type Labeler = (value: FacetBucket["value"]) => string;

/** Facet buckets as rows, in the API's order (count, then value). */
export function facetRows(buckets: FacetBucket[] | undefined, labelOf: Labeler): ChartRow[] {
  return (buckets ?? []).map((b) => ({ key: String(b.value), label: labelOf(b.value), count: b.count }));
}

/** Histogram buckets as one row per day from `from` to `to`, days without contacts at zero. */
export function dayRows(buckets: HistogramBucket[] | undefined, from: string, to: string, format: (day: string) => string): ChartRow[] {
  const counts = new Map<string, number>();
  for (const b of buckets ?? []) {
    const day = b.start.slice(0, 10);
    counts.set(day, (counts.get(day) ?? 0) + b.count);
  }
  const rows: ChartRow[] = [];
  const [y, m, d] = from.split("-").map(Number);
  for (let i = 0; i < 400; i++) {
    const day = localDay(new Date(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + i));
    if (day > to) break;
    rows.push({ key: day, label: format(day), count: counts.get(day) ?? 0 });
  }
  return rows;
}

export function sumRows(rows: ChartRow[]): number {
  return rows.reduce((n, r) => n + r.count, 0);
}

/** How a value of a faceted field reads: channel and user names, countries, "Unassigned". */
export function facetLabeler(field: string, lookups: { users: Map<string, string>; channels: Map<string, string> }): Labeler {
  return (v) => {
    if (v === null) return field === "assignee_id" ? "Unassigned" : "None";
    const s = String(v);
    if (field === "assignee_id") return lookups.users.get(s) ?? "Unknown user";
    if (field === "channels" || field === "last_interacted_channel_id") return lookups.channels.get(s) ?? "Unknown channel";
    if (field === "country") return countryName(s);
    return s;
  };
}
