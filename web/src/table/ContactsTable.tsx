// The contacts table: TanStack Table for columns and sorting state, TanStack Virtual for rows.
import { memo, useEffect, useMemo, useRef } from "react";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { Contact, SortItem } from "../api/types";
import { contactHref } from "../url/urlState";
import { Avatar, cellText, formatDateTime, type Lookups } from "./format";
import { RowMenu, type RowAction } from "./RowMenu";

export interface ColumnDef {
  key: string;
  label: string;
  sortable: boolean;
}

const ROW_HEIGHT = 44;
const helper = createColumnHelper<Contact>();

/**
 * Memoised: the page re-renders on every keystroke in the search box and every dialog change; the
 * rows re-render only when one of these props changes (the page keeps them stable).
 */
export const ContactsTable = memo(function ContactsTable(props: {
  rows: Contact[];
  columns: ColumnDef[];
  sort: SortItem[];
  onSort: (field: string) => void;
  selected: Set<string>;
  allMatching: boolean;
  onToggle: (c: Contact) => void;
  onTogglePage: () => void;
  hasNextPage: boolean;
  /** how many contacts match (aria-rowcount), null while unknown */
  total: number | null;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
  onAction: (a: RowAction, c: Contact) => void;
  lookups: Lookups;
}) {
  const { rows, columns, sort, selected, allMatching, lookups } = props;
  const pageSelected = allMatching || (rows.length > 0 && rows.every((r) => selected.has(r.id)));
  const someSelected = !pageSelected && rows.some((r) => selected.has(r.id));

  const defs = useMemo(
    () => [
      ...columns.map((col) =>
        helper.accessor((c) => (col.key === "display_name" ? c.display_name : cellText(c, col.key, lookups)), {
          id: col.key,
          header: col.label,
          enableSorting: col.sortable,
          cell: (info) => {
            const c = info.row.original;
            if (col.key !== "display_name") {
              const text = info.getValue();
              return (
                <span className="cell-text" title={col.key.endsWith("_at") ? formatDateTime((c as unknown as Record<string, unknown>)[col.key]) : text}>
                  {text}
                </span>
              );
            }
            return (
              <span className="name-cell">
                <input
                  type="checkbox"
                  aria-label={`Select ${c.display_name}`}
                  checked={allMatching || selected.has(c.id)}
                  disabled={allMatching}
                  onChange={() => props.onToggle(c)}
                />
                <Avatar avatar={c.avatar} contact={c} />
                <a
                  className="cell-text name-link"
                  href={contactHref(c.id)}
                  onClick={(e) => {
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab or window: the browser's
                    e.preventDefault();
                    props.onAction("details", c);
                  }}
                >
                  {c.display_name}
                </a>
              </span>
            );
          },
        }),
      ),
      helper.display({
        id: "_actions",
        header: () => <span className="visually-hidden">Actions</span>,
        cell: (info) => <RowMenu contact={info.row.original} onAction={props.onAction} />,
      }),
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [columns, lookups, selected, allMatching, props.onToggle, props.onAction],
  );

  const table = useReactTable({
    data: rows,
    columns: defs,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    state: { sorting: sort.map((s) => ({ id: s.field, desc: s.order === "desc" })) },
    getRowId: (c) => c.id,
  });

  const scrollRef = useRef<HTMLDivElement>(null);
  const tableRows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    initialRect: { width: 1200, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? (items[items.length - 1]?.index ?? 0) : 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = props;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= tableRows.length - 15) fetchNextPage();
  }, [lastIndex, tableRows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const widths = (id: string) => (id === "display_name" ? "minmax(240px, 2fr)" : id === "_actions" ? "56px" : "minmax(140px, 1fr)");
  const template = table.getVisibleLeafColumns().map((c) => widths(c.id)).join(" ");

  return (
    <div className="table-scroll" ref={scrollRef} tabIndex={-1}>
      {/* The CSS lays the table out as a grid, which drops table semantics in some browsers: the
          roles are given explicitly. aria-rowcount and aria-rowindex let a screen reader say where
          a row is among all the matching contacts, though only the rows in view are in the page. */}
      <table className="contacts-table" role="table" aria-label="Contacts" aria-rowcount={props.total !== null ? props.total + 1 : -1}>
        <thead role="rowgroup">
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id} role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
              {hg.headers.map((h) => {
                const s = sort.find((x) => x.field === h.column.id);
                const ariaSort = s ? (s.order === "asc" ? "ascending" : "descending") : h.column.getCanSort() ? "none" : undefined;
                const label = flexRender(h.column.columnDef.header, h.getContext());
                return (
                  // The Name header also holds the page's select-all checkbox: named by its label alone.
                  <th
                    key={h.id}
                    role="columnheader"
                    aria-sort={ariaSort}
                    scope="col"
                    aria-label={h.column.id === "display_name" ? columns.find((c) => c.key === "display_name")?.label : undefined}
                  >
                    {h.column.id === "display_name" && (
                      <input
                        type="checkbox"
                        aria-label="Select all on this page"
                        checked={pageSelected}
                        ref={(el) => {
                          if (el) el.indeterminate = someSelected;
                        }}
                        disabled={rows.length === 0 || allMatching}
                        onChange={props.onTogglePage}
                      />
                    )}
                    {h.column.getCanSort() ? (
                      <button type="button" className="sort-button" onClick={() => props.onSort(h.column.id)}>
                        {label}
                        <span aria-hidden="true" className="sort-mark">
                          {s ? (s.order === "asc" ? " ▲" : " ▼") : ""}
                        </span>
                      </button>
                    ) : (
                      label
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((vi) => {
            const row = tableRows[vi.index];
            if (!row) return null;
            return (
              <tr
                key={row.id}
                role="row"
                aria-rowindex={vi.index + 2}
                data-index={vi.index}
                className={selected.has(row.id) || allMatching ? "selected" : undefined}
                style={{ transform: `translateY(${vi.start}px)`, gridTemplateColumns: template, height: ROW_HEIGHT }}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} role="cell">{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      {isFetchingNextPage && (
        <p className="loading-more" role="status">
          Loading more contacts…
        </p>
      )}
    </div>
  );
});
