import { useEffect, useRef, useState } from "react";
import { api, describeError } from "../api/client";
import type { Selection } from "../api/types";
import { jobTray } from "../jobs/tray";
import { stillRunning, useJobPoll } from "../jobs/useJob";
import { Button, ErrorText, ModalDialog, Progress } from "../ui/controls";

/** Export starts the background export of the selection (or the current view, search and filter) at
 * once (UI.md), shows its progress, then a Download link. Closed before it ends, the page's job tray
 * goes on following it. */
export function ExportDialog(props: { isOpen: boolean; onClose: () => void; selection: Selection; description: string; columns: string[] }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const job = useJobPoll("export", jobId, api.exportJob);
  const j = job.data;
  const starting = useRef(false);
  const { isOpen, selection, columns, description } = props;

  async function start() {
    if (starting.current) return;
    starting.current = true;
    setError(null);
    try {
      const r = await api.startExport(selection, columns);
      setJobId(r.id);
    } catch (e) {
      setError(describeError(e));
    } finally {
      starting.current = false;
    }
  }
  useEffect(() => {
    if (isOpen && !jobId && !error) void start();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [isOpen]);

  function close() {
    if (stillRunning(jobId, j)) jobTray.handOff({ id: jobId, kind: "export", title: `Export of ${description}` });
    setJobId(null);
    setError(null);
    setCancelError(null);
    props.onClose();
  }
  async function cancel() {
    if (!jobId) return;
    setCancelError(null);
    try {
      await api.cancelExport(jobId);
      await job.refetch();
    } catch (e) {
      setCancelError(describeError(e));
    }
  }
  const running = stillRunning(jobId, j);
  return (
    <ModalDialog title="Export" isOpen={props.isOpen} onOpenChange={(o) => !o && close()}>
      <p>Exporting {description} to a CSV file with the columns shown in the table.</p>
      {error && (
        <>
          <ErrorText>The export could not start: {error}</ErrorText>
          <div className="dialog-actions">
            <Button onPress={close}>Close</Button>
            <Button variant="primary" onPress={() => void start()}>
              Try again
            </Button>
          </div>
        </>
      )}
      {!jobId && !error && <p role="status">Starting…</p>}
      {job.error && <ErrorText>The export's progress could not be read: {describeError(job.error)}</ErrorText>}
      {running && (
        <div className="dialog-actions">
          {j ? <Progress label="Exporting" processed={j.processed} total={j.total} /> : <p role="status">Queued…</p>}
          <Button onPress={() => void cancel()}>Cancel export</Button>
          <Button onPress={close}>Close (keeps running)</Button>
        </div>
      )}
      <ErrorText>{cancelError && `The export could not be cancelled: ${cancelError}`}</ErrorText>
      {j?.status === "failed" && <ErrorText>The export failed: {j.error ?? "unknown reason"}</ErrorText>}
      {j?.status === "cancelled" && <p role="status">Export cancelled after {j.processed.toLocaleString("en-US")} contacts; no file was made.</p>}
      {j?.status === "succeeded" && j.download_url && (
        <>
          <p role="status">Export ready: {(j.rows ?? j.processed).toLocaleString("en-US")} contacts.</p>
          <a className="btn btn-primary" href={j.download_url} download>
            Download
          </a>
        </>
      )}
    </ModalDialog>
  );
}
