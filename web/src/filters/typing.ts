import type { ValueKind } from "./model";

/** The pause after the last keystroke before the search box or a typed filter value is applied. */
export const SEARCH_DEBOUNCE_MS = 150;

/** Value kinds a user types (applied after the pause); choices from a list apply at once. */
const TYPED = new Set<ValueKind>(["text", "textList", "number", "numberRange", "relative", "date", "dateRange"]);

export const isTyped = (kind: ValueKind): boolean => TYPED.has(kind);
