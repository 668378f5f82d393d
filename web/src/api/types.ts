// The /v1 shapes this app reads and writes (../shared/API.md).

export type Role = "owner" | "manager" | "agent";
export type Restriction = "export_contacts" | "bulk_delete_contacts";

export interface Me {
  id: string;
  email: string;
  name: string;
  role: Role;
  restrictions: Restriction[];
  workspace?: { id: string; name: string };
  signed_in_with?: "session" | "token";
}

export interface Avatar {
  url?: string;
  initials?: string;
  color?: string;
}

export interface ChannelRef {
  channel_id: string;
  channel_name: string;
  type: string;
  external_id: string;
}

export interface Contact {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  profile_pic_url: string | null;
  assignee_id: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  display_name: string;
  avatar: Avatar;
  channels: ChannelRef[];
  source: string;
  conversation_status: string;
  conversation_opened_at: string | null;
  last_interaction_at: string | null;
  last_incoming_message_at: string | null;
  last_interacted_channel_id: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export type ContactInput = Partial<
  Pick<
    Contact,
    | "first_name"
    | "last_name"
    | "email"
    | "phone"
    | "country"
    | "language"
    | "profile_pic_url"
    | "assignee_id"
    | "tags"
    | "custom_fields"
  >
>;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface SearchResult extends Page<Contact> {
  total: { value: number; relation: "eq" | "gte" };
}

export type FieldType =
  | "text"
  | "code"
  | "user"
  | "datetime"
  | "set"
  | "number"
  | "date"
  | "boolean"
  | "select"
  | "email"
  | "phone"
  | "url"
  | string;

export interface FieldInfo {
  field: string;
  label: string;
  type: FieldType;
  custom: boolean;
  operators: string[];
  sortable: boolean;
  facetable: boolean;
  column: boolean;
  importable: boolean;
  options?: string[];
}

export interface ContactFieldDef {
  key: string;
  label: string;
  type: string;
  options?: string[] | null;
}

export type Condition = { field: string; op: string; value?: unknown };
export type Group = { and: FilterNode[] } | { or: FilterNode[] };
export type FilterNode = Condition | Group;

export interface SortItem {
  field: string;
  order: "asc" | "desc";
}

export interface View {
  id: string;
  name: string;
  built_in: boolean;
  query: string | null;
  filter: Group | null;
  sort: SortItem[] | null;
  visibility: "private" | "workspace";
}

export interface Columns {
  columns: string[];
  available: { key: string; label: string }[];
}

export type Selection =
  | { ids: string[] }
  | { all_matching: { query: string | null; filter: Group | null; view_id: string | null } };

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  processed: number;
  total: number | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

export interface ExportJob {
  id: string;
  status: JobStatus;
  processed: number;
  total: number | null;
  rows: number | null;
  download_url: string | null;
  error: string | null;
}

export interface RowError {
  row: number;
  column: string;
  message: string;
}

export interface ImportJob {
  id: string;
  status: JobStatus;
  total_rows: number | null;
  processed: number;
  created: number;
  updated: number;
  unchanged?: number;
  skipped: number;
  failed: number;
  errors: RowError[];
  errors_url: string | null;
  warnings: RowError[];
  warning_count: number;
  error: string | null;
}

export interface ImportPreview {
  format: string;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  suggested_mapping: Record<string, string>;
  sample_rows: string[][];
  problems: RowError[];
}

export interface MergePreview {
  fields: { field: string; primary: unknown; secondary: unknown }[];
  tags: { primary: string[]; secondary: string[]; merged: string[] };
}

export interface MergeRecord {
  id: string;
  primary_id: string;
  secondary_id: string;
  secondary_display_name: string;
  created_at: string;
  undone_at: string | null;
}

export interface Message {
  id: string;
  direction?: string;
  text: string;
  sent_at?: string;
  created_at?: string;
  channel_id?: string;
}

export interface ContactEvent {
  id: string;
  type: string;
  at: string;
  actor_id: string | null;
  data: Record<string, unknown>;
  triggers_workflows?: boolean;
}

export interface Comment {
  id: string;
  text: string;
  created_at: string;
  author_id?: string | null;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface Channel {
  id: string;
  name: string;
  type: string;
}

export interface FacetRequest {
  field: string;
  size?: number;
}

export interface HistogramRequest {
  field: string;
  interval: "hour" | "day" | "week" | "month";
  time_zone?: string;
  from?: string;
  to?: string;
}

export interface AggregateParams {
  query?: string | null;
  view_id?: string | null;
  filter?: Group | null;
  facets?: FacetRequest[];
  histograms?: HistogramRequest[];
}

export interface FacetBucket {
  value: string | boolean | null;
  count: number;
}

export interface HistogramBucket {
  start: string;
  count: number;
}

export interface AggregateResult {
  total: number;
  facets: Record<string, FacetBucket[]>;
  histograms: Record<string, HistogramBucket[]>;
}

export interface SyncStatus {
  pending_changes: number;
  oldest_pending_seconds: number;
  parked_changes: number;
  db_contacts: number;
  index_contacts: number;
  index_documents_version: number;
  reindex_required: boolean;
  stats_window_seconds: number | null;
  indexed_documents_recent: number | null;
  indexing_rate_per_second: number | null;
  commit_to_searchable_avg_seconds: number | null;
  commit_to_searchable_max_seconds: number | null;
  indexing_stalled: boolean;
  indexing_stalled_reason: string | null;
  overdue_changes: number;
  last_relay_seconds_ago: number | null;
}

export interface ParkedChange {
  id: number;
  contact_id: string;
  version: number;
  attempts: number;
  error: string | null;
  created_at: string;
  parked_at: string;
}

export interface JobInfo extends Job {
  eta_seconds: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** A workspace's custom field (GET /v1/contact-fields). */
export interface CustomField {
  id: string;
  key: string;
  label: string;
  type: string;
  options: string[];
  created_at: string;
}
