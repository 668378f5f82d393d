import { useEffect, useMemo, useState } from "react";
import { Form } from "react-aria-components";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "../api/client";
import { noteWritten, refreshSearch } from "../api/freshness";
import { useChannels, useUsers } from "../api/queries";
import type { Contact, FieldInfo, Page, User } from "../api/types";
import { Avatar, formatDateTime } from "../table/format";
import { Button, ErrorText, ModalDialog, SelectInput, TextInput } from "../ui/controls";
import { ContactForm, type FormValues, formValueOf, toBody } from "./ContactForm";
import { type EventLookups, eventText } from "./eventText";

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

/** One of a contact's lists (messages, events, comments), 100 at a time, with the next 100 on demand. */
function useContactList<T>(kind: string, id: string | null | undefined, fetch: (id: string, cursor: string | null) => Promise<Page<T>>) {
  const q = useInfiniteQuery({
    queryKey: [kind, id],
    queryFn: ({ pageParam }) => fetch(id as string, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled: !!id,
  });
  return { ...q, items: (q.data?.pages ?? []).flatMap((p) => p.items) };
}

/** "Load older messages" and the like while the list has more; "Loading…" while they come. */
function MoreButton({ list, label }: { list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown }; label: string }) {
  if (!list.hasNextPage) return null;
  return (
    <Button onPress={() => void list.fetchNextPage()} isDisabled={list.isFetchingNextPage}>
      {list.isFetchingNextPage ? "Loading…" : label}
    </Button>
  );
}

/** The read-only facts of a contact, each named ("Last incoming message: …"), "—" when empty. */
function Facts({ c, channelName }: { c: Contact; channelName: string | null }) {
  const when = (v: string | null) => (v ? formatDateTime(v) : "—");
  const facts: [string, string][] = [
    ["Source", c.source],
    ["Conversation", c.conversation_status],
    ["Conversation opened", when(c.conversation_opened_at)],
    ["Last interaction", when(c.last_interaction_at)],
    ["Last incoming message", when(c.last_incoming_message_at)],
    ["Last interacted channel", channelName ?? (c.last_interacted_channel_id ? "A removed channel" : "—")],
    ["Created", when(c.created_at)],
    ["Updated", when(c.updated_at)],
  ];
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

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
  const events = useContactList("events", id, api.events);
  const comments = useContactList("comments", id, api.comments);
  const [values, setValues] = useState<FormValues>({});
  const [dirty, setDirty] = useState<Set<string>>(new Set());
  const [leaving, setLeaving] = useState(false);
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

  const lookups = useEventLookups([...props.standard, ...props.custom]);
  const c = contact.data;
  return (
    <ModalDialog
      title={c ? c.display_name : "Contact details"}
      isOpen={!!id}
      onOpenChange={(o) => {
        if (o) return;
        if (dirty.size) setLeaving(true); // Escape or × over unsaved edits asks first
        else props.onClose();
      }}
      wide
    >
      {leaving && (
        <div role="alert" className="leave-bar">
          <span>You have unsaved changes.</span>
          <Button autoFocus onPress={() => setLeaving(false)}>
            Keep editing
          </Button>
          <Button variant="danger" onPress={props.onClose}>
            Discard changes
          </Button>
        </div>
      )}
      {contact.isPending && <p role="status">Loading…</p>}
      {contact.error && <ErrorText>{describeError(contact.error)}</ErrorText>}
      {c && (
        <>
          <div className="profile-head">
            <Avatar avatar={c.avatar} size={48} contact={c} />
            <div>
              <div className="profile-name">{c.display_name}</div>
            </div>
          </div>
          <Facts c={c} channelName={c.channels.find((ch) => ch.channel_id === c.last_interacted_channel_id)?.channel_name ?? null} />
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
            {events.error && <ErrorText>Events could not be loaded: {describeError(events.error)}</ErrorText>}
            {events.isPending && <p role="status">Loading the events…</p>}
            {events.isSuccess && events.items.length === 0 && <p className="hint">No events yet.</p>}
            <ul className="events">
              {events.items.map((ev) => (
                <li key={ev.id}>
                  {eventText(ev, lookups)} <span className="hint">· {formatDateTime(ev.at)}</span>
                </li>
              ))}
            </ul>
            <MoreButton list={events} label="Load more events" />
          </section>
          <section aria-labelledby="comments-h">
            <h3 id="comments-h">Comments</h3>
            {comments.error && <ErrorText>Comments could not be loaded: {describeError(comments.error)}</ErrorText>}
            {comments.isPending && <p role="status">Loading the comments…</p>}
            {comments.isSuccess && comments.items.length === 0 && <p className="hint">No comments yet.</p>}
            <ul>
              {comments.items.map((cm) => (
                <li key={cm.id}>
                  {cm.text}{" "}
                  <span className="hint">
                    · {cm.author_id ? `${lookups.userName(cm.author_id) ?? "a former user"}, ` : ""}
                    {formatDateTime(cm.created_at)}
                  </span>
                </li>
              ))}
            </ul>
            <MoreButton list={comments} label="Load more comments" />
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

/** Names for the ids an event, comment or message carries (users, channels, fields). */
function useEventLookups(fields: FieldInfo[]): EventLookups {
  const users = useUsers();
  const channels = useChannels();
  return useMemo(() => {
    const u = new Map((users.data?.items ?? []).map((x) => [x.id, x.name]));
    const ch = new Map((channels.data?.items ?? []).map((x) => [x.id, x.name]));
    const f = new Map(fields.map((x) => [x.field, x.label]));
    return { userName: (id) => u.get(id), channelName: (id) => ch.get(id), fieldLabel: (k) => f.get(k) };
  }, [users.data, channels.data, fields]);
}

export function MessagesDialog(props: { contact: Contact | null; onClose: () => void }) {
  const id = props.contact?.id;
  const lookups = useEventLookups([]);
  const messages = useContactList("messages", id, api.messages);
  return (
    <ModalDialog title={`Messages with ${props.contact?.display_name ?? ""}`} isOpen={!!id} onOpenChange={(o) => !o && props.onClose()} wide>
      {messages.isPending && <p role="status">Loading…</p>}
      {messages.error && <ErrorText>{describeError(messages.error)}</ErrorText>}
      {messages.isSuccess && messages.items.length === 0 && <p>No messages yet.</p>}
      <ol className="messages" aria-label="Message history, newest first">
        {messages.items.map((m) => (
          <li key={m.id} className={`message ${m.direction ?? ""}`}>
            <div className="hint">
              {m.direction === "outgoing" ? "Sent" : m.direction === "incoming" ? "Received" : (m.direction ?? "")} ·{" "}
              {formatDateTime(m.sent_at ?? m.created_at)}
              {m.channel_id ? ` · ${lookups.channelName(m.channel_id) ?? "a removed channel"}` : ""}
            </div>
            <div>{m.text}</div>
          </li>
        ))}
      </ol>
      <MoreButton list={messages} label="Load older messages" />
    </ModalDialog>
  );
}

