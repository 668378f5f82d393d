// Counts next to the choices of tag, channel, country and assignee conditions in the Filters drawer:
// how many contacts hold each value among those matching the view, the search and every OTHER
// condition (the condition being edited is left out, so choosing a second value shows what it adds).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { FacetBucket, Group } from "../api/types";
import type { Option } from "../ui/controls";

export const COUNTED_FIELDS = new Set(["tags", "channels", "country", "assignee_id"]);
export const CHOICES_SIZE = 100;

export function useChoiceCounts(field: string, view: string, q: string, filter: Group | null) {
  return useQuery({
    queryKey: ["choice-counts", field, view, q, filter],
    queryFn: ({ signal }) =>
      api.aggregate({ query: q || null, view_id: view, filter, facets: [{ field, size: CHOICES_SIZE }] }, signal),
    select: (r) => r.facets[field] ?? [],
    enabled: COUNTED_FIELDS.has(field),
    staleTime: 15_000,
    placeholderData: keepPreviousData,
  });
}

/** The choices of a counted field with their counts, most contacts first. Known choices (the
 * workspace's channels and users) are all listed, at 0 when none match; values only the counts know
 * (tags, countries) come from them; chosen values are always kept. The unassigned (null) bucket is
 * not a choice (that is the "is empty" operator). */
export function countedOptions(
  known: Option[],
  buckets: FacetBucket[] | undefined,
  selected: string[],
  labelOf: (v: string) => string,
): Option[] {
  const counts = new Map<string, number>();
  for (const b of buckets ?? []) if (b.value !== null) counts.set(String(b.value), b.count);
  const out = new Map<string, Option>();
  for (const o of known) out.set(o.id, { ...o, count: counts.get(o.id) ?? 0 });
  if (!known.length) for (const [v, n] of counts) out.set(v, { id: v, label: labelOf(v), count: n });
  for (const v of selected) if (!out.has(v)) out.set(v, { id: v, label: labelOf(v), count: counts.get(v) ?? 0 });
  return [...out.values()].sort((a, b) => (b.count ?? 0) - (a.count ?? 0) || a.label.localeCompare(b.label));
}
