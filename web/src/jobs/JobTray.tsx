import { useEffect, useSyncExternalStore } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { refreshSearch } from "../api/freshness";
import type { ExportJob, ImportJob, Job } from "../api/types";
import { Button, ErrorText, Progress } from "../ui/controls";
import { jobTray, type TrayItem } from "./tray";
import { TERMINAL, useJobPoll } from "./useJob";

type AnyJob = Job | ExportJob | ImportJob;
const FETCH: Record<TrayItem["kind"], (id: string) => Promise<AnyJob>> = { export: api.exportJob, import: api.importJob, job: api.job };
const CANCEL: Record<TrayItem["kind"], (id: string) => Promise<unknown>> = { export: api.cancelExport, import: api.cancelImport, job: api.cancelJob };

const n = (x: number | null | undefined) => (x ?? 0).toLocaleString("en-US");

/** How a job ended, in words (and the export's file). */
function Outcome({ item, job }: { item: TrayItem; job: AnyJob }) {
  if (job.status === "failed") return <ErrorText>{item.title} failed: {job.error ?? "unknown reason"}</ErrorText>;
  if (item.kind === "export") {
    const e = job as ExportJob;
    if (e.status === "cancelled") return <span role="status">{item.title} cancelled; no file was made.</span>;
    return (
      <span role="status">
        {item.title} ready: {n(e.rows ?? e.processed)} contacts.{" "}
        {e.download_url && (
          <a className="btn btn-primary" href={e.download_url} download>
            Download
          </a>
        )}
      </span>
    );
  }
  if (item.kind === "import") {
    const i = job as ImportJob;
    return (
      <span role="status">
        {item.title} {i.status === "cancelled" ? "cancelled" : "finished"}: {n(i.created)} created, {n(i.updated)} updated, {n(i.skipped)} skipped, {n(i.failed)} failed.
      </span>
    );
  }
  return (
    <span role="status">
      {item.title} {job.status === "cancelled" ? `cancelled after ${n(job.processed)} contacts` : `done: ${n(job.processed)} contacts`}.
    </span>
  );
}

function TrayEntry({ item }: { item: TrayItem }) {
  const qc = useQueryClient();
  const poll = useJobPoll(`tray-${item.kind}`, item.id, FETCH[item.kind]);
  const job = poll.data;
  const ended = !!job && TERMINAL.has(job.status);
  useEffect(() => {
    // a bulk change or an import that ended: the table shows what it did
    if (ended && item.kind !== "export") refreshSearch(qc, true);
  }, [ended, item.kind, qc]);
  const trouble = poll.error ?? (poll.isFetching ? poll.failureReason : null);
  const total = job ? ("total_rows" in job ? job.total_rows : job.total) : null;
  return (
    <li className="tray-item">
      {trouble ? <ErrorText>{item.title}: its progress could not be read: {describeError(trouble)}</ErrorText> : null}
      {!job && !trouble && <span role="status">{item.title}: starting…</span>}
      {job && !ended && (
        <>
          <Progress label={item.title} processed={job.processed} total={total} />
          <Button onPress={() => void CANCEL[item.kind](item.id).then(() => poll.refetch(), () => poll.refetch())}>Cancel</Button>
        </>
      )}
      {job && ended && (
        <>
          <Outcome item={item} job={job} />
          <Button aria-label={`Dismiss: ${item.title}`} onPress={() => jobTray.dismiss(item.id)}>
            ✕
          </Button>
        </>
      )}
    </li>
  );
}

/** The jobs handed over by closed dialogs, until each is dismissed. */
export function JobTray() {
  const items = useSyncExternalStore(jobTray.subscribe, jobTray.items);
  if (!items.length) return null;
  return (
    <section className="job-tray" aria-label="Background jobs">
      <ul>
        {items.map((i) => (
          <TrayEntry key={i.id} item={i} />
        ))}
      </ul>
    </section>
  );
}
