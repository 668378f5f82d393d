// The contact's editable fields, used by "Add contact" and "View details". Errors sit by their field.
import { Checkbox } from "react-aria-components";
import type { FieldInfo } from "../api/types";
import { SelectInput, TextInput } from "../ui/controls";

export const STANDARD_FIELDS: { key: string; label: string; type?: string }[] = [
  { key: "first_name", label: "First name" },
  { key: "last_name", label: "Last name" },
  { key: "email", label: "Email", type: "email" },
  { key: "phone", label: "Phone", type: "tel" },
  { key: "country", label: "Country" },
];

export type FormValues = Record<string, string | boolean>;

export function customFieldsOf(fields: FieldInfo[] | undefined): FieldInfo[] {
  return (fields ?? []).filter((f) => f.custom);
}

export function ContactForm(props: {
  values: FormValues;
  onChange: (key: string, v: string | boolean) => void;
  errors: Record<string, string>;
  custom: FieldInfo[];
  extra?: { key: string; label: string }[];
}) {
  const { values, errors } = props;
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : "");
  return (
    <div className="form-grid">
      {[...STANDARD_FIELDS, ...(props.extra ?? [])].map((f) => (
        <TextInput
          key={f.key}
          label={f.label}
          value={str(f.key)}
          onChange={(v) => props.onChange(f.key, v)}
          error={errors[f.key]}
          type={"type" in f ? (f.type as string | undefined) : undefined}
        />
      ))}
      {props.custom.map((f) => {
        const key = f.field;
        const err = errors[key.replace(/^custom\./, "custom_fields.")] ?? errors[key];
        if (f.type === "boolean")
          return (
            <div className="field" key={key}>
              <Checkbox isSelected={values[key] === true} onChange={(v) => props.onChange(key, v)} className="checkbox">
                <span className="box" aria-hidden="true" />
                {f.label}
              </Checkbox>
              {err && <div className="field-error">{err}</div>}
            </div>
          );
        if (f.type === "select" && f.options)
          return (
            <SelectInput
              key={key}
              label={f.label}
              value={str(key) || null}
              options={[{ id: "", label: "(none)" }, ...f.options.map((o) => ({ id: o, label: o }))]}
              onChange={(v) => props.onChange(key, v)}
              error={err}
            />
          );
        const type = f.type === "number" ? "number" : f.type === "date" ? "date" : f.type === "datetime" ? "datetime-local" : "text";
        return <TextInput key={key} label={f.label} value={str(key)} onChange={(v) => props.onChange(key, v)} error={err} type={type} />;
      })}
    </div>
  );
}

/** Form values to a contact body; `only` limits it to changed keys (PATCH). Empty text is null. */
export function toBody(values: FormValues, custom: FieldInfo[], only?: Set<string>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const cf: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (only && !only.has(k)) continue;
    if (k.startsWith("custom.")) {
      const def = custom.find((f) => f.field === k);
      const key = k.slice(7);
      if (v === "" || v === null) cf[key] = null;
      else if (def?.type === "number") cf[key] = Number(v);
      else if (def?.type === "datetime" && typeof v === "string") cf[key] = new Date(v).toISOString();
      else cf[key] = v;
    } else if (k === "tags" && typeof v === "string") {
      body.tags = v.split(",").map((t) => t.trim()).filter(Boolean);
    } else {
      body[k] = v === "" ? null : v;
    }
  }
  if (Object.keys(cf).length) body.custom_fields = cf;
  return body;
}
