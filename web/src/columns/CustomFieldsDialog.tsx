import { useState } from "react";
import { Form } from "react-aria-components";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, describeError, formProblem } from "../api/client";
import { keys } from "../api/queries";
import type { CustomField } from "../api/types";
import { Button, ErrorText, ModalDialog, SelectInput, TableHead, TextInput } from "../ui/controls";

const TYPES = [
  { id: "text", label: "Text" },
  { id: "number", label: "Number" },
  { id: "date", label: "Date" },
  { id: "datetime", label: "Date and time" },
  { id: "boolean", label: "Yes / no" },
  { id: "select", label: "Choice from a list" },
  { id: "email", label: "Email" },
  { id: "phone", label: "Phone" },
  { id: "url", label: "URL" },
];
const typeLabel = (t: string) => TYPES.find((x) => x.id === t)?.label ?? t;

/** The key the API wants (a-z, 0-9, _; a letter first) from a label: "Plan tier" -> "plan_tier". */
export function keyFromLabel(label: string): string {
  const k = label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+|_+$/g, "");
  return k.slice(0, 64);
}

const splitOptions = (s: string) => s.split(",").map((o) => o.trim()).filter(Boolean);

/** The workspace's custom fields: add one (label, key, type, the choices of a list), rename one or
 * change its choices, delete one. The table, the filters, the form and the import follow. */
export function CustomFieldsDialog(props: { isOpen: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ["custom-fields"], queryFn: api.customFields, enabled: props.isOpen });
  const [label, setLabel] = useState("");
  const [key, setKey] = useState("");
  const [keyTouched, setKeyTouched] = useState(false);
  const [type, setType] = useState("text");
  const [options, setOptions] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<CustomField | null>(null);
  const [deleting, setDeleting] = useState<CustomField | null>(null);

  async function refresh() {
    await Promise.all([
      qc.invalidateQueries({ queryKey: ["custom-fields"] }),
      qc.invalidateQueries({ queryKey: keys.fields }),
      qc.invalidateQueries({ queryKey: keys.columns }),
    ]);
  }
  function fail(e: unknown) {
    const p = formProblem(e);
    setErrors(p.fields);
    setGeneral(p.general);
  }
  async function add() {
    if (busy) return;
    setBusy(true);
    setErrors({});
    setGeneral(null);
    setStatus(null);
    try {
      const f = await api.createCustomField({ key: key || keyFromLabel(label), label: label.trim(), type, ...(type === "select" ? { options: splitOptions(options) } : {}) });
      await refresh();
      setLabel("");
      setKey("");
      setKeyTouched(false);
      setOptions("");
      setStatus(`Added the field “${f.label}”.`);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }
  async function remove(f: CustomField) {
    setGeneral(null);
    try {
      await api.deleteCustomField(f.key);
      await refresh();
      setDeleting(null);
      setStatus(`Deleted the field “${f.label}”.`);
    } catch (e) {
      setGeneral(describeError(e));
    }
  }

  return (
    <ModalDialog title="Custom fields" isOpen={props.isOpen} onOpenChange={(o) => !o && props.onClose()} wide>
      {list.isPending && <p role="status">Loading the custom fields…</p>}
      {list.error && <ErrorText>The custom fields could not be loaded: {describeError(list.error)}</ErrorText>}
      {list.data && list.data.items.length === 0 && <p className="hint">No custom fields yet.</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="cell-table" aria-label="Custom fields of this workspace">
          <TableHead labels={["Label", "Key", "Type", "Choices"]} actions />
          <tbody>
            {list.data.items.map((f) => (
              <tr key={f.key}>
                <th scope="row">{f.label}</th>
                <td>{f.key}</td>
                <td>{typeLabel(f.type)}</td>
                <td>{f.options.join(", ")}</td>
                <td>
                  <Button aria-label={`Edit ${f.label}`} onPress={() => setEditing(f)}>
                    Edit
                  </Button>{" "}
                  <Button aria-label={`Delete ${f.label}`} variant="danger" onPress={() => setDeleting(f)}>
                    Delete
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deleting && (
        <div role="alert" className="leave-bar">
          <span>Delete the field “{deleting.label}”? Its value on every contact goes too.</span>
          <Button onPress={() => setDeleting(null)}>Keep it</Button>
          <Button variant="danger" onPress={() => void remove(deleting)}>
            Delete field
          </Button>
        </div>
      )}
      {status && <p role="status">{status}</p>}
      <h3>Add a field</h3>
      <Form
        validationBehavior="aria"
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <TextInput
          label="Label"
          value={label}
          onChange={(v) => {
            setLabel(v);
            if (!keyTouched) setKey(keyFromLabel(v));
          }}
          error={errors.label}
        />
        <TextInput
          label="Key"
          value={key}
          onChange={(v) => {
            setKey(v);
            setKeyTouched(true);
          }}
          error={errors.key}
          placeholder="plan_tier"
        />
        <SelectInput label="Type" value={type} options={TYPES} onChange={setType} error={errors.type} />
        {type === "select" && <TextInput label="Choices" value={options} onChange={setOptions} error={errors.options} placeholder="free, pro, enterprise" />}
        <ErrorText>{general}</ErrorText>
        <div className="dialog-actions">
          <Button type="submit" variant="primary" isDisabled={!label.trim() || busy}>
            Add field
          </Button>
        </div>
      </Form>
      {editing && <EditFieldDialog field={editing} onClose={() => setEditing(null)} onSaved={async (f) => { await refresh(); setEditing(null); setStatus(`Saved the field “${f.label}”.`); }} />}
    </ModalDialog>
  );
}

function EditFieldDialog(props: { field: CustomField; onClose: () => void; onSaved: (f: CustomField) => Promise<void> }) {
  const f = props.field;
  const [label, setLabel] = useState(f.label);
  const [options, setOptions] = useState(f.options.join(", "));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  async function save() {
    setErrors({});
    setGeneral(null);
    try {
      const saved = await api.updateCustomField(f.key, { label: label.trim(), ...(f.type === "select" ? { options: splitOptions(options) } : {}) });
      await props.onSaved(saved);
    } catch (e) {
      const p = formProblem(e);
      setErrors(p.fields);
      setGeneral(p.general);
    }
  }
  return (
    <ModalDialog title={`Edit the field “${f.label}”`} isOpen onOpenChange={(o) => !o && props.onClose()}>
      <Form
        validationBehavior="aria"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <p className="hint">
          Key {f.key}, type {typeLabel(f.type)}: these cannot change, since the contacts' values are kept under them.
        </p>
        <TextInput label="Label" value={label} onChange={setLabel} error={errors.label} autoFocus />
        {f.type === "select" && <TextInput label="Choices" value={options} onChange={setOptions} error={errors.options} />}
        <ErrorText>{general}</ErrorText>
        <div className="dialog-actions">
          <Button onPress={props.onClose}>Cancel</Button>
          <Button type="submit" variant="primary" isDisabled={!label.trim()}>
            Save
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
