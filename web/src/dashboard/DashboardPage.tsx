// The Dashboard (owners and managers): counts over the contacts the view, search and filter select,
// every chart from POST /v1/contacts/aggregate, filtered by the same controls as the Contacts page.
import { useMemo, useState } from "react";
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { useChannels, useFields, useUsers, useViews } from "../api/queries";
import type { FilterNode, Me } from "../api/types";
import { FilterButton, FilterPanel, SearchBox } from "../filters/CriteriaControls";
import { AppHeader, PAGE_PATHS } from "../nav/AppHeader";
import { formatTotal } from "../table/format";
import { ErrorText } from "../ui/controls";
import { tableStateToSearch } from "../url/urlState";
import { useUrlCriteria } from "../url/useUrlCriteria";
import { ViewSelector } from "../views/ViewSelector";
import { ChartCard } from "./ChartCard";
import {
  AGE_BUCKETS, type ChartRow, NEW_CONTACTS_DAYS, ageBucketParams, andWith, browserTimeZone, dayRange, dayRows, facetLabeler,
  facetRows, openByAssigneeParams, overviewParams,
} from "./model";

const dayLong = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const dayShort = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
const asDate = (day: string) => {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
};
const shortTick = (r: ChartRow) => dayShort.format(asDate(r.key));

export function DashboardPage({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const { state, text, setText, selectView, applyFilter, openSavedView } = useUrlCriteria();
  const fields = useFields();
  const views = useViews();
  const users = useUsers();
  const channels = useChannels();
  const [drawer, setDrawer] = useState(false);

  const criteria = useMemo(
    () => ({ view: state.view, q: state.q, filter: state.filter }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [state.view, state.q, JSON.stringify(state.filter)],
  );
  const timeZone = useMemo(browserTimeZone, []);
  // The day the page was opened on: 90 days up to it (a new day shows after a reload).
  const [today] = useState(() => new Date());
  const range = useMemo(() => dayRange(today), [today]);

  const overview = useQuery({
    queryKey: ["aggregate", "overview", criteria, timeZone, range],
    queryFn: ({ signal }) => api.aggregate(overviewParams(criteria, today, timeZone), signal),
    placeholderData: keepPreviousData,
  });
  const open = useQuery({
    queryKey: ["aggregate", "open-by-assignee", criteria],
    queryFn: ({ signal }) => api.aggregate(openByAssigneeParams(criteria), signal),
    placeholderData: keepPreviousData,
  });
  const ages = useQueries({
    queries: AGE_BUCKETS.map((b) => ({
      queryKey: ["aggregate", "age", b.key, criteria],
      queryFn: ({ signal }: { signal: AbortSignal }) => api.aggregate(ageBucketParams(criteria, b), signal),
      placeholderData: keepPreviousData,
    })),
  });

  const lookups = useMemo(
    () => ({
      users: new Map((users.data?.items ?? []).map((u) => [u.id, u.name])),
      channels: new Map((channels.data?.items ?? []).map((c) => [c.id, c.name])),
    }),
    [users.data, channels.data],
  );
  const facet = (field: string) => (overview.data ? facetRows(overview.data.facets[field], facetLabeler(field, lookups)) : undefined);
  const newPerDay = overview.data
    ? dayRows(overview.data.histograms.created_at, range.from, range.to, (d) => dayLong.format(asDate(d)))
    : undefined;
  const openRows = open.data ? facetRows(open.data.facets.assignee_id, facetLabeler("assignee_id", lookups)) : undefined;
  const ageDone = ages.every((a) => a.data);
  const ageRows = ageDone ? AGE_BUCKETS.map((b, i) => ({ key: b.key, label: b.label, count: ages[i]?.data?.total ?? 0 })) : undefined;
  const ageError = ages.find((a) => a.error)?.error;
  const total = overview.data?.total;
  const viewName = views.data?.items.find((v) => v.id === state.view)?.name;
  const common = { isFetching: overview.isFetching, error: overview.error, isPending: overview.isPending };
  // a row of a facet chart's table links to the contacts it counts: these criteria and its value
  const contactsWith = (cond: (value: string) => FilterNode) => (r: ChartRow) =>
    PAGE_PATHS.contacts + tableStateToSearch({ view: state.view, q: state.q, filter: andWith(state.filter, [cond(r.key)]), sort: [] });

  return (
    <div className="app">
      <AppHeader me={me} current="dashboard" title="Dashboard" onSignOut={onSignOut} />
      <div className="toolbar" role="toolbar" aria-label="Dashboard filters">
        <ViewSelector views={views.data?.items} failed={!!views.error} value={state.view} onChange={selectView} />
        <SearchBox value={text} onChange={setText} />
        <FilterButton open={drawer} filter={state.filter} onPress={() => setDrawer((d) => !d)} />
      </div>
      <div className="status-line">
        <span className="total" aria-live="polite">
          {total !== undefined ? formatTotal(total) : overview.isPending ? "Loading…" : ""}
        </span>
        {viewName && state.view !== "all" && <span className="hint"> in {viewName}</span>}
        <span className="hint">Counts are exact and follow the view, search and filter.</span>
      </div>
      {overview.error && !overview.data ? <ErrorText>The dashboard could not be loaded: {describeError(overview.error)}</ErrorText> : null}
      <div className="main">
        <main className="dashboard" aria-label="Charts">
          <ChartCard
            title="Contacts by channel"
            labelHeader="Channel"
            valueHeader="Contacts"
            rows={facet("channels")}
            linkFor={contactsWith((v) => ({ field: "channels", op: "has_any", value: [v] }))}
            emptyText="None of these contacts came through a channel."
            horizontal
            {...common}
          />
          <ChartCard
            title="Contacts by tag"
            note="The 10 most used tags; a contact with several tags counts under each."
            labelHeader="Tag"
            valueHeader="Contacts"
            rows={facet("tags")}
            linkFor={contactsWith((v) => ({ field: "tags", op: "has_any", value: [v] }))}
            emptyText="None of these contacts has a tag."
            horizontal
            {...common}
          />
          <ChartCard
            title="Contacts by country"
            note="The 10 most common countries."
            labelHeader="Country"
            valueHeader="Contacts"
            rows={facet("country")}
            linkFor={contactsWith((v) => ({ field: "country", op: "eq", value: v }))}
            emptyText="None of these contacts has a country."
            horizontal
            {...common}
          />
          <ChartCard
            title="Open conversations by assignee"
            labelHeader="Assignee"
            valueHeader="Open conversations"
            rows={openRows}
            isPending={open.isPending}
            isFetching={open.isFetching}
            error={open.error}
            emptyText="No open conversations among these contacts."
            horizontal
          />
          <ChartCard
            title="Time since last incoming message"
            labelHeader="Last incoming message"
            valueHeader="Contacts"
            rows={ageRows}
            isPending={!ageDone && !ageError}
            isFetching={ages.some((a) => a.isFetching)}
            error={ageError}
            emptyText="No contacts match."
            horizontal
          />
          <ChartCard
            title="New contacts per day"
            note={`The last ${NEW_CONTACTS_DAYS} days, ${dayLong.format(asDate(range.from))} to ${dayLong.format(asDate(range.to))} (${timeZone}).`}
            labelHeader="Day"
            valueHeader="New contacts"
            rows={newPerDay}
            tickLabel={shortTick}
            emptyText={`No new contacts in the last ${NEW_CONTACTS_DAYS} days.`}
            wide
            {...common}
          />
        </main>
        {drawer && (
          <FilterPanel
            view={state.view}
            filter={state.filter}
            query={state.q}
            sort={[]}
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
    </div>
  );
}
