// The URL-state glue the Contacts and Dashboard pages share: the criteria (?view=&q=&filter=, and
// ?sort= on Contacts) read from the URL, the search box's text written back after a pause in typing,
// and what the view selector and the Filters drawer change. Typing, a filter applied and the search
// replace the history entry; choosing or saving a view pushes one, so Back returns to the last view.
import { useCallback } from "react";
import type { Group, View } from "../api/types";
import { useSearchText } from "../filters/CriteriaControls";
import { type TableState, useTableState } from "./urlState";

export interface UrlCriteria {
  state: TableState;
  setState: (patch: Partial<TableState>, replace?: boolean) => void;
  /** The search box's own text (committed to ?q= after a pause). */
  text: string;
  setText: (text: string) => void;
  selectView: (viewId: string) => void;
  applyFilter: (filter: Group | null) => void;
  /** A view just saved from the drawer: show it alone (its own search and filter). */
  openSavedView: (view: View) => void;
}

export function useUrlCriteria(): UrlCriteria {
  const [state, setState] = useTableState();
  const commitQuery = useCallback((q: string) => setState({ q }, true), [setState]);
  const [text, setText] = useSearchText(state.q, commitQuery);
  const selectView = useCallback((view: string) => setState({ view }), [setState]);
  const applyFilter = useCallback((filter: Group | null) => setState({ filter }, true), [setState]);
  const openSavedView = useCallback((v: View) => setState({ view: v.id, q: "", filter: null }), [setState]);
  return { state, setState, text, setText, selectView, applyFilter, openSavedView };
}
