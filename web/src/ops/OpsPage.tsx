// The Ops page (owners): how far the index is behind PostgreSQL, parked changes and their retry,
// running and recent jobs with progress and cancel. Refreshed live by polling.
import { type ReactNode, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import type { JobInfo, Me, SyncStatus } from "../api/types";
import { AppHeader } from "../nav/AppHeader";
import { formatDateTime } from "../table/format";
import { Button, ErrorText, Progress, TableHead } from "../ui/controls";
import { JOB_KINDS, formatDuration, formatRate, isActive, orderJobs } from "./format";

export const OPS_REFRESH_MS = 2000;
const fmt = new Intl.NumberFormat("en-US");
const timeFmt = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const plural = (n: number, one: string, many: string) => `${fmt.format(n)} ${n === 1 ? one : many}`;

function Figure({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="figure">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function SyncFigures({ s }: { s: SyncStatus }) {
  const span = s.stats_window_seconds ? formatDuration(s.stats_window_seconds) : null;
  return (
    <dl className="figures">
      <Figure term="Outbox backlog">{plural(s.pending_changes, "change", "changes")} waiting to be indexed</Figure>
      <Figure term="Oldest pending change">{s.pending_changes ? `${formatDuration(s.oldest_pending_seconds)} old` : "None pending"}</Figure>
      <Figure term="Indexing rate">
        {formatRate(s.indexing_rate_per_second)}
        {span && s.indexed_documents_recent !== null && (
          <span className="hint"> ({plural(s.indexed_documents_recent, "document", "documents")} in the last {span})</span>
        )}
      </Figure>
      <Figure term="Commit to searchable">
        {s.commit_to_searchable_avg_seconds === null || s.commit_to_searchable_max_seconds === null
          ? span
            ? `Nothing indexed in the last ${span}`
            : "Unknown (Redis is unreachable)"
          : `${formatDuration(s.commit_to_searchable_avg_seconds)} on average, ${formatDuration(s.commit_to_searchable_max_seconds)} at worst (last ${span})`}
      </Figure>
      <Figure term="Parked changes">{fmt.format(s.parked_changes)}</Figure>
      <Figure term="Contacts">
        {fmt.format(s.db_contacts)} in the database, {fmt.format(s.index_contacts)} in the index
      </Figure>
      <Figure term="Reindex required">
        {s.reindex_required
          ? `Yes: the index holds documents of version ${s.index_documents_version}; run contacts-index reindex`
          : "No"}
      </Figure>
      <Figure term="Indexing">
        {s.indexing_stalled ? <span className="bad">Stalled: {s.indexing_stalled_reason}</span> : "Running normally"}
        {s.last_relay_seconds_ago !== null && <span className="hint"> (relay last ran {formatDuration(s.last_relay_seconds_ago)} ago)</span>}
      </Figure>
    </dl>
  );
}

function JobRow({ job }: { job: JobInfo }) {
  const qc = useQueryClient();
  const kind = JOB_KINDS[job.kind] ?? job.kind;
  const cancel = useMutation({
    mutationFn: () => api.cancelJob(job.id),
    onSettled: () => qc.invalidateQueries({ queryKey: ["ops", "jobs"] }),
  });
  return (
    <tr>
      <th scope="row">{kind}</th>
      <td>{job.status}</td>
      <td>
        {isActive(job) ? (
          <Progress label={`${kind} progress`} processed={job.processed} total={job.total} />
        ) : (
          <span>
            {fmt.format(job.processed)}
            {job.total !== null ? ` of ${fmt.format(job.total)}` : ""}
          </span>
        )}
        {job.error && <div className="field-error">{job.error}</div>}
      </td>
      <td>{formatDateTime(job.started_at ?? job.created_at)}</td>
      <td>
        {job.finished_at
          ? formatDateTime(job.finished_at)
          : job.eta_seconds !== null
            ? `about ${formatDuration(job.eta_seconds)} left`
            : "—"}
      </td>
      <td>
        {isActive(job) && (
          <Button onPress={() => cancel.mutate()} isDisabled={cancel.isPending} aria-label={`Cancel ${kind.toLowerCase()} job`}>
            Cancel
          </Button>
        )}
        {cancel.error ? <div className="field-error">{describeError(cancel.error)}</div> : null}
      </td>
    </tr>
  );
}

export function OpsPage({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const qc = useQueryClient();
  const live = { refetchInterval: OPS_REFRESH_MS, refetchIntervalInBackground: false };
  const sync = useQuery({ queryKey: ["ops", "sync"], queryFn: api.syncStatus, ...live });
  const parked = useQuery({ queryKey: ["ops", "parked"], queryFn: api.parkedChanges, ...live });
  const jobs = useQuery({ queryKey: ["ops", "jobs"], queryFn: () => api.jobs(20), ...live });
  const [notice, setNotice] = useState<string | null>(null);
  const retry = useMutation({
    mutationFn: api.retryParked,
    onSuccess: (r) => setNotice(r.retried ? `${plural(r.retried, "change", "changes")} queued for indexing again.` : "Nothing was parked."),
    onSettled: () => qc.invalidateQueries({ queryKey: ["ops"] }),
  });
  const parkedItems = parked.data?.items ?? [];

  return (
    <div className="app">
      <AppHeader me={me} current="ops" title="Ops" onSignOut={onSignOut} />
      <main className="ops">
        <p className="hint">
          Refreshed live every {OPS_REFRESH_MS / 1000} seconds
          {sync.dataUpdatedAt ? `; last update ${timeFmt.format(sync.dataUpdatedAt)}` : ""}.
        </p>
        <section aria-labelledby="ops-sync" className="ops-section">
          <h2 id="ops-sync">Search index sync</h2>
          {sync.data ? <SyncFigures s={sync.data} /> : !sync.error && <p role="status">Loading the sync status…</p>}
          {sync.error ? <ErrorText>The sync status could not be loaded: {describeError(sync.error)}</ErrorText> : null}
        </section>

        <section aria-labelledby="ops-parked" className="ops-section">
          <h2 id="ops-parked">Parked changes</h2>
          <p className="hint">Changes the indexer gave up on after repeated failures. Fix the cause, then retry them.</p>
          <div className="ops-actions">
            <Button variant="primary" onPress={() => retry.mutate()} isDisabled={retry.isPending || parkedItems.length === 0}>
              Retry parked changes
            </Button>
            {notice && <span role="status">{notice}</span>}
          </div>
          {retry.error ? <ErrorText>Retry failed: {describeError(retry.error)}</ErrorText> : null}
          {parked.error ? <ErrorText>Parked changes could not be loaded: {describeError(parked.error)}</ErrorText> : null}
          {parked.isPending && <p role="status">Loading parked changes…</p>}
          {parked.data && parkedItems.length === 0 && <p>No parked changes.</p>}
          {parkedItems.length > 0 && (
            <table className="ops-table">
              <caption className="visually-hidden">Parked changes</caption>
              <thead>
                <tr>
                  <th scope="col">Contact</th>
                  <th scope="col">Version</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Parked at</th>
                </tr>
              </thead>
              <tbody>
                {parkedItems.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">
                      <code>{p.contact_id}</code>
                    </th>
                    <td>{p.version}</td>
                    <td>{p.attempts}</td>
                    <td className="ops-error">{p.error}</td>
                    <td>{formatDateTime(p.parked_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="ops-jobs" className="ops-section">
          <h2 id="ops-jobs">Jobs</h2>
          <p className="hint">Bulk actions, exports and imports: running and waiting ones first, then the 20 most recent.</p>
          {jobs.error ? <ErrorText>Jobs could not be loaded: {describeError(jobs.error)}</ErrorText> : null}
          {jobs.isPending && <p role="status">Loading jobs…</p>}
          {jobs.data && jobs.data.items.length === 0 && <p>No jobs yet.</p>}
          {jobs.data && jobs.data.items.length > 0 && (
            <table className="ops-table">
              <caption className="visually-hidden">Jobs</caption>
              <TableHead labels={["Kind", "Status", "Progress", "Started", "Finished"]} actions />
              <tbody>
                {orderJobs(jobs.data.items).map((j) => (
                  <JobRow key={j.id} job={j} />
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </div>
  );
}
