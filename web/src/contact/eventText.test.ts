import type { ContactEvent } from "../api/types";
import { eventText } from "./eventText";

const lk = {
  userName: (id: string) => ({ u1: "Mona Manager" })[id],
  channelName: (id: string) => ({ ch1: "Acme WhatsApp" })[id],
  fieldLabel: (k: string) => ({ email: "Email", last_name: "Last name", "custom.plan": "Plan" })[k],
};
const ev = (type: string, data: Record<string, unknown>, extra: Partial<ContactEvent> = {}): ContactEvent => ({ id: "e", type, at: "2026-01-01T00:00:00Z", actor_id: null, data, ...extra });

test("each event says what happened, to which fields, and who did it", () => {
  expect(eventText(ev("created", { source: "channel", channel_id: "ch1" }), lk)).toBe("Created by a first message on Acme WhatsApp");
  expect(eventText(ev("updated", { fields: ["email", "last_name", "plan"] }, { actor_id: "u1" }), lk)).toBe("Updated Email, Last name, Plan by Mona Manager");
  expect(eventText(ev("tagged", { added: ["vip"], removed: ["lead"] }), lk)).toBe("Tagged vip; Untagged lead");
  expect(eventText(ev("assigned", { from: null, to: "u1" }), lk)).toBe("Assigned to Mona Manager");
  expect(eventText(ev("assigned", { from: "u9", to: null }, { actor_id: "u1" }), lk)).toBe("Unassigned (was a former user) by Mona Manager");
});

test("a merge's closing of the conversation says it did not trigger workflows", () => {
  expect(eventText(ev("conversation_closed", { reason: "merge" }, { triggers_workflows: false }), lk)).toBe("Conversation closed by a merge (did not trigger workflows)");
  expect(eventText(ev("merged", { taken: ["email"] }, { actor_id: "u1" }), lk)).toBe("Merged with another contact, taking its Email by Mona Manager");
});
