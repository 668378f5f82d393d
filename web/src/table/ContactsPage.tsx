// The Contacts page: view selector, search, toolbar, the table, the filter drawer and the dialogs.
import { Suspense, lazy, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { describeError } from "../api/client";
import { deletedVersion, isDeleted, noteDeleted, refreshSearch, subscribeDeleted } from "../api/freshness";
import { fieldMap, useChannels, useColumns, useFields, useUsers, useViews } from "../api/queries";
import type { Contact, Me, Selection, SortItem } from "../api/types";
import { CustomFieldsDialog } from "../columns/CustomFieldsDialog";
import { CustomizeColumnsDialog } from "../columns/CustomizeColumnsDialog";
import { AddContactDialog } from "../contact/AddContactDialog";
import { customFieldsOf, editableFieldsOf } from "../contact/ContactForm";
import { DeleteContactDialog } from "../contact/DeleteContactDialog";
import { ExportDialog } from "../export/ExportDialog";
import { AssignTagsDialog, BulkDeleteDialog } from "../selection/BulkDialogs";
import { Button, ErrorText, QueryProblem } from "../ui/controls";
import { FilterButton, FilterPanel, SearchBox } from "../filters/CriteriaControls";
import { JobTray } from "../jobs/JobTray";
import { AppHeader } from "../nav/AppHeader";
import { useUrlCriteria } from "../url/useUrlCriteria";
import { useOpenContact } from "../url/urlState";
import { ViewSelector } from "../views/ViewSelector";
import { ViewSettingsDialog } from "../views/ViewSettingsDialog";
import { ContactsTable, type ColumnDef } from "./ContactsTable";
import { EmptyState } from "./EmptyState";
import { formatTotal, type Lookups } from "./format";
import { focusIfLost, focusRowMenu, type RowAction } from "./RowMenu";
import { useContactSearch } from "./useContactSearch";

// Loaded when first opened, so the table's own code stays small.
const SEARCH_INPUT = 'input[aria-label="Search contacts"], [aria-label="Search contacts"] input';

/** The API's order when neither the request nor the view gives one (API.md: `last_interaction_at desc`). */
const DEFAULT_SORT: SortItem[] = [{ field: "last_interaction_at", order: "desc" }];

const ImportDialog = lazy(() => import("../import/ImportDialog").then((m) => ({ default: m.ImportDialog })));
const MergeDialog = lazy(() => import("../merge/MergeDialogs").then((m) => ({ default: m.MergeDialog })));
const UnmergeDialog = lazy(() => import("../merge/MergeDialogs").then((m) => ({ default: m.UnmergeDialog })));
const ContactDetailsDialog = lazy(() => import("../contact/ContactDetailsDialog").then((m) => ({ default: m.ContactDetailsDialog })));
const MessagesDialog = lazy(() => import("../contact/ContactDetailsDialog").then((m) => ({ default: m.MessagesDialog })));

/** The most contacts a selection by id may hold (API: `{"ids": [...]}`, at most 1000). */
export const MAX_SELECTED = 1000;

type DialogName = "add" | "columns" | "fields" | "export" | "import" | "bulkDelete" | "tags" | "merge" | null;

export function ContactsPage({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const qc = useQueryClient();
  const { state, setState, text, setText, selectView, applyFilter, openSavedView } = useUrlCriteria();
  const fields = useFields();
  const views = useViews();
  const columns = useColumns();
  const users = useUsers();
  const channels = useChannels();
  const byName = useMemo(() => fieldMap(fields.data?.items), [fields.data]);
  const custom = useMemo(() => customFieldsOf(fields.data?.items), [fields.data]);
  const standard = useMemo(() => editableFieldsOf(fields.data?.items), [fields.data]);

  // The URL state is one object per URL (useTableState), and it holds exactly the search criteria.
  const criteria = state;
  const search = useContactSearch(criteria);
  // Changes when a contact is deleted or merged away (or back after an unmerge) anywhere on the page,
  // so the rows drop it at once, before the next search answers.
  const deletions = useSyncExternalStore(subscribeDeleted, deletedVersion);
  const loaded = useMemo(() => (search.data?.pages ?? []).flatMap((p) => p.items), [search.data]);
  // The same array while the answer and the deletions are the same: the table (memoised) does not
  // re-render its rows on a keystroke in the search box or a change elsewhere on the page.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const rows = useMemo(() => loaded.filter((c) => !isDeleted(c.id)), [loaded, deletions]);
  const totalInfo = search.data?.pages[0]?.total;
  const total = totalInfo ? Math.max(0, totalInfo.value - (loaded.length - rows.length)) : null;

  // selection
  const [selected, setSelected] = useState<Map<string, Contact>>(new Map());
  const [allMatching, setAllMatching] = useState(false);
  useEffect(() => {
    // Unchanged state when nothing was selected, so a new search costs no extra render.
    setSelected((s) => (s.size ? new Map() : s));
    setAllMatching(false);
  }, [criteria]);
  // A selection by id holds at most MAX_SELECTED contacts (the API's limit); "Select all N
  // matching" takes any number.
  const [selectionLimit, setSelectionLimit] = useState(false);
  const onToggle = useCallback((c: Contact) => {
    setSelected((s) => {
      const n = new Map(s);
      if (n.has(c.id)) n.delete(c.id);
      else if (n.size >= MAX_SELECTED) {
        setSelectionLimit(true);
        return s;
      } else n.set(c.id, c);
      return n;
    });
  }, []);
  const selectedIds = useMemo(() => new Set(selected.keys()), [selected]);
  const pageRows = rows.slice(0, MAX_SELECTED);
  const pageSelected = rows.length > 0 && pageRows.every((r) => selected.has(r.id));
  const onTogglePage = useCallback(() => {
    setSelectionLimit(!pageSelected && rows.length > MAX_SELECTED);
    setSelected(pageSelected ? new Map() : new Map(rows.slice(0, MAX_SELECTED).map((r) => [r.id, r])));
  }, [pageSelected, rows]);
  useEffect(() => {
    if (selected.size < MAX_SELECTED) setSelectionLimit(false);
  }, [selected]);
  const selCount = allMatching ? (total ?? 0) : selected.size;
  const selection: Selection = allMatching || selected.size === 0
    ? { all_matching: { query: state.q || null, filter: state.filter, view_id: state.view } }
    : { ids: [...selected.keys()] };

  // dialogs
  const [dialog, setDialog] = useState<DialogName>(null);
  const [drawer, setDrawer] = useState(false);
  const [detailsId, setDetailsId] = useOpenContact();
  const [messagesOf, setMessagesOf] = useState<Contact | null>(null);
  const [deleting, setDeleting] = useState<Contact | null>(null);
  const [unmerging, setUnmerging] = useState<Contact | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const mergedInto = useRef<string | null>(null);
  const onAction = useCallback(
    (a: RowAction, c: Contact) => {
      if (a === "details") setDetailsId(c.id);
      else if (a === "messages") setMessagesOf(c);
      else if (a === "delete") setDeleting(c);
      else setUnmerging(c);
    },
    [setDetailsId],
  );

  const sortable = (key: string) => key === "display_name" || (byName.get(key)?.sortable ?? false);
  const colDefs: ColumnDef[] = useMemo(() => {
    const labels = new Map((columns.data?.available ?? []).map((a) => [a.key, a.label]));
    const list = columns.data?.columns ?? ["display_name", "email", "phone", "tags", "country", "created_at", "last_interaction_at"];
    const withName = list.includes("display_name") ? list : ["display_name", ...list];
    return withName.map((k) => ({
      key: k,
      label: k === "display_name" ? "Name" : (labels.get(k) ?? byName.get(k)?.label ?? k),
      sortable: sortable(k),
    }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [columns.data, byName]);

  const lookups: Lookups = useMemo(
    () => ({
      users: new Map((users.data?.items ?? []).map((u) => [u.id, u])),
      channels: new Map((channels.data?.items ?? []).map((c) => [c.id, c])),
    }),
    [users.data, channels.data],
  );

  // The order the rows are in, shown on the headers: the URL's sort, else the view's, else the API's
  // default (last interaction, newest first).
  const currentView = views.data?.items.find((v) => v.id === state.view);
  const viewSort = currentView?.sort;
  const shownSort: SortItem[] = useMemo(
    () => (state.sort.length ? state.sort : viewSort?.length ? viewSort : DEFAULT_SORT),
    [state.sort, viewSort],
  );
  const onSort = useCallback(
    (field: string) => {
      const cur = shownSort[0];
      const next: SortItem[] = cur?.field === field ? [{ field, order: cur.order === "asc" ? "desc" : "asc" }] : [{ field, order: "asc" }];
      setState({ sort: next });
    },
    [shownSort, setState],
  );
  const { fetchNextPage } = search;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  const canExport = me.role === "owner" || !me.restrictions.includes("export_contacts");
  const canBulkDelete = me.role === "owner" || !me.restrictions.includes("bulk_delete_contacts");
  const restrictedReason = "An owner of your workspace restricted this for your account.";
  const selectedPair = [...selected.values()];
  const viewName = currentView?.name;
  const savedView = currentView && !currentView.built_in ? currentView : undefined;
  const [editingView, setEditingView] = useState(false);

  return (
    <div className="app">
      <AppHeader me={me} current="contacts" title="Contacts" onSignOut={onSignOut} />
      <div className="toolbar" role="toolbar" aria-label="Contacts actions">
        <ViewSelector views={views.data?.items} failed={!!views.error} value={state.view} onChange={selectView} />
        {savedView && <Button onPress={() => setEditingView(true)}>Edit view</Button>}
        {selCount > 0 ? (
          <div className="bulk-actions">
            <span className="sel-count" role="status">
              {selCount.toLocaleString("en-US")} selected
            </span>
            <Button
              variant="danger"
              isDisabled={!canBulkDelete}
              aria-describedby={!canBulkDelete ? "bulk-delete-reason" : undefined}
              onPress={() => setDialog("bulkDelete")}
            >
              Delete
            </Button>
            {!canBulkDelete && (
              <span id="bulk-delete-reason" className="reason">
                Delete: {restrictedReason}
              </span>
            )}
            <Button onPress={() => setDialog("tags")}>Assign tags</Button>
            {!allMatching && selected.size === 2 && <Button onPress={() => setDialog("merge")}>Merge contacts</Button>}
            <Button
              onPress={() => {
                setSelected(new Map());
                setAllMatching(false);
              }}
            >
              Clear selection
            </Button>
          </div>
        ) : null}
        <SearchBox value={text} onChange={setText} />
        <Button onPress={() => setDialog("add")} variant="primary">
          Add contact
        </Button>
        <FilterButton open={drawer} filter={state.filter} onPress={() => setDrawer((d) => !d)} />
        <Button onPress={() => setDialog("columns")}>Customize columns</Button>
        <Button isDisabled={!canExport} aria-describedby={!canExport ? "export-reason" : undefined} onPress={() => setDialog("export")}>
          Export
        </Button>
        {!canExport && (
          <span id="export-reason" className="reason">
            Export: {restrictedReason}
          </span>
        )}
        <Button onPress={() => setDialog("import")}>Import</Button>
      </div>
      <div className="status-line">
        <span className="total" aria-live="polite">
          {total !== null ? formatTotal(total, totalInfo?.relation) : search.isPending ? "Loading…" : ""}
        </span>
        {viewName && state.view !== "all" && <span className="hint"> in {viewName}</span>}
        {search.isFetching && !search.isFetchingNextPage && !search.isPending && <span className="hint"> · updating…</span>}
        {pageSelected && !allMatching && total !== null && total > selected.size && (
          <Button onPress={() => setAllMatching(true)}>Select all {total.toLocaleString("en-US")} matching</Button>
        )}
        {allMatching && <span> All {selCount.toLocaleString("en-US")} matching contacts are selected.</span>}
        {selectionLimit && !allMatching && (
          <span role="status" className="notice">
            A selection holds at most {MAX_SELECTED.toLocaleString("en-US")} contacts picked one by one; the first {MAX_SELECTED.toLocaleString("en-US")} loaded are
            selected. Select all matching takes every one.
          </span>
        )}
        {notice && (
          <span role="status" className="notice">
            {notice}
          </span>
        )}
      </div>
      <JobTray />
      {search.error && <ErrorText>Contacts could not be loaded: {describeError(search.error)}</ErrorText>}
      {!search.error && search.failureReason && search.isFetching && (
        <ErrorText>Contacts are unavailable for now: {describeError(search.failureReason)}</ErrorText>
      )}
      <QueryProblem what="Your columns" query={columns} />
      <QueryProblem what="The contact fields" query={fields} />
      <QueryProblem what="Saved views" query={views} />
      <QueryProblem what="The workspace's users" query={users} />
      <QueryProblem what="The workspace's channels" query={channels} />
      <div className="main">
        <ContactsTable
          rows={rows}
          columns={colDefs}
          sort={shownSort}
          onSort={onSort}
          selected={selectedIds}
          allMatching={allMatching}
          onToggle={onToggle}
          onTogglePage={onTogglePage}
          total={totalInfo?.relation === "gte" ? null : total}
          hasNextPage={!!search.hasNextPage}
          isFetchingNextPage={search.isFetchingNextPage}
          fetchNextPage={loadMore}
          onAction={onAction}
          lookups={lookups}
        />
        {!search.isPending && !search.error && rows.length === 0 && (
          <EmptyState
            criteria={!!state.q || !!state.filter}
            view={state.view}
            onClear={() => {
              setText("");
              setState({ q: "", filter: null });
            }}
            onAdd={() => setDialog("add")}
            onImport={() => setDialog("import")}
          />
        )}
        {drawer && (
          <FilterPanel
            view={state.view}
            filter={state.filter}
            query={state.q}
            sort={state.sort}
            fields={fields.data?.items}
            fieldsError={fields.error}
            users={users.data?.items ?? []}
            channels={channels.data?.items ?? []}
            onApply={applyFilter}
            onSaved={openSavedView}
            onClose={() => setDrawer(false)}
          />
        )}
      </div>

      {editingView && savedView && (
        <ViewSettingsDialog
          view={savedView}
          fields={byName}
          current={{ q: state.q, filter: state.filter, sort: state.sort }}
          onClose={() => setEditingView(false)}
          onAbsorbed={() => {
            setText("");
            setState({ q: "", filter: null, sort: [] }, true);
            setNotice(`The view “${savedView.name}” now holds that search and filter.`);
          }}
          onDeleted={() => {
            setEditingView(false);
            setNotice(`The view “${savedView.name}” was deleted.`);
            selectView("all");
          }}
        />
      )}
      <AddContactDialog
        isOpen={dialog === "add"}
        onClose={() => setDialog(null)}
        standard={standard}
        custom={custom}
        fieldsProblem={fields.error ?? (fields.isFetching ? fields.failureReason : null)}
        onAdded={(n) => setNotice(`Added ${n}.`)}
        onImport={() => setDialog("import")}
      />
      <CustomizeColumnsDialog isOpen={dialog === "columns"} onClose={() => setDialog(null)} columns={columns.data} onManageFields={() => setDialog("fields")} />
      <CustomFieldsDialog isOpen={dialog === "fields"} onClose={() => setDialog("columns")} />
      <ExportDialog
        isOpen={dialog === "export"}
        onClose={() => setDialog(null)}
        selection={selection}
        columns={colDefs.map((c) => c.key)}
        description={
          selected.size && !allMatching
            ? `the ${selected.size.toLocaleString("en-US")} selected contacts`
            : `all ${total !== null ? formatTotal(total) : "contacts"} of this view, search and filter`
        }
      />
      <Suspense fallback={null}>
        {dialog === "import" && <ImportDialog isOpen onClose={() => setDialog(null)} fields={fields.data?.items ?? []} />}
      <BulkDeleteDialog
        isOpen={dialog === "bulkDelete"}
        onClose={() => {
          setDialog(null);
          focusIfLost(SEARCH_INPUT); // the toolbar's Delete went with the selection
        }}
        selection={selection}
        count={selCount}
        onDone={() => {
          setSelected(new Map());
          setAllMatching(false);
        }}
      />
      <AssignTagsDialog isOpen={dialog === "tags"} onClose={() => setDialog(null)} selection={selection} count={selCount} />
      {dialog === "merge" && (
      <MergeDialog
        pair={dialog === "merge" && selectedPair.length === 2 ? [selectedPair[0] as Contact, selectedPair[1] as Contact] : null}
        onClose={() => {
          setDialog(null);
          // the toolbar's Merge contacts went with the selection: the contact that stayed, else the search
          if (mergedInto.current) focusRowMenu(mergedInto.current);
          mergedInto.current = null;
          focusIfLost(SEARCH_INPUT);
        }}
        labels={byName}
        onMerged={(c) => {
          mergedInto.current = c.id;
          setSelected(new Map());
          setNotice(`Merged into ${c.display_name}.`);
        }}
      />
      )}
      {unmerging && (
      <UnmergeDialog
        contact={unmerging}
        onClose={() => {
          if (unmerging) focusRowMenu(unmerging.id);
          setUnmerging(null);
        }}
        onUnmerged={(_p, s) => setNotice(`${s.display_name} is back as a separate contact.`)}
      />
      )}
      {detailsId && (
      <ContactDetailsDialog
        contactId={detailsId}
        onClose={() => {
          if (detailsId) focusRowMenu(detailsId);
          setDetailsId(null);
        }}
        standard={standard}
        custom={custom}
        users={users.data?.items ?? []}
      />
      )}
      {messagesOf && (
      <MessagesDialog
        contact={messagesOf}
        onClose={() => {
          if (messagesOf) focusRowMenu(messagesOf.id);
          setMessagesOf(null);
        }}
      />
      )}
      </Suspense>
      <DeleteContactDialog
        contact={deleting}
        onClose={() => {
          if (deleting) focusRowMenu(deleting.id);
          setDeleting(null);
        }}
        onDeleted={(c) => {
          noteDeleted([c.id]);
          setSelected((s) => {
            const n = new Map(s);
            n.delete(c.id);
            return n;
          });
          refreshSearch(qc, true);
          setNotice(`Deleted ${c.display_name}.`);
        }}
      />
    </div>
  );
}
