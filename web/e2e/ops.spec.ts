import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import path from "node:path";
import type { Locator } from "@playwright/test";
import { REPO } from "./env";
import { apiCall, createContacts, expect, screenshotPath, signIn, state, stopImportAndDelete, test, uniq } from "./fixtures";

/** Breaks or fixes a contact's data around the API (see parked_change.py), on the e2e stack's database. */
function parkedChange(action: "break" | "fix", contactId: string) {
  execFileSync(path.join(REPO, ".venv", "bin", "python"), [path.join(REPO, "web", "e2e", "parked_change.py"), action, contactId], {
    cwd: REPO,
    stdio: "inherit",
  });
}

const figure = (scope: Locator, term: string) => scope.locator(".figure", { has: scope.page().getByRole("term").filter({ hasText: term }) }).getByRole("definition");

test("ops: sync figures refreshed live, a parked change retried, recent jobs with their progress", async ({ page }) => {
  const tag = uniq("ops");
  const [contact] = await createContacts([{ first_name: "Parker", last_name: tag }]);
  const id = contact!.id;
  await apiCall("POST", "/v1/exports", { selection: { ids: [id] } });
  await signIn(page, "owner", "/ops");
  await expect(page.getByRole("heading", { level: 1, name: "Ops" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Ops" })).toHaveAttribute("aria-current", "page");

  const sync = page.getByRole("region", { name: "Search index sync" });
  await expect(figure(sync, "Outbox backlog")).toHaveText(/^\d+ changes? waiting to be indexed$/);
  await expect(figure(sync, "Oldest pending change")).toHaveText(/^(None pending|.+ old)$/);
  // what the relay just did for this workspace (the contact above, at least)
  await expect(figure(sync, "Indexing rate")).toHaveText(/documents?\/(s|min) \([1-9][\d,]* documents? in the last 5 min\)/);
  await expect(figure(sync, "Commit to searchable")).toHaveText(/on average, .+ at worst \(last 5 min\)/);
  await expect(figure(sync, "Reindex required")).toHaveText("No");
  const status = await apiCall<{ db_contacts: number; index_contacts: number }>("GET", "/v1/ops/sync");
  const n = (x: number) => x.toLocaleString("en-US");
  await expect(figure(sync, "Contacts")).toHaveText(`${n(status.db_contacts)} in the database, ${n(status.index_contacts)} in the index`);
  await expect(figure(sync, "Parked changes")).toHaveText("0");

  // the export shows among the recent jobs, with its progress
  const jobs = page.getByRole("region", { name: "Jobs" });
  await expect(jobs.getByRole("row", { name: /^Export succeeded 1 of 1/ }).first()).toBeVisible();

  // a change the worker cannot index is parked after its second failure, live on the page
  parkedChange("break", id);
  const parked = page.getByRole("region", { name: "Parked changes" });
  const parkedRow = parked.getByRole("row", { name: new RegExp(id) });
  await expect(parkedRow).toBeVisible({ timeout: 20_000 });
  await expect(parkedRow).toContainText("document build failed");
  await expect(figure(sync, "Parked changes")).toHaveText("1");
  await page.screenshot({ path: screenshotPath("ops.png"), fullPage: true });
  const r = await new AxeBuilder({ page }).analyze();
  expect(r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `ops: ${v.id}`)).toEqual([]);

  // once the data is fixed, a retry indexes it
  parkedChange("fix", id);
  await parked.getByRole("button", { name: "Retry parked changes" }).click();
  await expect(parked.getByRole("status")).toHaveText("1 change queued for indexing again.");
  await expect(parked.getByText("No parked changes.")).toBeVisible();
  await expect(figure(sync, "Parked changes")).toHaveText("0");
  await expect
    .poll(async () => {
      const found = await apiCall<{ items: { custom_fields: Record<string, unknown> }[] }>("POST", "/v1/contacts/search", { query: tag });
      return found.items[0]?.custom_fields.seats;
    })
    .toBe(7);
});

/** Starts an import of `rows` new contacts through the API (multipart), as the Import dialog does. */
async function startImport(tag: string, rows: number): Promise<string> {
  const lines = ["First,Last,Email"];
  for (let i = 0; i < rows; i++) lines.push(`P${i},${tag},p${i}.${tag}@example.com`);
  const form = new FormData();
  form.append("file", new Blob([lines.join("\n")], { type: "text/csv" }), `${tag}.csv`);
  form.append("mapping", JSON.stringify({ First: "first_name", Last: "last_name", Email: "email" }));
  const s = state();
  const r = await fetch(`${s.baseURL}/v1/imports`, { method: "POST", headers: { Authorization: `Bearer ${s.owner.token}` }, body: form });
  expect(r.status, await r.clone().text()).toBe(202);
  return ((await r.json()) as { id: string }).id;
}

test("ops: a running import cancelled from the jobs list keeps what it committed and stops", async ({ page }) => {
  test.setTimeout(120_000);
  const tag = uniq("cancel");
  const rows = 300_000; // a minute or more of work for the worker: it is still running when Cancel is pressed
  const id = await startImport(tag, rows);
  const found = async () => (await apiCall<{ total: { value: number } }>("POST", "/v1/contacts/search", { query: tag, page_size: 1 })).total.value;
  try {
    await signIn(page, "owner", "/ops");
    const jobs = page.getByRole("region", { name: "Jobs" });
    const cancelName = { name: "Cancel import job" };
    const cancel = jobs.getByRole("button", cancelName);
    const running = jobs.getByRole("row").filter({ has: page.getByRole("button", cancelName) });
    await expect(running).toContainText("running", { timeout: 20_000 });
    await expect(running.getByRole("progressbar", { name: "Import progress" })).toBeVisible();
    await cancel.click();
    await expect(cancel).toHaveCount(0);
    await expect(jobs.getByRole("row", { name: /^Import cancelled/ }).first()).toBeVisible();

    // What the job committed before it stopped stays, and nothing is added after the cancel.
    const report = await apiCall<{ status: string; created: number; total_rows: number }>("GET", `/v1/imports/${id}`);
    expect(report.status).toBe("cancelled");
    expect(report.created).toBeLessThan(rows);
    await page.waitForTimeout(3_000);
    const later = await apiCall<{ status: string; created: number }>("GET", `/v1/imports/${id}`);
    expect(later).toMatchObject({ status: "cancelled", created: report.created });
    await expect.poll(found, { timeout: 30_000 }).toBe(report.created);
  } finally {
    await stopImportAndDelete(id, tag);
  }
});
