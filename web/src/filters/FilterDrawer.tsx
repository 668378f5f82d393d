// The "Filters" drawer: nested condition groups built from GET /v1/fields; results follow each change.
import { useEffect, useMemo, useRef, useState } from "react";
import { Checkbox, ComboBox, Form, Input, Label, ListBox, ListBoxItem, Popover, Radio, RadioGroup, Button as AriaButton } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { countryName } from "../ui/countryName";
import { keys } from "../api/queries";
import type { Channel, FieldInfo, Group, SortItem, User, View } from "../api/types";
import { Button, ErrorText, ModalDialog, type Option, SelectInput, TextInput } from "../ui/controls";
import {
  type EdCond, type EdGroup, type EdNode, MAX_DEPTH, OP_LABELS, countConditions, defaultValue, emptyGroup, fromApi, newId, toApi,
  updateNode, valueKind, withTimeSince,
} from "./model";
import { ValueInput } from "./ValueInput";
import { SEARCH_DEBOUNCE_MS, isTyped } from "./typing";
import { COUNTED_FIELDS, countedOptions, useChoiceCounts } from "./counts";

interface Ctx {
  fields: FieldInfo[];
  byName: Map<string, FieldInfo>;
  optionsFor: (f: FieldInfo | undefined) => Option[];
  labelOf: (field: string, value: string) => string;
  /** `typed`: the change is a keystroke, applied after a pause; anything else applies at once. */
  update: (id: string, fn: (n: EdNode) => EdNode | null, typed?: boolean) => void;
  canAdd: boolean;
  view: string;
  query: string;
  /** The applied filter without the condition `id`: what its choices are counted against. */
  filterWithout: (id: string) => Group | null;
}

function ConditionRow({ c, ctx }: { c: EdCond; ctx: Ctx }) {
  const f = ctx.byName.get(c.field);
  const ops = (f?.operators ?? []).map((o) => ({ id: o, label: OP_LABELS[o] ?? o }));
  const counted = !!f && COUNTED_FIELDS.has(f.field) && valueKind(f, c.op).startsWith("option");
  const counts = useChoiceCounts(counted ? c.field : "", ctx.view, ctx.query, counted ? ctx.filterWithout(c.id) : null);
  const chosen = Array.isArray(c.value) ? (c.value as string[]) : c.value ? [String(c.value)] : [];
  const options = counted ? countedOptions(ctx.optionsFor(f), counts.data, chosen, (v) => ctx.labelOf(c.field, v)) : ctx.optionsFor(f);
  return (
    <li className="condition" aria-label={`Condition${f ? ` on ${f.label}` : ""}`}>
      <ComboBox
        className="field combo"
        aria-label="Field"
        selectedKey={c.field || null}
        onSelectionChange={(k) => {
          if (k === null) return;
          const nf = ctx.byName.get(String(k));
          const op = nf?.operators[0] ?? "";
          ctx.update(c.id, () => ({ ...c, field: String(k), op, value: defaultValue(valueKind(nf, op)) }));
        }}
        defaultItems={ctx.fields}
        menuTrigger="focus"
      >
        <div className="combo-box">
          <Input placeholder="Field" />
          <AriaButton className="btn btn-plain" aria-label="Show fields">
            ▾
          </AriaButton>
        </div>
        <Popover className="popover">
          <ListBox className="listbox">
            {(x: FieldInfo) => (
              <ListBoxItem id={x.field} textValue={x.label} className="option">
                {x.label}
              </ListBoxItem>
            )}
          </ListBox>
        </Popover>
      </ComboBox>
      <SelectInput
        label="Operator"
        hideLabel
        value={c.op || null}
        options={ops}
        onChange={(op) =>
          ctx.update(c.id, () => {
            const same = valueKind(f, op) === valueKind(f, c.op);
            return { ...c, op, value: same ? c.value : defaultValue(valueKind(f, op)) };
          })
        }
      />
      <ValueInput
        field={f}
        op={c.op}
        value={c.value}
        options={options}
        typeInstead={counted && !!counts.error && !ctx.optionsFor(f).length}
        allowOther={f?.field === "tags"}
        onChange={(v) => ctx.update(c.id, () => ({ ...c, value: v }), isTyped(valueKind(f, c.op)))}
      />
      {counted && counts.isPending && (
        <span className="hint" role="status">
          Counting…
        </span>
      )}
      {counted && counts.error ? <span className="field-error">Counts unavailable: {describeError(counts.error)}</span> : null}
      <Button aria-label="Remove condition" onPress={() => ctx.update(c.id, () => null)}>
        ✕
      </Button>
    </li>
  );
}

function GroupEditor({ g, depth, ctx, root }: { g: EdGroup; depth: number; ctx: Ctx; root?: boolean }) {
  return (
    <div className={`group depth-${depth}`} role="group" aria-label={root ? "All conditions" : `Group at level ${depth}`}>
      <div className="group-head">
        <RadioGroup
          className="match"
          orientation="horizontal"
          value={g.mode}
          onChange={(m) => ctx.update(g.id, () => ({ ...g, mode: m as "and" | "or" }))}
        >
          <Label>Match</Label>
          <Radio value="and" className="radio-pill">
            All
          </Radio>
          <Radio value="or" className="radio-pill">
            Any
          </Radio>
        </RadioGroup>
        {!root && (
          <Button aria-label="Remove group" onPress={() => ctx.update(g.id, () => null)}>
            Remove group
          </Button>
        )}
      </div>
      <ul className="conditions">
        {g.items.map((n) =>
          n.kind === "cond" ? (
            <ConditionRow key={n.id} c={n} ctx={ctx} />
          ) : (
            <li key={n.id}>
              <GroupEditor g={n} depth={depth + 1} ctx={ctx} />
            </li>
          ),
        )}
      </ul>
      <div className="group-actions">
        <Button
          isDisabled={!ctx.canAdd}
          onPress={() => ctx.update(g.id, () => ({ ...g, items: [...g.items, { id: newId(), kind: "cond", field: "", op: "", value: undefined }] }))}
        >
          Add condition
        </Button>
        {depth < MAX_DEPTH && (
          <Button isDisabled={!ctx.canAdd} onPress={() => ctx.update(g.id, () => ({ ...g, items: [...g.items, emptyGroup("or")] }))}>
            Add group
          </Button>
        )}
      </div>
    </div>
  );
}

export function FilterDrawer(props: {
  view: string;
  filter: Group | null;
  query: string;
  sort: SortItem[];
  fields: FieldInfo[];
  fieldsError: unknown;
  users: User[];
  channels: Channel[];
  onApply: (f: Group | null) => void;
  onSaved: (v: View) => void;
  onClose: () => void;
}) {
  const qc = useQueryClient();
  const fields = useMemo(() => withTimeSince(props.fields), [props.fields]);
  const filterable = useMemo(() => fields.filter((f) => f.operators.length > 0), [fields]);
  const byName = useMemo(() => new Map(fields.map((f) => [f.field, f])), [fields]);
  const [draft, setDraft] = useState<EdGroup>(() => fromApi(props.filter, byName));
  const [saveOpen, setSaveOpen] = useState(false);
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const pause = useRef(0);
  const applied = JSON.stringify(props.filter);
  const { onApply } = props;

  // Focus moves into the drawer when it opens, and back to what opened it (the Filter button) when
  // it closes, unless the user has already put it somewhere else.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    headingRef.current?.focus();
    return () => {
      const now = document.activeElement;
      if (opener?.isConnected && (!now || now === document.body)) opener.focus();
    };
  }, []);
  useEffect(() => {
    const next = toApi(draft, byName);
    if (JSON.stringify(next) === applied) return;
    const t = setTimeout(() => onApply(next), pause.current);
    return () => clearTimeout(t);
  }, [draft, byName, applied, onApply]);

  const optionsFor = (f: FieldInfo | undefined): Option[] => {
    if (!f) return [];
    if (f.field === "assignee_id" || f.type === "user") return props.users.map((u) => ({ id: u.id, label: u.name }));
    if (f.field === "channels" || f.field === "last_interacted_channel_id") return props.channels.map((c) => ({ id: c.id, label: c.name }));
    if (f.field === "conversation_status" && !f.options?.length)
      return [
        { id: "open", label: "open" },
        { id: "closed", label: "closed" },
      ];
    return (f.options ?? []).map((o) => ({ id: o, label: o }));
  };
  const labelOf = (field: string, v: string) => (field === "country" ? countryName(v) : v);
  const total = countConditions(draft);
  const ctx: Ctx = {
    fields: filterable,
    byName,
    optionsFor,
    labelOf,
    view: props.view,
    query: props.query,
    filterWithout: (id) => toApi(updateNode(draft, id, () => null), byName),
    update: (id, fn, typed = false) => {
      pause.current = typed ? SEARCH_DEBOUNCE_MS : 0;
      setStatus(null);
      setDraft((d) => updateNode(d, id, fn));
    },
    canAdd: total < 50,
  };

  async function save() {
    setSaveError(null);
    try {
      const v = await api.createView({
        name: name.trim(),
        query: props.query || null,
        filter: toApi(draft, byName),
        sort: props.sort.length ? props.sort : null,
        visibility: shared ? "workspace" : "private",
      });
      await qc.invalidateQueries({ queryKey: keys.views });
      setSaveOpen(false);
      setName("");
      setDraft(emptyGroup());
      setStatus(`Saved as inbox “${v.name}”.`);
      props.onSaved(v);
    } catch (e) {
      setSaveError(describeError(e));
    }
  }

  return (
    <aside
      className="drawer-panel"
      role="region"
      aria-labelledby="filters-h"
      onKeyDown={(e) => {
        // Escape closes the drawer; one that a menu or the Save dialog inside it handled does not.
        if (e.key === "Escape" && !e.defaultPrevented && !saveOpen) props.onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id="filters-h" tabIndex={-1} ref={headingRef}>
          Filters
        </h2>
        <Button aria-label="Close filters" onPress={props.onClose}>
          ×
        </Button>
      </div>
      {props.fieldsError ? <ErrorText>Fields could not be loaded: {describeError(props.fieldsError)}</ErrorText> : null}
      <GroupEditor g={draft} depth={1} ctx={ctx} root />
      {!ctx.canAdd && <p className="hint">At most 50 conditions.</p>}
      {status && <p role="status">{status}</p>}
      <div className="drawer-foot">
        <Button onPress={() => setSaveOpen(true)} isDisabled={total === 0 && !props.query}>
          Save new inbox
        </Button>
        <Button
          onPress={() => {
            setDraft(emptyGroup());
            onApply(null);
          }}
        >
          Clear
        </Button>
      </div>
      <ModalDialog title="Save new inbox" isOpen={saveOpen} onOpenChange={setSaveOpen}>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <TextInput label="Name" value={name} onChange={setName} autoFocus error={saveError ?? undefined} />
          <Checkbox isSelected={shared} onChange={setShared} className="checkbox">
            <span className="box" aria-hidden="true" />
            Shared with the workspace (otherwise only you see it)
          </Checkbox>
          <div className="dialog-actions">
            <Button onPress={() => setSaveOpen(false)}>Cancel</Button>
            <Button type="submit" variant="primary" isDisabled={!name.trim()}>
              Save
            </Button>
          </div>
        </Form>
      </ModalDialog>
    </aside>
  );
}
