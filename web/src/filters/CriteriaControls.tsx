// The controls that choose which contacts a page is about, shared by Contacts and Dashboard:
// the search box, the Filter button and the Filters drawer (loaded when first opened).
import { Suspense, lazy, useEffect, useState } from "react";
import { Button as AriaButton, Input, SearchField } from "react-aria-components";
import type { Channel, FieldInfo, Group, SortItem, User, View } from "../api/types";
import { Button } from "../ui/controls";
import { groupItems } from "../url/urlState";
import { SEARCH_DEBOUNCE_MS } from "./typing";

const FilterDrawer = lazy(() => import("./FilterDrawer").then((m) => ({ default: m.FilterDrawer })));

/** The search box's own text, pushed to `onCommit` after a pause in typing (and following it back). */
export function useSearchText(q: string, onCommit: (q: string) => void): [string, (t: string) => void] {
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => onCommit(text), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, q, onCommit]);
  return [text, setText];
}

export function SearchBox({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <SearchField className="search" aria-label="Search contacts" value={value} onChange={onChange}>
      <Input placeholder="Search name, email, phone, tags…" />
      <AriaButton className="btn btn-plain" aria-label="Clear search">
        ×
      </AriaButton>
    </SearchField>
  );
}

export function countNodes(g: Group): number {
  return groupItems(g).reduce((n, x) => n + ("and" in x || "or" in x ? countNodes(x as Group) : 1), 0);
}

export function FilterButton({ open, filter, onPress }: { open: boolean; filter: Group | null; onPress: () => void }) {
  const count = filter ? countNodes(filter) : 0;
  return (
    <Button onPress={onPress} aria-expanded={open} aria-describedby={count ? "filter-count" : undefined}>
      Filter
      {count ? (
        <span id="filter-count" className="badge" aria-hidden="true">
          {count} {count === 1 ? "condition" : "conditions"}
        </span>
      ) : null}
    </Button>
  );
}

export interface FilterPanelProps {
  view: string;
  filter: Group | null;
  query: string;
  sort: SortItem[];
  fields: FieldInfo[] | undefined;
  fieldsError: unknown;
  users: User[];
  channels: Channel[];
  onApply: (f: Group | null) => void;
  onSaved: (v: View) => void;
  onClose: () => void;
}

const loadingPanel = (text: string) => (
  <aside className="drawer-panel" role="region" aria-label="Filters">
    <p role="status">{text}</p>
  </aside>
);

/** The Filters drawer, once the fields it is built from are known. */
export function FilterPanel(props: FilterPanelProps) {
  if (!props.fields && !props.fieldsError) return loadingPanel("Loading fields…");
  return (
    <Suspense fallback={loadingPanel("Loading…")}>
      <FilterDrawer {...props} fields={props.fields ?? []} />
    </Suspense>
  );
}
