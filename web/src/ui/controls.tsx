// Thin styled wrappers over React Aria Components: labels, focus and keyboard come from the library.
import { type ReactNode, useId, useSyncExternalStore } from "react";
import {
  Button as AriaButton, type ButtonProps, Dialog, Heading, Input, Label, ListBox, ListBoxItem, Modal,
  ModalOverlay, Popover, Select, SelectValue, Text, TextField, type Key,
} from "react-aria-components";
import { WRITE_ATTEMPTS, describeError, writeRetry } from "../api/client";

export function Button(props: ButtonProps & { variant?: "primary" | "danger" | "plain" }) {
  const { variant = "plain", className, ...rest } = props;
  return <AriaButton {...rest} className={`btn btn-${variant} ${typeof className === "string" ? className : ""}`} />;
}

export function ModalDialog(props: {
  title: string;
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  children: ReactNode;
  wide?: boolean;
  drawer?: boolean;
  dismissable?: boolean;
}) {
  return (
    <ModalOverlay
      isOpen={props.isOpen}
      onOpenChange={props.onOpenChange}
      isDismissable={props.dismissable ?? true}
      className={props.drawer ? "overlay overlay-drawer" : "overlay"}
    >
      <Modal className={props.drawer ? "drawer" : props.wide ? "modal modal-wide" : "modal"}>
        <Dialog className="dialog" aria-label={props.title}>
          <div className="dialog-head">
            <Heading slot="title">{props.title}</Heading>
            <AriaButton slot="close" className="btn btn-plain close" aria-label="Close">
              ×
            </AriaButton>
          </div>
          <div className="dialog-body">
            {props.children}
            <RetryNotice />
          </div>
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}

export function TextInput(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string | undefined;
  type?: string;
  autoFocus?: boolean;
  hideLabel?: boolean;
  placeholder?: string;
  name?: string;
}) {
  return (
    <TextField
      className="field"
      value={props.value}
      onChange={props.onChange}
      isInvalid={!!props.error}
      type={props.type ?? "text"}
      autoFocus={props.autoFocus}
      name={props.name}
      aria-label={props.hideLabel ? props.label : undefined}
    >
      {!props.hideLabel && <Label>{props.label}</Label>}
      <Input placeholder={props.placeholder} />
      {props.error && (
        <Text slot="errorMessage" className="field-error" elementType="div">
          {props.error}
        </Text>
      )}
    </TextField>
  );
}

export interface Option {
  id: string;
  label: string;
  /** How many contacts hold this value (the Filters drawer's counted choices). */
  count?: number;
}

const countFmt = new Intl.NumberFormat("en-US");

function OptionContent({ o }: { o: Option }) {
  if (o.count === undefined) return <>{o.label}</>;
  return (
    <span className="option-counted">
      <span>{o.label}</span>{" "}
      <span className="option-count">
        {countFmt.format(o.count)}
        <span className="visually-hidden"> {o.count === 1 ? "contact" : "contacts"}</span>
      </span>
    </span>
  );
}

/** A select's button, named by its label alone (UI.md: "a control named **View**", "**Field**",
 * "**Map <CSV header>**"), not by "<value> <label>" as React Aria names it; the chosen value (or the
 * placeholder) and any error are its description, so a screen reader still says them. */
function SelectButton({ label, error }: { label: string; error?: string | undefined }) {
  const nameId = useId();
  const valueId = useId();
  const errorId = useId();
  return (
    <>
      <AriaButton className="select-button" aria-labelledby={nameId} aria-describedby={error ? `${valueId} ${errorId}` : valueId}>
        <span id={nameId} className="visually-hidden">
          {label}
        </span>
        <SelectValue>
          {({ isPlaceholder, selectedText, defaultChildren }) => <span id={valueId}>{isPlaceholder || !selectedText ? defaultChildren : selectedText}</span>}
        </SelectValue>
        <span aria-hidden="true">▾</span>
      </AriaButton>
      {error && (
        <div id={errorId} className="field-error">
          {error}
        </div>
      )}
    </>
  );
}

export function SelectInput(props: {
  label: string;
  value: string | null;
  options: Option[];
  onChange: (v: string) => void;
  hideLabel?: boolean;
  placeholder?: string;
  error?: string | undefined;
}) {
  return (
    <Select
      className="field"
      value={props.value}
      onChange={(k: Key | null) => k !== null && props.onChange(String(k))}
      aria-label={props.hideLabel ? props.label : undefined}
      placeholder={props.placeholder ?? "Choose…"}
      isInvalid={!!props.error}
    >
      {!props.hideLabel && <Label>{props.label}</Label>}
      <SelectButton label={props.label} error={props.error} />
      <Popover className="popover">
        <ListBox className="listbox" items={props.options}>
          {(o) => (
            <ListBoxItem id={o.id} className="option" textValue={o.label}>
              <OptionContent o={o} />
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function MultiSelectInput(props: {
  label: string;
  value: string[];
  options: Option[];
  onChange: (v: string[]) => void;
  hideLabel?: boolean;
}) {
  return (
    <Select
      className="field"
      selectionMode="multiple"
      value={props.value}
      onChange={(ks: Key[]) => props.onChange(ks.map(String))}
      aria-label={props.hideLabel ? props.label : undefined}
      placeholder="Choose…"
    >
      {!props.hideLabel && <Label>{props.label}</Label>}
      <SelectButton label={props.label} />
      <Popover className="popover">
        <ListBox className="listbox" items={props.options}>
          {(o) => (
            <ListBoxItem id={o.id} className="option" textValue={o.label}>
              <OptionContent o={o} />
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </Select>
  );
}

export function ErrorText({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div role="alert" className="error-text">
      {children}
    </div>
  );
}

export function Progress({ label, processed, total }: { label: string; processed: number; total: number | null }) {
  const pct = total ? Math.min(100, Math.round((processed / total) * 100)) : undefined;
  return (
    <div className="progress">
      <progress aria-label={label} max={total ?? undefined} value={total ? processed : undefined} />
      <span>
        {label}: {processed.toLocaleString("en-US")}
        {total !== null ? ` of ${total.toLocaleString("en-US")}` : ""}
        {pct !== undefined ? ` (${pct}%)` : ""}
      </span>
    </div>
  );
}

/** While a write waits to be sent again (api/client `writeRetry`: the API answered 503 or 429), says
 * what is unavailable and when the next attempt goes; nothing while no write waits. */
export function RetryNotice() {
  const r = useSyncExternalStore(writeRetry.subscribe, writeRetry.current);
  if (!r) return null;
  return (
    <p role="status" className="retry-notice">
      {r.what}. Trying again in {r.seconds} s (attempt {r.attempt} of {WRITE_ATTEMPTS})…
    </p>
  );
}

/** A query's trouble in words: "<what> could not be loaded: …" once it gave up, "<what> are
 * unavailable for now: … Retrying…" while it is still retrying a 503; nothing otherwise. */
export function QueryProblem({ what, query }: { what: string; query: { error: unknown; failureReason: unknown; isFetching: boolean } }) {
  if (query.error) return <ErrorText>{what} could not be loaded: {describeError(query.error)}</ErrorText>;
  if (query.failureReason && query.isFetching) return <ErrorText>{what} are unavailable for now: {describeError(query.failureReason)}</ErrorText>;
  return null;
}

/** A data table's header row: one column header per label, then an unlabelled (visually) actions column. */
export function TableHead({ labels, actions = false }: { labels: string[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {labels.map((l) => (
          <th key={l} scope="col">
            {l}
          </th>
        ))}
        {actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
