import { useState } from "react";
import { Checkbox } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { api, describeError } from "../api/client";
import { keys } from "../api/queries";
import type { Columns } from "../api/types";
import { ErrorText, ModalDialog } from "../ui/controls";

/** One checkbox per standard and custom column; Name is fixed. Each change is saved at once. */
export function CustomizeColumnsDialog(props: { isOpen: boolean; onClose: () => void; columns: Columns | undefined }) {
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
      <ErrorText>{error}</ErrorText>
    </ModalDialog>
  );
}
