import { useEffect, useState } from "react";
import { Form } from "react-aria-components";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "../api/client";
import { noteWritten, refreshSearch } from "../api/freshness";
import type { Contact, FieldInfo, User } from "../api/types";
import { Avatar, formatDateTime } from "../table/format";
import { Button, ErrorText, ModalDialog, SelectInput, TextInput } from "../ui/controls";
import { ContactForm, type FormValues, formValueOf, toBody } from "./ContactForm";

function initialValues(c: Contact, standard: FieldInfo[], custom: FieldInfo[]): FormValues {
  const v: FormValues = { assignee_id: c.assignee_id ?? "" };
  const fields = c as unknown as Record<string, unknown>;
  for (const f of standard) v[f.field] = formValueOf(fields[f.field]);
  for (const f of custom) {
    const raw = c.custom_fields[f.field.slice(7)];
    if (typeof raw === "boolean") v[f.field] = raw;
    else if (f.type === "datetime" && typeof raw === "string") v[f.field] = raw.slice(0, 16);
    else v[f.field] = raw === null || raw === undefined ? "" : String(raw);
  }
  return v;
}

const UNASSIGNED = "__none__";

export function ContactDetailsDialog(props: {
  contactId: string | null;
  onClose: () => void;
  standard: FieldInfo[];
  custom: FieldInfo[];
  users?: User[];
}) {
  const id = props.contactId;
  const qc = useQueryClient();
  const contact = useQuery({ queryKey: ["contact", id], queryFn: () => api.contact(id as string), enabled: !!id });
  const events = useQuery({ queryKey: ["events", id], queryFn: () => api.events(id as string), enabled: !!id });
  const comments = useQuery({ queryKey: ["comments", id], queryFn: () => api.comments(id as string), enabled: !!id });
  const [values, setValues] = useState<FormValues>({});
  const [dirty, setDirty] = useState<Set<string>>(new Set());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<string | null>(null);
  const [general, setGeneral] = useState<string | null>(null);
  const [comment, setComment] = useState("");
  const [commentError, setCommentError] = useState<string | null>(null);

  useEffect(() => {
    if (contact.data) {
      setValues(initialValues(contact.data, props.standard, props.custom));
      setDirty(new Set());
    }
  }, [contact.data, props.standard, props.custom]);

  async function save() {
    if (!id) return;
    setGeneral(null);
    setStatus(null);
    try {
      const c = await api.updateContact(id, toBody(values, props.custom, dirty));
      noteWritten(c);
      qc.setQueryData(["contact", id], c);
      void qc.invalidateQueries({ queryKey: ["events", id] });
      refreshSearch(qc);
      setErrors({});
      setStatus("Saved.");
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        const fe = e.fieldErrors();
        setErrors(fe);
        setGeneral(e.problem.detail ?? "Some values are not valid.");
      } else setGeneral(describeError(e));
    }
  }

  async function addComment() {
    if (!id || !comment.trim()) return;
    setCommentError(null);
    try {
      await api.addComment(id, comment.trim());
      setComment("");
      void qc.invalidateQueries({ queryKey: ["comments", id] });
    } catch (e) {
      setCommentError(describeError(e));
    }
  }

  const c = contact.data;
  return (
    <ModalDialog title={c ? c.display_name : "Contact details"} isOpen={!!id} onOpenChange={(o) => !o && props.onClose()} wide>
      {contact.isPending && <p role="status">Loading…</p>}
      {contact.error && <ErrorText>{describeError(contact.error)}</ErrorText>}
      {c && (
        <>
          <div className="profile-head">
            <Avatar avatar={c.avatar} size={48} />
            <div>
              <div className="profile-name">{c.display_name}</div>
              <div className="hint">
                Source: {c.source} · Conversation: {c.conversation_status} · Created {formatDateTime(c.created_at)}
                {c.last_interaction_at ? ` · Last interaction ${formatDateTime(c.last_interaction_at)}` : ""}
              </div>
            </div>
          </div>
          <Form
        validationBehavior="aria"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <ContactForm
              values={values}
              onChange={(k, v) => {
                setValues((s) => ({ ...s, [k]: v }));
                setDirty((s) => new Set(s).add(k));
                setStatus(null);
              }}
              errors={errors}
              standard={props.standard}
              custom={props.custom}
            />
            <div className="form-grid">
              <SelectInput
                label="Assignee"
                value={typeof values.assignee_id === "string" && values.assignee_id ? values.assignee_id : UNASSIGNED}
                options={[{ id: UNASSIGNED, label: "Unassigned" }, ...(props.users ?? []).map((u) => ({ id: u.id, label: u.name }))]}
                onChange={(v) => {
                  setValues((s) => ({ ...s, assignee_id: v === UNASSIGNED ? "" : v }));
                  setDirty((s) => new Set(s).add("assignee_id"));
                  setStatus(null);
                }}
                error={errors.assignee_id}
              />
            </div>
            <ErrorText>{general}</ErrorText>
            <div className="dialog-actions">
              {status && <span role="status">{status}</span>}
              <Button type="submit" variant="primary" isDisabled={dirty.size === 0}>
                Save
              </Button>
            </div>
          </Form>
          <section aria-labelledby="channels-h">
            <h3 id="channels-h">Channels</h3>
            {c.channels.length === 0 ? (
              <p className="hint">No channel identities.</p>
            ) : (
              <ul>
                {c.channels.map((ch) => (
                  <li key={ch.channel_id + ch.external_id}>
                    {ch.channel_name} ({ch.type}): {ch.external_id}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="events-h">
            <h3 id="events-h">Events</h3>
            {events.error && <ErrorText>{describeError(events.error)}</ErrorText>}
            <ul className="events">
              {(events.data?.items ?? []).map((ev) => (
                <li key={ev.id}>
                  <strong>{ev.type.replace(/_/g, " ")}</strong> · {formatDateTime(ev.at)}
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="comments-h">
            <h3 id="comments-h">Comments</h3>
            {comments.error && <ErrorText>{describeError(comments.error)}</ErrorText>}
            <ul>
              {(comments.data?.items ?? []).map((cm) => (
                <li key={cm.id}>
                  {cm.text} <span className="hint">{formatDateTime(cm.created_at)}</span>
                </li>
              ))}
            </ul>
            <Form
        validationBehavior="aria"
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                void addComment();
              }}
            >
              <TextInput label="Comment" value={comment} onChange={setComment} error={commentError ?? undefined} />
              <Button type="submit">Add comment</Button>
            </Form>
          </section>
        </>
      )}
    </ModalDialog>
  );
}

export function MessagesDialog(props: { contact: Contact | null; onClose: () => void }) {
  const id = props.contact?.id;
  const messages = useQuery({ queryKey: ["messages", id], queryFn: () => api.messages(id as string), enabled: !!id });
  return (
    <ModalDialog title={`Messages with ${props.contact?.display_name ?? ""}`} isOpen={!!id} onOpenChange={(o) => !o && props.onClose()} wide>
      {messages.isPending && <p role="status">Loading…</p>}
      {messages.error && <ErrorText>{describeError(messages.error)}</ErrorText>}
      {messages.data && messages.data.items.length === 0 && <p>No messages yet.</p>}
      <ol className="messages" aria-label="Message history, newest first">
        {(messages.data?.items ?? []).map((m) => (
          <li key={m.id} className={`message ${m.direction ?? ""}`}>
            <div className="hint">
              {m.direction === "outgoing" ? "Sent" : m.direction === "incoming" ? "Received" : (m.direction ?? "")} ·{" "}
              {formatDateTime(m.sent_at ?? m.created_at)}
            </div>
            <div>{m.text}</div>
          </li>
        ))}
      </ol>
    </ModalDialog>
  );
}

