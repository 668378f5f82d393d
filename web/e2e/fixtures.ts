// Shared pieces of the browser tests: the workspace globalSetup made, API calls for test data,
// signing in through a real one-time link, and a failure on any console error.
import { test as base, expect, type Page } from "@playwright/test";
import fs from "node:fs";
import { type E2EState, STATE_FILE } from "./env";

export const state = (): E2EState => JSON.parse(fs.readFileSync(STATE_FILE, "utf8")) as E2EState;
export type Who = "owner" | "manager" | "restricted" | "agent";

export async function apiCall<T>(method: string, path: string, body?: unknown, who: Who = "owner"): Promise<T> {
  const s = state();
  const r = await fetch(s.baseURL + path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${s[who].token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return (r.status === 204 ? undefined : await r.json()) as T;
}

export interface ApiContact {
  id: string;
  display_name: string;
  version: number;
}

let counter = 0;
/** A token unique to this run and call, usable as a search term (letters only). */
export function uniq(prefix: string): string {
  counter += 1;
  const letters = (Date.now() + counter * 7919).toString(26).replace(/\d/g, (d) => "qrstuvwxyz"[Number(d)] as string);
  return `${prefix}${letters}`;
}

/** Creates contacts and waits until search returns all of them (the index follows within a second). */
export async function createContacts(items: Record<string, unknown>[]): Promise<ApiContact[]> {
  const out: ApiContact[] = [];
  for (const c of items) out.push(await apiCall<ApiContact>("POST", "/v1/contacts", c));
  const min_version = Object.fromEntries(out.map((c) => [c.id, c.version]));
  await apiCall("POST", "/v1/contacts/search", { query: "", min_version, page_size: 1 });
  return out;
}

export async function signIn(page: Page, who: Who = "owner", path = "") {
  const s = state();
  const link = await apiCall<{ url: string }>("POST", "/v1/sign-in-links", { user_id: s[who].id });
  await page.goto(link.url);
  if (who !== "agent") await expect(page.getByRole("table")).toBeVisible();
  if (path) await page.goto(path);
}

/** Where the README's screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1, else test-results
 * (so a test run leaves the work tree clean). */
export function screenshotPath(name: string): string {
  return process.env.UPDATE_SCREENSHOTS === "1" ? `../docs/screenshots/${name}` : `test-results/screenshots/${name}`;
}

/** The total as the page shows it ("<N> contacts"). */
export const totalText = (page: Page) => page.locator(".total");

// Chromium reports each HTTP error response as a console error; the ones a test provokes on
// purpose (a refused sign-in link, a 422 it checks) are listed by that test.
export const test = base.extend<{ allowHttpErrors: number[]; consoleErrors: string[] }>({
  allowHttpErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, allowHttpErrors }, use) => {
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        const t = m.text();
        const http = /status of (\d{3})/.exec(t);
        if (http && allowHttpErrors.includes(Number(http[1]))) return;
        errors.push(`${t} @ ${m.location().url}:${m.location().lineNumber}:${m.location().columnNumber}`);
      });
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      await use(errors);
      expect(errors, "console errors").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** After a test that started a long import: it stops, and the contacts it committed (those the
 * search `tag` finds) go again, so that the tests after it find the worker free and the workspace as
 * it was. Run in a `finally`, it also cleans up after a test that failed half-way. */
export async function stopImportAndDelete(importId: string, tag: string) {
  await apiCall("POST", `/v1/imports/${importId}/cancel`).catch(() => undefined); // it may have ended
  await expect.poll(async () => (await apiCall<{ status: string }>("GET", `/v1/imports/${importId}`)).status, { timeout: 30_000 }).toMatch(/^(cancelled|succeeded|failed)$/);
  const job = await apiCall<{ id: string }>("POST", "/v1/contacts/bulk-delete", { selection: { all_matching: { query: tag } }, confirm: true });
  await expect.poll(async () => (await apiCall<{ status: string }>("GET", `/v1/jobs/${job.id}`)).status, { timeout: 30_000 }).toBe("succeeded");
  const left = async () => (await apiCall<{ total: { value: number } }>("POST", "/v1/contacts/search", { query: tag, page_size: 1 })).total.value;
  await expect.poll(left, { timeout: 30_000 }).toBe(0);
}
