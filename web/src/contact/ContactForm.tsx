// The contact's editable fields, used by "Add contact" and "View details". Errors sit by their field.
import { Suspense, lazy } from "react";
import { Checkbox } from "react-aria-components";
import type { FieldInfo } from "../api/types";
import { TagSuggestions } from "../selection/TagSuggestions";
import { SelectInput, TextInput } from "../ui/controls";

// The list of countries (i18n-iso-countries) is its own chunk, loaded when a form first shows, so
// the table's first load does not carry it.
const CountryField = lazy(() => import("./CountryField").then((m) => ({ default: m.CountryField })));

/** HTML input types where the field's name says more than its type (the keyboard a phone shows). */
const INPUT_TYPES: Record<string, string> = { email: "email", phone: "tel" };
const TYPE_INPUTS: Record<string, string> = { url: "url", number: "number", date: "date", datetime: "datetime-local" };

/** The standard fields a person types into the contact form, as GET /v1/fields lists them (in the
 * registry's order): the importable ones, less the assignee (it has its own picker). Tags are typed
 * as a comma-separated list. */
export function editableFieldsOf(fields: FieldInfo[] | undefined): FieldInfo[] {
  return (fields ?? []).filter((f) => !f.custom && f.importable && f.type !== "user");
}

/** The form value of one standard field of a contact (a list of tags as "a, b"). */
export function formValueOf(value: unknown): string {
  if (Array.isArray(value)) return value.join(", ");
  return value === null || value === undefined ? "" : String(value);
}

export type FormValues = Record<string, string | boolean>;

export function customFieldsOf(fields: FieldInfo[] | undefined): FieldInfo[] {
  return (fields ?? []).filter((f) => f.custom);
}

export function ContactForm(props: {
  values: FormValues;
  onChange: (key: string, v: string | boolean) => void;
  errors: Record<string, string>;
  standard: FieldInfo[];
  custom: FieldInfo[];
  fieldsProblem?: unknown;
}) {
  const { values, errors } = props;
  const str = (k: string) => (typeof values[k] === "string" ? (values[k] as string) : "");
  return (
    <div className="form-grid">
      {props.standard.length === 0 && !props.fieldsProblem && <p role="status">Loading the fields…</p>}
      {props.standard.map((f) =>
        f.field === "tags" ? (
          <div key={f.field}>
            <TextInput label={f.label} value={str(f.field)} onChange={(v) => props.onChange(f.field, v)} error={errors[f.field]} placeholder="Separated by commas" />
            <TagSuggestions value={str(f.field)} onChange={(v) => props.onChange(f.field, v)} />
          </div>
        ) : f.field === "country" ? (
          <Suspense key={f.field} fallback={<p className="field hint" role="status">{f.label}: loading the countries…</p>}>
            <CountryField label={f.label} value={str(f.field)} onChange={(v) => props.onChange(f.field, v)} error={errors[f.field]} />
          </Suspense>
        ) : (
        <TextInput
          key={f.field}
          label={f.label}
          value={str(f.field)}
          onChange={(v) => props.onChange(f.field, v)}
          error={errors[f.field]}
          type={INPUT_TYPES[f.field] ?? TYPE_INPUTS[f.type]}
          {...(f.type === "set" ? { placeholder: "Separated by commas" } : f.field === "language" ? { placeholder: "A language tag: en, pt-BR, …" } : {})}
        />
        ),
      )}
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
        return <TextInput key={key} label={f.label} value={str(key)} onChange={(v) => props.onChange(key, v)} error={err} type={TYPE_INPUTS[f.type] ?? "text"} />;
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
