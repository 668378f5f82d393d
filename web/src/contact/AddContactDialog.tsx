import { useState } from "react";
import { Form } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "../api/client";
import { noteWritten, refreshSearch } from "../api/freshness";
import type { FieldInfo } from "../api/types";
import { Button, ErrorText, ModalDialog } from "../ui/controls";
import { ContactForm, type FormValues, toBody } from "./ContactForm";

export function AddContactDialog(props: {
  isOpen: boolean;
  onClose: () => void;
  standard: FieldInfo[];
  custom: FieldInfo[];
  /** Why the workspace's fields are not there (GET /v1/fields failed, or is being retried). */
  fieldsProblem?: unknown;
  onAdded: (name: string) => void;
  /** Adding many contacts instead: the Import dialog. */
  onImport?: () => void;
}) {
  const qc = useQueryClient();
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function close() {
    setValues({});
    setErrors({});
    setGeneral(null);
    props.onClose();
  }

  async function submit() {
    setBusy(true);
    setGeneral(null);
    try {
      const body = toBody(values, props.custom);
      if (body.custom_fields) {
        body.custom_fields = Object.fromEntries(Object.entries(body.custom_fields as object).filter(([, v]) => v !== null));
      }
      for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
      const c = await api.createContact(body);
      noteWritten(c);
      refreshSearch(qc);
      props.onAdded(c.display_name);
      close();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const fe = e.fieldErrors();
        setErrors(fe);
        const known = new Set([...props.standard.map((f) => f.field), ...props.custom.map((f) => f.field.replace(/^custom\./, "custom_fields."))]);
        const rest = Object.entries(fe).filter(([k]) => !known.has(k));
        setGeneral(rest.length ? rest.map(([, m]) => m).join("; ") : e.problem.detail && !Object.keys(fe).length ? e.problem.detail : null);
      } else setGeneral(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <ModalDialog title="Add contact" isOpen={props.isOpen} onOpenChange={(o) => !o && close()} wide>
      <Form
        validationBehavior="aria"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="hint">At least a first name, an email or a phone. Automations and automatic assignment do not run for contacts added here.</p>
        {props.onImport && (
          <p className="hint">
            Adding many contacts?{" "}
            <Button
              variant="plain"
              onPress={() => {
                close();
                props.onImport?.();
              }}
            >
              Import a file instead
            </Button>
          </p>
        )}
        <ContactForm
          values={values}
          onChange={(k, v) => {
            setValues((s) => ({ ...s, [k]: v }));
            setErrors((s) => {
              const n = { ...s };
              delete n[k];
              delete n[k.replace(/^custom\./, "custom_fields.")];
              return n;
            });
          }}
          errors={errors}
          standard={props.standard}
          custom={props.custom}
          fieldsProblem={props.fieldsProblem}
        />
        {props.fieldsProblem ? <ErrorText>The contact fields could not be loaded: {describeError(props.fieldsProblem)}</ErrorText> : null}
        <ErrorText>{general}</ErrorText>
        <div className="dialog-actions">
          <Button onPress={close}>Cancel</Button>
          <Button type="submit" variant="primary" isDisabled={busy || props.standard.length === 0}>
            Add
          </Button>
        </div>
      </Form>
    </ModalDialog>
  );
}
