import { useState } from "react";
import { api, describeError } from "../api/client";
import type { Selection } from "../api/types";
import { TERMINAL, useJobPoll } from "../jobs/useJob";
import { Button, ErrorText, ModalDialog, Progress } from "../ui/controls";

/** Exports the selection (or the current view, search and filter) in the background, then a Download link. */
export function ExportDialog(props: { isOpen: boolean; onClose: () => void; selection: Selection; description: string; columns: string[] }) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJobPoll("export", jobId, api.exportJob);
  const j = job.data;
  function close() {
    setJobId(null);
    setError(null);
    props.onClose();
  }
  async function start() {
    setError(null);
    try {
      const r = await api.startExport(props.selection, props.columns);
      setJobId(r.id);
    } catch (e) {
      setError(describeError(e));
    }
  }
  return (
    <ModalDialog title="Export" isOpen={props.isOpen} onOpenChange={(o) => !o && close()}>
      {!jobId && (
        <>
          <p>Export {props.description} to a CSV file with the columns shown in the table.</p>
          <ErrorText>{error}</ErrorText>
          <div className="dialog-actions">
            <Button onPress={close}>Cancel</Button>
            <Button variant="primary" onPress={() => void start()} autoFocus>
              Start export
            </Button>
          </div>
        </>
      )}
      {job.error && <ErrorText>{describeError(job.error)}</ErrorText>}
      {j && !TERMINAL.has(j.status) && <Progress label="Exporting" processed={j.processed} total={j.total} />}
      {j?.status === "failed" && <ErrorText>The export failed: {j.error ?? "unknown reason"}</ErrorText>}
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
