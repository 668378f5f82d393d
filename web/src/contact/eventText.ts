// What an event of a contact's activity says, in words: what happened, to what, and who did it.
import type { ContactEvent } from "../api/types";

export interface EventLookups {
  userName: (id: string) => string | undefined;
  channelName: (id: string) => string | undefined;
  fieldLabel: (key: string) => string | undefined;
}

// fields of the contact record the field registry does not list as filterable fields
const OTHER_LABELS: Record<string, string> = { assignee_id: "Assignee", tags: "Tags", conversation_status: "Conversation", profile_pic_url: "Picture" };

const list = (xs: unknown): string[] => (Array.isArray(xs) ? xs.map(String) : []);
const str = (x: unknown): string | null => (typeof x === "string" && x ? x : null);

/** The event's sentence, without its time (shown beside it). */
export function eventText(ev: ContactEvent, lk: EventLookups): string {
  const d = ev.data ?? {};
  const channel = str(d.channel_id) ? (lk.channelName(d.channel_id as string) ?? "a channel") : null;
  const fields = (keys: string[]) => keys.map((k) => lk.fieldLabel(k) ?? lk.fieldLabel(`custom.${k}`) ?? OTHER_LABELS[k] ?? k).join(", ");
  let what: string;
  switch (ev.type) {
    case "created":
      what =
        d.source === "channel" ? `Created by a first message${channel ? ` on ${channel}` : ""}`
        : d.source === "import" ? "Created by an import"
        : "Created";
      break;
    case "updated": {
      const f = list(d.fields);
      what = f.length ? `Updated ${fields(f)}` : "Updated";
      break;
    }
    case "tagged": {
      const added = list(d.added);
      const removed = list(d.removed);
      what = [added.length ? `Tagged ${added.join(", ")}` : "", removed.length ? `Untagged ${removed.join(", ")}` : ""].filter(Boolean).join("; ") || "Tags changed";
      break;
    }
    case "assigned": {
      const to = str(d.to);
      const from = str(d.from);
      what = to ? `Assigned to ${lk.userName(to) ?? "a former user"}` : `Unassigned${from ? ` (was ${lk.userName(from) ?? "a former user"})` : ""}`;
      break;
    }
    case "conversation_opened":
      what = d.reason === "unmerge" ? "Conversation opened again by an unmerge" : `Conversation opened${channel ? ` by a message on ${channel}` : ""}`;
      break;
    case "conversation_closed":
      what = d.reason === "merge" ? "Conversation closed by a merge" : "Conversation closed";
      break;
    case "merged": {
      const taken = list(d.taken);
      what = `Merged with another contact${taken.length ? `, taking its ${fields(taken)}` : ""}`;
      break;
    }
    case "unmerged": {
      const reverted = list(d.reverted);
      what = str(d.primary_id) ? "Split off again from the contact it was merged into" : `Unmerged: the other contact is back${reverted.length ? `, and ${fields(reverted)} went back` : ""}`;
      break;
    }
    default:
      what = ev.type.replace(/_/g, " ");
  }
  const who = ev.actor_id ? ` by ${lk.userName(ev.actor_id) ?? "a former user"}` : "";
  const quiet = ev.triggers_workflows === false ? " (did not trigger workflows)" : "";
  return `${what}${who}${quiet}`;
}
