import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys } from "../api/queries";
import { pendingVersions } from "../api/freshness";
import type { Group, SortItem } from "../api/types";

export const PAGE_SIZE = 50;

export interface SearchCriteria {
  view: string;
  q: string;
  filter: Group | null;
  sort: SortItem[];
}

/** The table's rows: cursor pages of POST /v1/contacts/search, loaded as the user scrolls. */
export function useContactSearch(c: SearchCriteria) {
  return useInfiniteQuery({
    queryKey: [...keys.search, c],
    queryFn: ({ pageParam, signal }) =>
      api.search(
        {
          query: c.q || null,
          view_id: c.view,
          filter: c.filter,
          sort: c.sort.length ? c.sort : null,
          page_size: PAGE_SIZE,
          cursor: pageParam,
          min_version: pendingVersions(),
        },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: (prev) => prev,
  });
}
