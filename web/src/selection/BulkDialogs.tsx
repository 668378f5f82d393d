import { useEffect, useState } from "react";
import { Form } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { noteDeleted, refreshSearch } from "../api/freshness";
import type { Job, Selection } from "../api/types";
import { jobTray } from "../jobs/tray";
import { stillRunning, useJobPoll } from "../jobs/useJob";
import { Button, ErrorText, ModalDialog, Progress, TextInput } from "../ui/controls";
import { TagSuggestions } from "./TagSuggestions";

/** Where a started job is: starting, its progress, or how it ended; and why its progress cannot be read. */
function JobState({ poll, verb }: { poll: { data: Job | undefined; error: unknown; failureReason: unknown; isFetching: boolean }; verb: string }) {
  const job = poll.data;
  const trouble = poll.error ?? (poll.isFetching ? poll.failureReason : null);
  const problem = trouble ? <ErrorText>The job's progress could not be read: {describeError(trouble)}</ErrorText> : null;
  if (!job) return problem ?? <p role="status">Starting…</p>;
  if (problem) return problem;
  if (job.status === "queued" || job.status === "running")
    return <Progress label={verb} processed={job.processed} total={job.total} />;
  if (job.status === "failed") return <ErrorText>The job failed: {job.error ?? "unknown reason"}</ErrorText>;
  if (job.status === "cancelled") return <p role="status">Cancelled after {job.processed.toLocaleString("en-US")} contacts.</p>;
  return null;
}

export function BulkDeleteDialog(props: { isOpen: boolean; onClose: () => void; selection: Selection; count: number; onDone: () => void }) {
  const qc = useQueryClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJobPoll("job", jobId, api.job);
  const [busy, setBusy] = useState(false);
  const done = job.data?.status === "succeeded";
  function close() {
    if (done) props.onDone();
    // However it is closed (Done, ×, Escape), the table drops what the job deleted so far.
    if (jobId) refreshSearch(qc, true);
    // closed before the job ended: the page's job tray goes on showing it
    if (stillRunning(jobId, job.data)) jobTray.handOff({ id: jobId, kind: "job", title: `Delete of ${label}` });
    setJobId(null);
    setError(null);
    props.onClose();
  }
  async function start() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const j = await api.bulkDelete(props.selection);
      setJobId(j.id);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }
  const { selection } = props;
  useEffect(() => {
    // hide the deleted rows at once; the table refetches while the index catches up
    if (done && "ids" in selection) noteDeleted(selection.ids);
  }, [done, selection]);
  const label = `${props.count.toLocaleString("en-US")} ${props.count === 1 ? "contact" : "contacts"}`;
  return (
    <ModalDialog title={`Delete ${label}?`} isOpen={props.isOpen} onOpenChange={(o) => !o && close()}>
      {!jobId && (
        <>
          <p>
            {label} will be deleted. <strong>This cannot be undone.</strong>
          </p>
          <ErrorText>{error}</ErrorText>
          <div className="dialog-actions">
            <Button onPress={close} autoFocus>
              Cancel
            </Button>
            <Button variant="danger" onPress={() => void start()} isDisabled={busy}>
              Delete
            </Button>
          </div>
        </>
      )}
      {jobId && <JobState poll={job} verb="Deleting" />}
      {done && (
        <>
          <p role="status">Deleted {Number(job.data?.result?.deleted ?? job.data?.processed ?? 0).toLocaleString("en-US")} contacts.</p>
          <div className="dialog-actions">
            <Button variant="primary" onPress={close}>
              Done
            </Button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}

export function AssignTagsDialog(props: { isOpen: boolean; onClose: () => void; selection: Selection; count: number }) {
  const qc = useQueryClient();
  const [tags, setTags] = useState("");
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJobPoll("job", jobId, api.job);
  const done = job.data?.status === "succeeded";
  const [busy, setBusy] = useState(false);
  const list = tags.split(",").map((t) => t.trim()).filter(Boolean);
  function close() {
    if (jobId) refreshSearch(qc, true);
    if (stillRunning(jobId, job.data))
      jobTray.handOff({ id: jobId, kind: "job", title: `Tagging of ${props.count.toLocaleString("en-US")} ${props.count === 1 ? "contact" : "contacts"} with ${list.join(", ")}` });
    setJobId(null);
    setTags("");
    setError(null);
    props.onClose();
  }
  async function start() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const j = await api.bulkTags(props.selection, list);
      setJobId(j.id);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <ModalDialog title="Assign tags" isOpen={props.isOpen} onOpenChange={(o) => !o && close()}>
      {!jobId && (
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <p>
            Add tags to {props.count.toLocaleString("en-US")} selected {props.count === 1 ? "contact" : "contacts"}. Separate tags with commas.
          </p>
          <TextInput label="Tags" value={tags} onChange={setTags} autoFocus error={error ?? undefined} placeholder="vip, lead" />
          <TagSuggestions value={tags} onChange={setTags} />
          <div className="dialog-actions">
            <Button onPress={close}>Cancel</Button>
            <Button type="submit" variant="primary" isDisabled={!list.length || busy}>
              Add tags
            </Button>
          </div>
        </Form>
      )}
      {jobId && <JobState poll={job} verb="Tagging" />}
      {done && (
        <>
          <p role="status">
            Tagged {Number(job.data?.result?.tagged ?? job.data?.processed ?? 0).toLocaleString("en-US")} contacts with {list.join(", ")}
            {Number(job.data?.result?.unchanged ?? 0) > 0 ? ` (${Number(job.data?.result?.unchanged).toLocaleString("en-US")} already had them)` : ""}.
          </p>
          <div className="dialog-actions">
            <Button variant="primary" onPress={close}>
              Done
            </Button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}
