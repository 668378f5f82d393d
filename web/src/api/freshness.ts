// Read-your-writes for the table: the search index follows PostgreSQL within about a second.
// A write's answer carries the contact's version; the next searches send it as `min_version`, so
// the table shows the write. Deleted ids are hidden at once (a delete has no version to wait for).
import type { QueryClient } from "@tanstack/react-query";
import { keys } from "./queries";
import type { Contact } from "./types";

const WINDOW_MS = 15_000;
const versions = new Map<string, { v: number; at: number }>();
const deleted = new Set<string>();
// Bumped on every change to `deleted`, so the table can memoise its rows and still drop a deleted
// contact at once (read with useSyncExternalStore(subscribeDeleted, deletedVersion)).
let deletedChanges = 0;
const deletedListeners = new Set<() => void>();
function deletedChanged() {
  deletedChanges += 1;
  for (const listener of deletedListeners) listener();
}

export function subscribeDeleted(listener: () => void): () => void {
  deletedListeners.add(listener);
  return () => deletedListeners.delete(listener);
}

export function deletedVersion(): number {
  return deletedChanges;
}

export function noteWritten(...contacts: Contact[]) {
  const now = Date.now();
  for (const c of contacts) versions.set(c.id, { v: c.version, at: now });
}

export function pendingVersions(): Record<string, number> | undefined {
  const now = Date.now();
  const out: Record<string, number> = {};
  for (const [id, { v, at }] of versions) {
    if (now - at > WINDOW_MS || deleted.has(id)) versions.delete(id);
    else out[id] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

export function noteDeleted(ids: Iterable<string>) {
  for (const id of ids) deleted.add(id);
  deletedChanged();
}

/** An unmerged contact is back: show it again. */
export function noteRestored(ids: Iterable<string>) {
  for (const id of ids) deleted.delete(id);
  deletedChanged();
}

export function isDeleted(id: string): boolean {
  return deleted.has(id);
}

/** Refetch the table now and again shortly (for job results the index catches up with). */
export function refreshSearch(qc: QueryClient, again = false) {
  void qc.invalidateQueries({ queryKey: keys.search });
  if (again) {
    for (const ms of [1000, 2500]) setTimeout(() => void qc.invalidateQueries({ queryKey: keys.search }), ms);
  }
}
