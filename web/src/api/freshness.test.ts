import { deletedVersion, isDeleted, noteDeleted, noteRestored, subscribeDeleted } from "./freshness";

test("a deletion or a restore is announced to the table, which hides or shows the contact at once", () => {
  const seen: number[] = [];
  const unsubscribe = subscribeDeleted(() => seen.push(deletedVersion()));
  const before = deletedVersion();
  noteDeleted(["merged-away"]);
  expect(isDeleted("merged-away")).toBe(true);
  noteRestored(["merged-away"]);
  expect(isDeleted("merged-away")).toBe(false);
  expect(seen).toEqual([before + 1, before + 2]);
  unsubscribe();
  noteDeleted(["other"]);
  expect(seen).toHaveLength(2);
});
