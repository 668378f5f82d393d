import { useEffect, useState } from "react";
import { Label, Radio, RadioGroup } from "react-aria-components";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { noteDeleted, noteRestored, noteWritten, refreshSearch } from "../api/freshness";
import type { Contact, FieldInfo } from "../api/types";
import { formatDateTime } from "../table/format";
import { Button, ErrorText, ModalDialog } from "../ui/controls";

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "";
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
const empty = (v: unknown) => show(v) === "";
/** A contact told apart from one of the same name: "Ivy Tan (ivy@example.com)". */
const who = (c: Contact) => (c.email || c.phone ? `${c.display_name} (${c.email || c.phone})` : c.display_name);

/** Compare both contacts; a radio group per differing field, each radio named by the value it keeps. */
export function MergeDialog(props: { pair: [Contact, Contact] | null; onClose: () => void; onMerged: (c: Contact) => void; labels: Map<string, FieldInfo> }) {
  const qc = useQueryClient();
  // Which of the two stays (keeps its id and record) is the user's choice: the first selected
  // until "Keep … instead" swaps them.
  const [swapped, setSwapped] = useState(false);
  const [primary, secondary] = props.pair ? (swapped ? [props.pair[1], props.pair[0]] : props.pair) : [null, null];
  const preview = useQuery({
    queryKey: ["merge-preview", primary?.id, secondary?.id],
    queryFn: () => api.mergePreview((primary as Contact).id, (secondary as Contact).id),
    enabled: !!primary && !!secondary,
  });
  const [choose, setChoose] = useState<Record<string, "primary" | "secondary">>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setChoose({}), [primary?.id, secondary?.id]);
  const pairKey = props.pair ? `${props.pair[0].id} ${props.pair[1].id}` : "";
  useEffect(() => setSwapped(false), [pairKey]);
  const label = (f: string) => props.labels.get(f)?.label ?? f.replace(/^custom\./, "").replace(/_/g, " ");
  const fields = preview.data?.fields ?? [];
  const differing = fields.filter((f) => !empty(f.primary) && !empty(f.secondary) && show(f.primary) !== show(f.secondary));
  const kept = fields.filter((f) => !differing.includes(f) && !(empty(f.primary) && empty(f.secondary)));

  async function merge() {
    if (!primary || !secondary) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.merge(primary.id, secondary.id, choose);
      noteWritten(r.contact);
      noteDeleted([secondary.id]);
      refreshSearch(qc);
      props.onMerged(r.contact);
      props.onClose();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalDialog title="Merge contacts" isOpen={!!props.pair} onOpenChange={(o) => !o && props.onClose()} wide>
      {primary && secondary && (
        <>
          <p>
            <strong>{who(primary)}</strong> stays; <strong>{who(secondary)}</strong> is merged into it. Channels, messages,
            events and comments move to the merged contact, and tags are united. Where one side is empty, the other's value is kept.
          </p>
          <p>
            <Button onPress={() => setSwapped((x) => !x)} isDisabled={busy}>
              Keep {who(secondary)} instead
            </Button>
          </p>
          {preview.isPending && <p role="status">Comparing…</p>}
          {preview.error && <ErrorText>{describeError(preview.error)}</ErrorText>}
          {differing.length === 0 && preview.data && <p>No field differs: nothing to choose.</p>}
          <div className="merge-grid">
            {differing.map((f) => (
              <RadioGroup
                key={f.field}
                className="merge-field"
                value={choose[f.field] ?? "primary"}
                onChange={(v) => setChoose((s) => ({ ...s, [f.field]: v as "primary" | "secondary" }))}
              >
                <Label className="merge-label">{label(f.field)}</Label>
                <Radio value="primary" className="radio-card">
                  {show(f.primary)}
                </Radio>
                <Radio value="secondary" className="radio-card">
                  {show(f.secondary)}
                </Radio>
              </RadioGroup>
            ))}
          </div>
          {kept.length > 0 && (
            <dl className="merge-kept">
              {kept.map((f) => (
                <div key={f.field}>
                  <dt>{label(f.field)}</dt>
                  <dd>{show(empty(f.primary) ? f.secondary : f.primary)}</dd>
                </div>
              ))}
            </dl>
          )}
          {preview.data && preview.data.tags.merged.length > 0 && <p>Tags after the merge: {preview.data.tags.merged.join(", ")}</p>}
          <ErrorText>{error}</ErrorText>
          <div className="dialog-actions">
            <Button onPress={props.onClose}>Cancel</Button>
            <Button variant="primary" onPress={() => void merge()} isDisabled={busy || !preview.data}>
              Merge contact
            </Button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}

export function UnmergeDialog(props: { contact: Contact | null; onClose: () => void; onUnmerged: (primary: Contact, secondary: Contact) => void }) {
  const qc = useQueryClient();
  const c = props.contact;
  const merges = useQuery({ queryKey: ["merges", c?.id], queryFn: () => api.merges((c as Contact).id), enabled: !!c });
  const active = (merges.data?.items ?? []).filter((m) => !m.undone_at);
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setChosen(null), [c?.id]);
  const selected = chosen ?? active[0]?.id ?? null;
  async function unmerge() {
    if (!c || !selected || busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.unmerge(c.id, selected);
      noteRestored([r.secondary.id]);
      noteWritten(r.contact, r.secondary);
      void qc.invalidateQueries({ queryKey: ["merges", c.id] });
      refreshSearch(qc);
      props.onUnmerged(r.contact, r.secondary);
      props.onClose();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <ModalDialog title="Unmerge contact" isOpen={!!c} onOpenChange={(o) => !o && props.onClose()}>
      {merges.isPending && <p role="status">Loading merges…</p>}
      {merges.error && <ErrorText>{describeError(merges.error)}</ErrorText>}
      {merges.data && active.length === 0 && <p>Nothing was merged into {c?.display_name}.</p>}
      {active.length > 0 && (
        <RadioGroup value={selected} onChange={setChosen} className="merge-field">
          <Label>Contact to bring back from {c?.display_name}</Label>
          {active.map((m) => (
            <Radio key={m.id} value={m.id} className="radio-card">
              {m.secondary_display_name} <span className="hint">(merged {formatDateTime(m.created_at)})</span>
            </Radio>
          ))}
        </RadioGroup>
      )}
      <p className="hint">Messages and events that arrived after the merge stay with {c?.display_name}.</p>
      <ErrorText>{error}</ErrorText>
      <div className="dialog-actions">
        <Button onPress={props.onClose}>Cancel</Button>
        <Button variant="primary" onPress={() => void unmerge()} isDisabled={!selected || busy}>
          Unmerge
        </Button>
      </div>
    </ModalDialog>
  );
}
