import { useState } from "react";
import { Checkbox } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { keys } from "../api/queries";
import type { Columns } from "../api/types";
import { Button, ErrorText, ModalDialog } from "../ui/controls";

/** One checkbox per standard and custom column (Name is fixed), and the order of the shown ones.
 * Each change is saved at once. */
export function CustomizeColumnsDialog(props: { isOpen: boolean; onClose: () => void; columns: Columns | undefined; onManageFields?: () => void }) {
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const cols = props.columns;
  async function toggle(key: string, on: boolean) {
    if (!cols) return;
    const order = cols.available.map((a) => a.key);
    const set = new Set(cols.columns);
    if (on) set.add(key);
    else set.delete(key);
    set.add("display_name");
    const next = [...cols.columns.filter((c) => set.has(c)), ...order.filter((c) => set.has(c) && !cols.columns.includes(c))];
    await save(next);
  }
  /** Moves a shown column one place earlier (-1) or later (+1); Name stays first. */
  async function move(key: string, by: -1 | 1) {
    if (!cols) return;
    const list = cols.columns.filter((c) => c !== "display_name");
    const i = list.indexOf(key);
    const j = i + by;
    if (i < 0 || j < 0 || j >= list.length) return;
    [list[i], list[j]] = [list[j] as string, list[i] as string];
    await save(["display_name", ...list]);
  }
  async function save(next: string[]) {
    if (!cols) return;
    const previous = cols;
    qc.setQueryData<Columns>(keys.columns, { ...cols, columns: next });
    setError(null);
    try {
      const saved = await api.putColumns(next);
      qc.setQueryData<Columns>(keys.columns, saved);
    } catch (e) {
      qc.setQueryData<Columns>(keys.columns, previous);
      setError(`Columns not saved: ${describeError(e)}`);
    }
  }
  const labels = new Map((cols?.available ?? []).map((a) => [a.key, a.label]));
  const shown = (cols?.columns ?? []).filter((c) => c !== "display_name");
  return (
    <ModalDialog title="Customize columns" isOpen={props.isOpen} onOpenChange={(o) => !o && props.onClose()}>
      <p className="hint">The table follows each change; your choice is kept for your next visit.</p>
      <div className="column-list">
        {(cols?.available ?? []).map((a) => (
          <Checkbox
            key={a.key}
            className="checkbox"
            isSelected={a.key === "display_name" || cols?.columns.includes(a.key)}
            isDisabled={a.key === "display_name"}
            onChange={(on) => void toggle(a.key, on)}
          >
            <span className="box" aria-hidden="true" />
            {a.label}
          </Checkbox>
        ))}
      </div>
      <h3 id="column-order-h">Order</h3>
      <ol className="column-order" aria-labelledby="column-order-h">
        <li>Name (always first)</li>
        {shown.map((key, i) => {
          const text = labels.get(key) ?? key;
          return (
            <li key={key}>
              <span>{text}</span>
              <Button aria-label={`Move ${text} earlier`} isDisabled={i === 0} onPress={() => void move(key, -1)}>
                ↑
              </Button>
              <Button aria-label={`Move ${text} later`} isDisabled={i === shown.length - 1} onPress={() => void move(key, 1)}>
                ↓
              </Button>
            </li>
          );
        })}
      </ol>
      <ErrorText>{error}</ErrorText>
      {props.onManageFields && (
        <div className="dialog-actions">
          <Button onPress={props.onManageFields}>Add or edit custom fields…</Button>
        </div>
      )}
    </ModalDialog>
  );
}
