import { useState } from "react";
import { Input, TextField } from "react-aria-components";
import type { FieldInfo } from "../api/types";
import { DateField, DateRangeField } from "../ui/DatePickers";
import { MultiSelectInput, type Option, SelectInput, TextInput } from "../ui/controls";
import { valueKind } from "./model";

const UNITS: Option[] = ["minutes", "hours", "days", "weeks", "months"].map((u) => ({ id: u, label: u }));

function ListText({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const [raw, setRaw] = useState(value.join(", "));
  return (
    <TextInput
      label="Value"
      hideLabel
      placeholder="one, two, three"
      value={raw}
      onChange={(s) => {
        setRaw(s);
        onChange(s.split(",").map((x) => x.trim()).filter(Boolean));
      }}
    />
  );
}

/** A value the list of choices does not hold (a tag outside the counted top 100): typed, then Enter. */
function OtherValue({ onAdd }: { onAdd: (v: string) => void }) {
  const [text, setText] = useState("");
  return (
    <TextField
      className="field other-value"
      aria-label="Other value"
      value={text}
      onChange={setText}
      onKeyDown={(e) => {
        if (e.key !== "Enter" || !text.trim()) return;
        e.preventDefault();
        onAdd(text.trim());
        setText("");
      }}
    >
      <Input placeholder="Another, then Enter" />
    </TextField>
  );
}

/** The Value control for a condition, typed by the field and the operator. */
export function ValueInput(props: {
  field: FieldInfo | undefined;
  op: string;
  value: unknown;
  onChange: (v: unknown) => void;
  options: Option[];
  /** The choices come from counts that could not be loaded: the value is typed instead. */
  typeInstead?: boolean;
  /** The choices are not every value there is (tags: the most counted): others can be typed too. */
  allowOther?: boolean;
}) {
  const { field, op, value, onChange } = props;
  let kind = valueKind(field, op);
  if (props.typeInstead && kind === "optionList") kind = "textList";
  if (props.typeInstead && kind === "option") kind = "text";
  switch (kind) {
    case "none":
      return null;
    case "text":
      return <TextInput label="Value" hideLabel value={String(value ?? "")} onChange={onChange} />;
    case "textList":
      return <ListText value={Array.isArray(value) ? (value as string[]) : []} onChange={onChange} />;
    case "number":
      return <TextInput label="Value" hideLabel type="number" value={String(value ?? "")} onChange={onChange} />;
    case "numberRange": {
      const [a, b] = (Array.isArray(value) ? value : ["", ""]) as [string, string];
      return (
        <span className="range">
          <TextInput label="Value" hideLabel type="number" value={a} onChange={(v) => onChange([v, b])} />
          <span aria-hidden="true">–</span>
          <TextInput label="Up to" hideLabel type="number" value={b} onChange={(v) => onChange([a, v])} />
        </span>
      );
    }
    case "date":
      return <DateField label="Value" value={String(value ?? "")} onChange={onChange} />;
    case "dateRange":
      return <DateRangeField label="Value" value={(Array.isArray(value) ? value : ["", ""]) as [string, string]} onChange={onChange} />;
    case "relative": {
      const r = (value ?? { amount: "", unit: "days" }) as { amount: string; unit: string };
      return (
        <span className="range">
          <TextInput label="Value" hideLabel type="number" value={String(r.amount)} onChange={(v) => onChange({ ...r, amount: v })} />
          <SelectInput label="Unit" hideLabel value={r.unit} options={UNITS} onChange={(u) => onChange({ ...r, unit: u })} />
        </span>
      );
    }
    case "boolean":
      return (
        <SelectInput
          label="Value"
          hideLabel
          value={value === "" || value === undefined ? null : String(value)}
          options={[
            { id: "true", label: "Yes" },
            { id: "false", label: "No" },
          ]}
          onChange={onChange}
        />
      );
    case "option":
      return <SelectInput label="Value" hideLabel value={value ? String(value) : null} options={props.options} onChange={onChange} />;
    case "optionList": {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      const select = <MultiSelectInput label="Value" hideLabel value={chosen} options={props.options} onChange={onChange} />;
      if (!props.allowOther) return select;
      return (
        <span className="range">
          {select}
          <OtherValue onAdd={(v) => !chosen.includes(v) && onChange([...chosen, v])} />
        </span>
      );
    }
  }
}
