// The table's state lives in the URL (?view=&q=&filter=&sort=) so reload, back and shared links work.
import { useCallback, useMemo, useSyncExternalStore } from "react";
import type { Group, SortItem } from "../api/types";

export interface TableState {
  view: string;
  q: string;
  filter: Group | null;
  sort: SortItem[];
}

const listeners = new Set<() => void>();
function subscribe(cb: () => void) {
  listeners.add(cb);
  window.addEventListener("popstate", cb);
  return () => {
    listeners.delete(cb);
    window.removeEventListener("popstate", cb);
  };
}
function notify() {
  for (const l of listeners) l();
}

export function navigate(path: string, replace = false) {
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  notify();
}

const getHref = () => window.location.pathname + window.location.search;
export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(subscribe, getHref, getHref);
  const i = href.indexOf("?");
  return { pathname: i < 0 ? href : href.slice(0, i), search: i < 0 ? "" : href.slice(i) };
}

export function parseSort(s: string | null): SortItem[] {
  if (!s) return [];
  return s
    .split(",")
    .map((p) => p.split(":"))
    .filter(([f]) => !!f)
    .map(([f, o]) => ({ field: f as string, order: o === "desc" ? "desc" : "asc" }));
}

export function parseFilter(s: string | null): Group | null {
  if (!s) return null;
  try {
    const v = JSON.parse(s) as unknown;
    if (v && typeof v === "object" && ("and" in v || "or" in v)) return v as Group;
  } catch {
    /* a broken link falls back to no filter */
  }
  return null;
}

export function readTableState(search: string): TableState {
  const p = new URLSearchParams(search);
  return {
    view: p.get("view") || "all",
    q: p.get("q") ?? "",
    filter: parseFilter(p.get("filter")),
    sort: parseSort(p.get("sort")),
  };
}

export function tableStateToSearch(s: TableState): string {
  const p = new URLSearchParams();
  if (s.view && s.view !== "all") p.set("view", s.view);
  if (s.q) p.set("q", s.q);
  if (s.filter && groupItems(s.filter).length) p.set("filter", JSON.stringify(s.filter));
  if (s.sort.length) p.set("sort", s.sort.map((x) => `${x.field}:${x.order}`).join(","));
  const str = p.toString();
  return str ? `?${str}` : "";
}

export function groupItems(g: Group): import("../api/types").FilterNode[] {
  return "and" in g ? g.and : g.or;
}

export function useTableState(): [TableState, (patch: Partial<TableState>, replace?: boolean) => void] {
  const { pathname, search } = useLocation();
  // One object per URL, so what depends on it (the table's sort, memoised callbacks) stays the same
  // across renders that do not change the URL.
  const criteria = useMemo(() => {
    const p = new URLSearchParams(search);
    p.delete("contact"); // the open record (useOpenContact) is not a criterion
    return p.toString();
  }, [search]);
  const state = useMemo(() => readTableState(criteria), [criteria]);
  const update = useCallback(
    (patch: Partial<TableState>, replace = false) => {
      const next = { ...readTableState(window.location.search), ...patch };
      const p = new URLSearchParams(tableStateToSearch(next));
      const open = new URLSearchParams(window.location.search).get("contact"); // a record stays open (useOpenContact)
      if (open) p.set("contact", open);
      const tail = p.toString();
      navigate(pathname + (tail ? `?${tail}` : ""), replace);
    },
    [pathname],
  );
  return [state, update];
}

/** The contact whose record is open (?contact=<id>, beside the table's state), so a reload or a
 * shared link opens the same record; Back closes it. */
export function useOpenContact(): [string | null, (id: string | null) => void] {
  const { search } = useLocation();
  const id = useMemo(() => new URLSearchParams(search).get("contact"), [search]);
  const setOpen = useCallback((next: string | null) => {
    const p = new URLSearchParams(window.location.search);
    if (next) {
      p.set("contact", next);
      window.history.pushState({ openedContact: true }, "", `${window.location.pathname}?${p.toString()}`);
      notify();
    } else if ((window.history.state as { openedContact?: boolean } | null)?.openedContact) {
      window.history.back(); // the entry the record was opened with: Back and Close agree
    } else {
      p.delete("contact");
      const s = p.toString();
      navigate(window.location.pathname + (s ? `?${s}` : ""), true);
    }
  }, []);
  return [id, setOpen];
}

/** The address of a contact's record over the current table state (the Name cell's link). */
export function contactHref(id: string): string {
  const p = new URLSearchParams(window.location.search);
  p.set("contact", id);
  return `${window.location.pathname}?${p.toString()}`;
}
