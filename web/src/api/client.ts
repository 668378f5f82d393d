// One typed client for /v1, same origin. The session cookie authenticates (HttpOnly, set by
// POST /v1/sessions); writes echo the readable `csrf` cookie as X-CSRF-Token.
import type {
  AggregateParams, AggregateResult, JobInfo, ParkedChange, SyncStatus,
  Channel, Columns, Comment, CustomField, Contact, ContactEvent, ContactInput, ExportJob, FieldInfo, Group,
  ImportJob, ImportPreview, Job, Me, MergePreview, MergeRecord, Message, Page, SearchResult,
  Selection, SortItem, User, View,
} from "./types";

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: { loc: (string | number)[]; msg: string }[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly retryAfter: number | null;
  /** The request's method: a GET is retried by its query; a write was retried by `request` (503, 429) and has given up. */
  readonly method: Method;
  constructor(problem: Problem, retryAfter: number | null, method: Method = "GET") {
    super(problem.detail || problem.title || `Request failed (${problem.status})`);
    this.name = "ApiError";
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
    this.method = method;
  }
  /** Validation messages keyed by the last named location ("email", "custom_fields.plan"). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const loc = e.loc.filter((p) => p !== "body" && typeof p === "string") as string[];
      const key = loc.join(".") || "_";
      out[key] = out[key] ? `${out[key]}; ${e.msg}` : e.msg;
    }
    return out;
  }
}

export function readCookie(name: string): string | null {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

// The session's CSRF token as GET /v1/me reports it, used when the cookie cannot be read.
let csrfFromMe: string | null = null;
export function rememberCsrf(token: string | null | undefined) {
  csrfFromMe = token ?? null;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A write the API refused for now (503: a dependency is down, nothing was committed; 429: over the
 * rate limit) is sent again after its Retry-After, this many times in all, each wait at most
 * WRITE_RETRY_MAX_WAIT seconds. Meanwhile `writeRetry` says what is unavailable (RetryNotice shows it in
 * every dialog and page header). A write that got no answer at all is not sent again: it may have been done. */
export const WRITE_ATTEMPTS = 5;
const WRITE_RETRY_MAX_WAIT = 10;

export interface WriteRetry {
  what: string;
  seconds: number;
  attempt: number;
}
type Listener = (r: WriteRetry | null) => void;
const listeners = new Set<Listener>();
let waiting: WriteRetry | null = null;
export const writeRetry = {
  current: (): WriteRetry | null => waiting,
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
function announce(r: WriteRetry | null) {
  waiting = r;
  for (const l of listeners) l(r);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new DOMException("Aborted", "AbortError"));
    });
  });
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    return { ...body, status: res.status } as Problem;
  } catch {
    return { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 200) || undefined };
  }
}

export async function request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  if (method === "GET") return send<T>(method, path, body, signal);
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await send<T>(method, path, body, signal);
      if (attempt > 1) announce(null);
      return out;
    } catch (e) {
      const again = e instanceof ApiError && (e.status === 503 || e.status === 429) && attempt < WRITE_ATTEMPTS;
      if (!again) {
        if (attempt > 1) announce(null);
        throw e;
      }
      const seconds = Math.min(e.retryAfter ?? 2, WRITE_RETRY_MAX_WAIT);
      announce({ what: e.problem.detail || e.problem.title || "The service is unavailable", seconds, attempt: attempt + 1 });
      try {
        await sleep(seconds * 1000, signal);
      } catch (abort) {
        announce(null);
        throw abort;
      }
    }
  }
}

async function send<T>(method: Method, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (method !== "GET") {
    const csrf = readCookie("contacts_csrf") ?? readCookie("csrf") ?? csrfFromMe;
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: "same-origin", signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError({ status: 0, title: "Network error", detail: "The server could not be reached." }, 2, method);
  }
  if (!res.ok) {
    const ra = Number(res.headers.get("Retry-After"));
    throw new ApiError(await problemOf(res), Number.isFinite(ra) && ra > 0 ? ra : null, method);
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("Content-Type") ?? "";
  if (!type.includes("json")) return (await res.text()) as T;
  return (await res.json()) as T;
}

export interface SearchParams {
  query?: string | null;
  view_id?: string | null;
  filter?: Group | null;
  sort?: SortItem[] | null;
  page_size?: number;
  cursor?: string | null;
  min_version?: Record<string, number>;
}

const enc = encodeURIComponent;
/** A contact's messages, events and comments come 100 at a time; `cursor` asks for the next 100. */
const pageQuery = (cursor?: string | null) => `page_size=100${cursor ? `&cursor=${enc(cursor)}` : ""}`;

export const api = {
  signIn: (cred: { code: string } | { token: string }) => request<void>("POST", "/v1/sessions", cred),
  signOut: () => request<void>("DELETE", "/v1/sessions/current"),
  me: async () => {
    const me = await request<Me & { csrf_token?: string | null }>("GET", "/v1/me");
    rememberCsrf(me.csrf_token);
    return me;
  },
  fields: () => request<{ items: FieldInfo[] }>("GET", "/v1/fields"),
  users: () => request<Page<User>>("GET", "/v1/users?page_size=200"),
  channels: () => request<Page<Channel>>("GET", "/v1/channels?page_size=200"),
  views: () => request<Page<View>>("GET", "/v1/views"),
  createView: (v: { name: string; query: string | null; filter: Group | null; sort: SortItem[] | null; visibility: "private" | "workspace" }) =>
    request<View>("POST", "/v1/views", v),
  updateView: (id: string, v: Partial<{ name: string; query: string | null; filter: Group | null; sort: SortItem[] | null; visibility: "private" | "workspace" }>) =>
    request<View>("PATCH", `/v1/views/${enc(id)}`, v),
  deleteView: (id: string) => request<unknown>("DELETE", `/v1/views/${enc(id)}`),
  customFields: () => request<Page<CustomField>>("GET", "/v1/contact-fields?page_size=200"),
  createCustomField: (f: { key: string; label: string; type: string; options?: string[] }) => request<CustomField>("POST", "/v1/contact-fields", f),
  updateCustomField: (key: string, f: { label?: string; options?: string[] }) => request<CustomField>("PATCH", `/v1/contact-fields/${enc(key)}`, f),
  deleteCustomField: (key: string) => request<unknown>("DELETE", `/v1/contact-fields/${enc(key)}`),
  columns: () => request<Columns>("GET", "/v1/me/columns"),
  putColumns: (columns: string[]) => request<Columns>("PUT", "/v1/me/columns", { columns }),
  search: (p: SearchParams, signal?: AbortSignal) => request<SearchResult>("POST", "/v1/contacts/search", p, signal),
  contact: (id: string) => request<Contact>("GET", `/v1/contacts/${enc(id)}`),
  createContact: (c: ContactInput) => request<Contact>("POST", "/v1/contacts", c),
  updateContact: (id: string, c: ContactInput) => request<Contact>("PATCH", `/v1/contacts/${enc(id)}`, c),
  deleteContact: (id: string) => request<void>("DELETE", `/v1/contacts/${enc(id)}`),
  messages: (id: string, cursor?: string | null) => request<Page<Message>>("GET", `/v1/contacts/${enc(id)}/messages?${pageQuery(cursor)}`),
  events: (id: string, cursor?: string | null) => request<Page<ContactEvent>>("GET", `/v1/contacts/${enc(id)}/events?${pageQuery(cursor)}`),
  comments: (id: string, cursor?: string | null) => request<Page<Comment>>("GET", `/v1/contacts/${enc(id)}/comments?${pageQuery(cursor)}`),
  addComment: (id: string, text: string) => request<Comment>("POST", `/v1/contacts/${enc(id)}/comments`, { text }),
  bulkDelete: (selection: Selection) => request<Job>("POST", "/v1/contacts/bulk-delete", { selection, confirm: true }),
  bulkTags: (selection: Selection, tags: string[]) => request<Job>("POST", "/v1/contacts/bulk-tags", { selection, tags }),
  job: (id: string) => request<Job>("GET", `/v1/jobs/${enc(id)}`),
  jobs: (pageSize = 20) => request<Page<JobInfo>>("GET", `/v1/jobs?page_size=${pageSize}`),
  cancelJob: (id: string) => request<JobInfo>("POST", `/v1/jobs/${enc(id)}/cancel`),
  aggregate: (p: AggregateParams, signal?: AbortSignal) => request<AggregateResult>("POST", "/v1/contacts/aggregate", p, signal),
  syncStatus: () => request<SyncStatus>("GET", "/v1/ops/sync"),
  parkedChanges: () => request<{ items: ParkedChange[] }>("GET", "/v1/ops/sync/parked"),
  retryParked: () => request<{ retried: number }>("POST", "/v1/ops/sync/parked/retry"),
  mergePreview: (primary: string, secondary: string) =>
    request<MergePreview>("GET", `/v1/contacts/merge-preview?primary_id=${enc(primary)}&secondary_id=${enc(secondary)}`),
  merge: (primary_id: string, secondary_id: string, choose: Record<string, "primary" | "secondary">) =>
    request<{ contact: Contact; merge_id: string }>("POST", "/v1/contacts/merge", { primary_id, secondary_id, choose }),
  merges: (id: string) => request<Page<MergeRecord>>("GET", `/v1/contacts/${enc(id)}/merges`),
  unmerge: (id: string, merge_id: string) =>
    request<{ contact: Contact; secondary: Contact }>("POST", `/v1/contacts/${enc(id)}/unmerge`, { merge_id }),
  startExport: (selection: Selection, columns?: string[]) => request<{ id: string }>("POST", "/v1/exports", { selection, columns }),
  exportJob: (id: string) => request<ExportJob>("GET", `/v1/exports/${enc(id)}`),
  cancelExport: (id: string) => request<unknown>("POST", `/v1/exports/${enc(id)}/cancel`),
  importPreview: (file: File) => {
    const fd = new FormData();
    fd.append("file", file);
    return request<ImportPreview>("POST", "/v1/imports/preview", fd);
  },
  startImport: (file: File, mapping: Record<string, string>, options: { onDuplicate: string; onInvalidCell: string; blankCells: string }) => {
    const fd = new FormData();
    fd.append("file", file);
    fd.append("mapping", JSON.stringify(mapping));
    fd.append("on_duplicate", options.onDuplicate);
    fd.append("on_invalid_cell", options.onInvalidCell);
    fd.append("blank_cells", options.blankCells);
    return request<{ id: string }>("POST", "/v1/imports", fd);
  },
  cancelImport: (id: string) => request<unknown>("POST", `/v1/imports/${enc(id)}/cancel`),
  importJob: (id: string) => request<ImportJob>("GET", `/v1/imports/${enc(id)}`),
};

/** Words for an error, where it happened. A 503 names what is unavailable; a read is still being
 * retried by its query, a write has been retried by `request` and given up. */
/** A write's failure as a form shows it: a 422's messages by field and its detail, else the error in words. */
export function formProblem(e: unknown): { fields: Record<string, string>; general: string } {
  if (e instanceof ApiError && e.status === 422) return { fields: e.fieldErrors(), general: e.problem.detail ?? "Some values are not valid." };
  return { fields: {}, general: describeError(e) };
}

export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    const write = e.method !== "GET";
    if (e.status === 503)
      return `${e.problem.detail || "A service is unavailable"}. ${write ? `Tried ${WRITE_ATTEMPTS} times; nothing was saved. Try again later.` : "Retrying…"}`;
    if (e.status === 0)
      return write ? "The server could not be reached, so this may not have been saved. Check, then try again." : "The server could not be reached. Retrying…";
    if (e.status === 429 && write) return `${e.problem.detail || "Too many requests"}. Tried ${WRITE_ATTEMPTS} times; nothing was saved. Try again later.`;
    const fe = e.problem.errors?.map((x) => `${x.loc.filter((p) => p !== "body").join(".")}: ${x.msg}`).join("; ");
    return [e.problem.detail || e.problem.title, fe].filter(Boolean).join(" — ") || e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
