import { useEffect, useId, useState } from "react";
import { Label, Radio, RadioGroup } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "../api/client";
import { refreshSearch } from "../api/freshness";
import type { FieldInfo } from "../api/types";
import { TERMINAL, useJobPoll } from "../jobs/useJob";
import { Button, ErrorText, ModalDialog, Progress, SelectInput } from "../ui/controls";
import { errorsToCsv, guessMapping, parseCsvHeader } from "./csvHeader";

const SKIP = "__skip__";

/** Choose a CSV, map each column ("Map <header>"), choose what duplicates do, then watch the job. */
export function ImportDialog(props: { isOpen: boolean; onClose: () => void; fields: FieldInfo[] }) {
  const qc = useQueryClient();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [headers, setHeaders] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [dup, setDup] = useState<"skip" | "update">("skip");
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobPoll("import", jobId, api.importJob);
  const j = job.data;
  const importable = props.fields.filter((f) => f.importable);
  const finished = !!j && TERMINAL.has(j.status);

  useEffect(() => {
    if (finished) refreshSearch(qc, true);
  }, [finished, qc]);

  function reset() {
    setFile(null);
    setHeaders([]);
    setMapping({});
    setError(null);
    setJobId(null);
  }

  async function choose(f: File | undefined) {
    reset();
    if (!f) return;
    setFile(f);
    try {
      const p = await api.importPreview(f);
      setHeaders(p.headers);
      setMapping(Object.keys(p.suggested_mapping).length ? p.suggested_mapping : guessMapping(p.headers, importable));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
        // no preview endpoint: read the header row here
        const h = parseCsvHeader(await f.slice(0, 64 * 1024).text());
        setHeaders(h);
        setMapping(guessMapping(h, importable));
      } else setError(describeError(e));
    }
  }

  async function start() {
    if (!file) return;
    setError(null);
    const m = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v && v !== SKIP));
    try {
      const r = await api.startImport(file, m, dup);
      setJobId(r.id);
    } catch (e) {
      setError(describeError(e));
    }
  }

  const options = [{ id: SKIP, label: "Don't import" }, ...importable.map((f) => ({ id: f.field, label: f.label }))];
  const errorsHref = j?.errors.length ? `data:text/csv;charset=utf-8,${encodeURIComponent(errorsToCsv(j.errors))}` : null;

  return (
    <ModalDialog
      title="Import"
      isOpen={props.isOpen}
      onOpenChange={(o) => {
        if (!o) {
          reset();
          props.onClose();
        }
      }}
      wide
    >
      {!jobId && (
        <>
          <div className="field">
            <label htmlFor={fileId}>CSV file</label>
            <input id={fileId} type="file" accept=".csv,text/csv,.xlsx" onChange={(e) => void choose(e.target.files?.[0])} />
          </div>
          {headers.length > 0 && (
            <>
              <h3>Map columns to fields</h3>
              <div className="mapping">
                {headers.map((h) => (
                  <SelectInput
                    key={h}
                    label={`Map ${h}`}
                    value={mapping[h] ?? SKIP}
                    options={options}
                    onChange={(v) => setMapping((s) => ({ ...s, [h]: v }))}
                  />
                ))}
              </div>
              <RadioGroup value={dup} onChange={(v) => setDup(v as "skip" | "update")} className="match" orientation="horizontal">
                <Label>Contacts that already exist (same email, then phone)</Label>
                <Radio value="skip" className="radio-pill">
                  Skip duplicates
                </Radio>
                <Radio value="update" className="radio-pill">
                  Update duplicates
                </Radio>
              </RadioGroup>
            </>
          )}
          <ErrorText>{error}</ErrorText>
          <div className="dialog-actions">
            <Button variant="primary" onPress={() => void start()} isDisabled={!file || headers.length === 0}>
              Import
            </Button>
          </div>
        </>
      )}
      {job.error && <ErrorText>{describeError(job.error)}</ErrorText>}
      {j && !finished && <Progress label="Importing" processed={j.processed} total={j.total_rows} />}
      {j?.status === "failed" && <ErrorText>The import failed: {j.error ?? "unknown reason"}</ErrorText>}
      {j && finished && j.status !== "failed" && (
        <>
          <p role="status">
            Import finished: {j.created.toLocaleString()} created, {j.updated.toLocaleString()} updated, {j.skipped.toLocaleString()} skipped,{" "}
            {j.failed.toLocaleString()} failed.
          </p>
          {j.errors.length > 0 && (
            <>
              <table className="row-errors" aria-label="Row errors">
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Column</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {j.errors.slice(0, 50).map((e, i) => (
                    <tr key={i}>
                      <td>{e.row}</td>
                      <td>{e.column}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <a className="btn" href={j.errors_url ?? errorsHref ?? undefined} download="import-errors.csv">
                Download row errors
              </a>
            </>
          )}
        </>
      )}
    </ModalDialog>
  );
}
