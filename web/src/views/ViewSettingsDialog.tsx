import { useEffect, useState } from "react";
import { Checkbox, Form } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { keys } from "../api/queries";
import type { FieldInfo, Group, SortItem, View } from "../api/types";
import { countryName } from "../ui/countryName";
import { Button, ErrorText, ModalDialog, TextInput } from "../ui/controls";
import { describeFilter, describeSort } from "./describe";

const label = (field: string, v: string) => (field === "country" ? countryName(v) : v);

/** A saved view (custom inbox): what it selects in words; its name and who sees it; adding the
 * page's current search, filter and sort to it; deleting it. */
export function ViewSettingsDialog(props: {
  view: View;
  fields: Map<string, FieldInfo>;
  /** the page's own criteria, on top of the view's (API.md: a view's filter is ANDed with them) */
  current: { q: string; filter: Group | null; sort: SortItem[] };
  onClose: () => void;
  /** the view took the page's criteria: the page drops them (they are the view's now) */
  onAbsorbed: () => void;
  onDeleted: () => void;
}) {
  const { view, current } = props;
  const qc = useQueryClient();
  const [name, setName] = useState(view.name);
  const [shared, setShared] = useState(view.visibility === "workspace");
  const [absorb, setAbsorb] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setName(view.name), [view.name]);
  const hasCurrent = !!current.q || !!current.filter || current.sort.length > 0;

  /** One write at a time; its failure shown in words under the form. */
  async function run(work: () => Promise<void>) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }
  const save = () =>
    run(async () => {
      const patch: Parameters<typeof api.updateView>[1] = { name: name.trim(), visibility: shared ? "workspace" : "private" };
      if (absorb) {
        // the page's filter is ANDed with the view's, so the view keeps both
        const filter = view.filter && current.filter ? { and: [view.filter, current.filter] } : (current.filter ?? view.filter);
        const query = [view.query, current.q].filter(Boolean).join(" ") || null;
        Object.assign(patch, { filter, query, sort: current.sort.length ? current.sort : view.sort });
      }
      await api.updateView(view.id, patch);
      await qc.invalidateQueries({ queryKey: keys.views });
      if (absorb) props.onAbsorbed();
      props.onClose();
    });
  const remove = () =>
    run(async () => {
      await api.deleteView(view.id);
      await qc.invalidateQueries({ queryKey: keys.views });
      props.onDeleted();
    });

  return (
    <ModalDialog title={`View “${view.name}”`} isOpen onOpenChange={(o) => !o && props.onClose()}>
      <dl className="facts">
        <div>
          <dt>Search</dt>
          <dd>{view.query ? `“${view.query}”` : "None"}</dd>
        </div>
        <div>
          <dt>Filter</dt>
          <dd>{view.filter ? describeFilter(view.filter, props.fields, label) : "None: every contact"}</dd>
        </div>
        <div>
          <dt>Sort</dt>
          <dd>{view.sort?.length ? describeSort(view.sort, props.fields) : "Last interaction, newest first"}</dd>
        </div>
      </dl>
      <Form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <TextInput label="Name" value={name} onChange={setName} />
        <Checkbox isSelected={shared} onChange={setShared} className="checkbox">
          <span className="box" aria-hidden="true" />
          Shared with the workspace
        </Checkbox>
        {hasCurrent && (
          <Checkbox isSelected={absorb} onChange={setAbsorb} className="checkbox">
            <span className="box" aria-hidden="true" />
            Add the page's current search, filter and sort to this view
          </Checkbox>
        )}
        <ErrorText>{error}</ErrorText>
        <div className="dialog-actions">
          {confirmDelete ? (
            <>
              <span>Delete this view for everyone who sees it? The contacts stay.</span>
              <Button onPress={() => setConfirmDelete(false)}>Keep it</Button>
              <Button variant="danger" onPress={() => void remove()} isDisabled={busy}>
                Delete view
              </Button>
            </>
          ) : (
            <>
              <Button variant="danger" onPress={() => setConfirmDelete(true)}>
                Delete view…
              </Button>
              <Button onPress={props.onClose}>Cancel</Button>
              <Button type="submit" variant="primary" isDisabled={!name.trim() || busy}>
                Save changes
              </Button>
            </>
          )}
        </div>
      </Form>
    </ModalDialog>
  );
}
