import { useEffect, useId, useState } from "react";
import { Label, Radio, RadioGroup } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { refreshSearch } from "../api/freshness";
import type { FieldInfo, ImportPreview, RowError } from "../api/types";
import { jobTray } from "../jobs/tray";
import { TERMINAL, useJobPoll } from "../jobs/useJob";
import { Button, ErrorText, ModalDialog, Progress, SelectInput } from "../ui/controls";
import { errorsToCsv } from "./rowErrors";

const SKIP = "__skip__";
type OnDuplicate = "skip" | "update";
type OnInvalidCell = "skip_cell" | "fail_row";
type BlankCells = "keep" | "clear";
export interface ImportOptions {
  onDuplicate: OnDuplicate;
  onInvalidCell: OnInvalidCell;
  blankCells: BlankCells;
}

const FORMATS: Record<string, string> = {
  google_contacts: "a Google Contacts export",
  outlook: "an Outlook export",
  hubspot: "a HubSpot export",
  chatwoot: "a Chatwoot export",
  contacts_module: "an export of this Contacts module",
};

/** What the preview recognised, in words: "Recognised as a Google Contacts export (UTF-8, comma-separated)." */
export function describeFormat(p: Pick<ImportPreview, "format" | "encoding" | "delimiter">): string {
  const what = FORMATS[p.format] ? `Recognised as ${FORMATS[p.format]}` : "A file of your own layout: columns matched by name";
  const delimiters: Record<string, string> = { ",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated", "|": "pipe-separated" };
  const details = [p.encoding?.toUpperCase(), p.delimiter ? (delimiters[p.delimiter] ?? `separated by ${p.delimiter}`) : null].filter(Boolean);
  return `${what}${details.length ? ` (${details.join(", ")})` : ""}.`;
}

/** Choose a CSV or XLSX file: the API's preview says what it is, maps its columns ("Map <header>"),
 * shows the first rows and their problems; choose what duplicates, invalid and blank cells do, then
 * watch the job. */
export function ImportDialog(props: { isOpen: boolean; onClose: () => void; fields: FieldInfo[] }) {
  const qc = useQueryClient();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [reading, setReading] = useState(false);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [options, setOptions] = useState<ImportOptions>({ onDuplicate: "skip", onInvalidCell: "skip_cell", blankCells: "keep" });
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useJobPoll("import", jobId, api.importJob);
  const j = job.data;
  const importable = props.fields.filter((f) => f.importable);
  const finished = !!j && TERMINAL.has(j.status);
  const headers = preview?.headers ?? [];

  useEffect(() => {
    if (finished) refreshSearch(qc, true);
  }, [finished, qc]);

  const [starting, setStarting] = useState(false);
  function reset() {
    setFile(null);
    setPreview(null);
    setMapping({});
    setError(null);
    setJobId(null);
  }

  async function choose(f: File | undefined) {
    reset();
    if (!f) return;
    setFile(f);
    setReading(true);
    try {
      const p = await api.importPreview(f);
      setPreview(p);
      setMapping(p.suggested_mapping);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setReading(false);
    }
  }

  async function start() {
    if (!file || starting) return;
    setStarting(true);
    setError(null);
    const m = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v && v !== SKIP));
    try {
      const r = await api.startImport(file, m, options);
      setJobId(r.id);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setStarting(false);
    }
  }

  async function cancel() {
    if (!jobId) return;
    try {
      await api.cancelImport(jobId);
    } catch (e) {
      setError(describeError(e));
    }
  }

  const choices = [{ id: SKIP, label: "Don't import" }, ...importable.map((f) => ({ id: f.field, label: f.label }))];
  const errorsHref = j?.errors.length ? `data:text/csv;charset=utf-8,${encodeURIComponent(errorsToCsv(j.errors))}` : null;

  return (
    <ModalDialog
      title="Import"
      isOpen={props.isOpen}
      onOpenChange={(o) => {
        if (!o) {
          // closed before the import ended: the page's job tray goes on showing it
          if (jobId && !finished) jobTray.handOff({ id: jobId, kind: "import", title: `Import of ${file?.name ?? "the file"}` });
          reset();
          props.onClose();
        }
      }}
      wide
    >
      {!jobId && (
        <>
          <div className="field">
            <label htmlFor={fileId}>CSV or Excel file</label>
            <input id={fileId} type="file" accept=".csv,text/csv,.txt,.xlsx" onChange={(e) => void choose(e.target.files?.[0])} />
          </div>
          {reading && <p role="status">Reading the file…</p>}
          {preview && (
            <>
              <p role="status" className="import-format">
                {describeFormat(preview)}
              </p>
              {preview.sample_rows.length > 0 && (
                <div className="table-scroll">
                  <table className="row-errors" aria-label="First rows of the file">
                    <thead>
                      <tr>
                        {headers.map((h, i) => (
                          <th key={i} scope="col">
                            {h}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {preview.sample_rows.slice(0, 5).map((row, i) => (
                        <tr key={i}>
                          {headers.map((_, c) => (
                            <td key={c}>{row[c] ?? ""}</td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {preview.problems.length > 0 && <CellTable label="Problems in the first rows" rows={preview.problems} />}
            </>
          )}
          {headers.length > 0 && (
            <>
              <h3>Map columns to fields</h3>
              <div className="mapping">
                {headers.map((h) => (
                  <SelectInput
                    key={h}
                    label={`Map ${h}`}
                    value={mapping[h] ?? SKIP}
                    options={choices}
                    onChange={(v) => setMapping((s) => ({ ...s, [h]: v }))}
                  />
                ))}
              </div>
              <Choice
                label="Contacts that already exist (same email, then phone)"
                value={options.onDuplicate}
                onChange={(v) => setOptions((o) => ({ ...o, onDuplicate: v }))}
                items={[
                  ["skip", "Skip duplicates"],
                  ["update", "Update duplicates"],
                ]}
              />
              <Choice
                label="A cell that is not valid"
                value={options.onInvalidCell}
                onChange={(v) => setOptions((o) => ({ ...o, onInvalidCell: v }))}
                items={[
                  ["skip_cell", "Import the row without it"],
                  ["fail_row", "Fail the whole row"],
                ]}
              />
              <Choice
                label="An empty cell, when updating"
                value={options.blankCells}
                onChange={(v) => setOptions((o) => ({ ...o, blankCells: v }))}
                items={[
                  ["keep", "Keep the contact's value"],
                  ["clear", "Clear the value"],
                ]}
              />
            </>
          )}
          <ErrorText>{error}</ErrorText>
          <div className="dialog-actions">
            <Button variant="primary" onPress={() => void start()} isDisabled={!file || headers.length === 0 || starting}>
              Import
            </Button>
          </div>
        </>
      )}
      {job.error && <ErrorText>{describeError(job.error)}</ErrorText>}
      {j && !finished && (
        <div className="dialog-actions">
          <Progress label="Importing" processed={j.processed} total={j.total_rows} />
          {/* the form that had the focus is gone: the focus stays in the dialog */}
          <Button autoFocus onPress={() => void cancel()}>
            Cancel import
          </Button>
        </div>
      )}
      {j?.status === "failed" && <ErrorText>The import failed: {j.error ?? "unknown reason"}</ErrorText>}
      {j && finished && j.status !== "failed" && (
        <>
          <p role="status">
            {j.status === "cancelled" ? "Import cancelled" : "Import finished"}: {j.created.toLocaleString("en-US")} created,{" "}
            {j.updated.toLocaleString("en-US")} updated, {j.skipped.toLocaleString("en-US")} skipped, {j.failed.toLocaleString("en-US")} failed
            {j.warning_count ? `, ${j.warning_count.toLocaleString("en-US")} ${j.warning_count === 1 ? "cell" : "cells"} left out` : ""}.
          </p>
          {j.errors.length > 0 && (
            <>
              <CellTable label="Row errors" rows={j.errors} />
              <a className="btn" href={j.errors_url ?? errorsHref ?? undefined} download="import-errors.csv">
                Download row errors
              </a>
            </>
          )}
          {j.warnings.length > 0 && <CellTable label="Cells left out" rows={j.warnings} />}
        </>
      )}
    </ModalDialog>
  );
}

/** Problems by row and column (the first 50), as the preview or the job reports them. */
function CellTable({ label, rows }: { label: string; rows: RowError[] }) {
  return (
    <table className="row-errors" aria-label={label}>
      <caption className="cell-table-caption">
        {label}
        {rows.length > 50 ? ` (the first 50 of ${rows.length.toLocaleString("en-US")})` : ""}
      </caption>
      <thead>
        <tr>
          <th scope="col">Row</th>
          <th scope="col">Column</th>
          <th scope="col">Problem</th>
        </tr>
      </thead>
      <tbody>
        {rows.slice(0, 50).map((e, i) => (
          <tr key={i}>
            <td>{e.row}</td>
            <td>{e.column}</td>
            <td>{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Choice<T extends string>(props: { label: string; value: T; onChange: (v: T) => void; items: [T, string][] }) {
  return (
    <RadioGroup value={props.value} onChange={(v) => props.onChange(v as T)} className="match" orientation="horizontal">
      <Label>{props.label}</Label>
      {props.items.map(([value, text]) => (
        <Radio key={value} value={value} className="radio-pill">
          {text}
        </Radio>
      ))}
    </RadioGroup>
  );
}
