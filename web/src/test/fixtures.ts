import type { Contact, FieldInfo } from "../api/types";

export function contact(over: Partial<Contact> & { id: string; display_name: string }): Contact {
  return {
    first_name: null, last_name: null, email: null, phone: null, country: null, language: null, profile_pic_url: null,
    assignee_id: null, tags: [], custom_fields: {}, avatar: { initials: "JD", color: "#336699" }, channels: [],
    source: "contacts_module", conversation_status: "closed", conversation_opened_at: null, last_interaction_at: null,
    last_incoming_message_at: null, last_interacted_channel_id: null, created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z", version: 1, ...over,
  };
}

const f = (field: string, label: string, type: string, operators: string[], extra: Partial<FieldInfo> = {}): FieldInfo => ({
  field, label, type, custom: false, operators, sortable: true, facetable: false, column: true, importable: true, ...extra,
});

export const FIELDS: FieldInfo[] = [
  f("first_name", "First name", "text", ["eq", "neq", "contains", "not_contains", "starts_with", "exists", "not_exists"]),
  f("country", "Country", "code", ["eq", "neq", "in", "not_in", "exists", "not_exists"]),
  f("tags", "Tags", "set", ["has_any", "has_all", "has_none", "exists", "not_exists"], { sortable: false }),
  f("created_at", "Created at", "datetime", ["before", "after", "between", "within_last", "older_than", "exists", "not_exists"]),
  f("custom.seats", "Seats", "number", ["eq", "neq", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"], { custom: true }),
  f("custom.plan", "Plan", "select", ["eq", "neq", "in", "not_in", "exists", "not_exists"], { custom: true, options: ["free", "pro"] }),
];
