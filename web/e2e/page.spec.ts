import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { apiCall, createContacts, expect, screenshotPath, signIn, state, test, totalText, uniq } from "./fixtures";

test("customize columns: Name fixed, the table follows at once, the choice persists", async ({ page }) => {
  await signIn(page, "manager");
  await expect(page.getByRole("columnheader", { name: "Email" })).toBeVisible();
  await page.getByRole("button", { name: "Customize columns" }).click();
  const dialog = page.getByRole("dialog", { name: "Customize columns" });
  await expect(dialog.getByRole("checkbox", { name: "Name", exact: true })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: "Name", exact: true })).toBeDisabled();
  await dialog.locator("label.checkbox", { hasText: /^Email$/ }).click(); // "Email" is also in the Order list
  await dialog.getByText("Seats", { exact: true }).click();
  await expect(page.getByRole("columnheader", { name: "Email" })).toHaveCount(0);
  await expect(page.getByRole("columnheader", { name: "Seats" })).toBeVisible();
  // the order: Seats came last; one step earlier and it is before the column that was before it
  const headers = async () => (await page.getByRole("columnheader").allTextContents()).map((t) => t.replace(/[▲▼\s]+$/, ""));
  const before = await headers();
  const at = before.indexOf("Seats");
  await dialog.getByRole("button", { name: "Move Seats earlier" }).click();
  await expect.poll(headers).toEqual([...before.slice(0, at - 1), "Seats", before[at - 1], ...before.slice(at + 1)]);
  await page.keyboard.press("Escape");
  await page.reload();
  await expect(page.getByRole("columnheader", { name: "Seats" })).toBeVisible();
  await expect(page.getByRole("columnheader", { name: "Email" })).toHaveCount(0);
  const cols = await apiCall<{ columns: string[] }>("GET", "/v1/me/columns", undefined, "manager");
  expect(cols.columns).toContain("custom.seats");
  expect(cols.columns).not.toContain("email");
});

test("view selector: Mine and Unassigned follow the assignee; the view is in the URL", async ({ page }) => {
  const tag = uniq("vw");
  const s = state();
  await createContacts([
    { first_name: "Mine", last_name: tag, assignee_id: s.owner.id },
    { first_name: "Nobody", last_name: tag },
  ]);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("2 contacts");
  await page.getByRole("button", { name: "View", exact: true }).click();
  await page.getByRole("option", { name: "Mine" }).click();
  await expect(page).toHaveURL(/view=mine/);
  await expect(totalText(page)).toHaveText("1 contact");
  await expect(page.getByRole("row", { name: new RegExp(`Mine ${tag}`) })).toContainText("Olive Owner");
  await page.getByRole("button", { name: "View", exact: true }).click();
  await page.getByRole("option", { name: "Unassigned" }).click();
  await expect(totalText(page)).toHaveText("1 contact");
  await expect(page.getByRole("row", { name: new RegExp(`Nobody ${tag}`) })).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/view=mine/);
  await expect(page.getByRole("row", { name: new RegExp(`Mine ${tag}`) })).toBeVisible();
});

test("scrolling loads cursor pages while the DOM keeps a bounded number of rows", async ({ page }) => {
  await signIn(page, "owner", "/?sort=display_name:asc");
  await expect(totalText(page)).toHaveText(/^[\d,]+ contacts$/);
  const total = Number((await totalText(page).textContent())!.replace(/\D/g, ""));
  expect(total).toBeGreaterThan(300);
  await page.screenshot({ path: screenshotPath("contacts-table.png") });
  const scroller = page.locator(".table-scroll");
  let maxDom = 0;
  for (let i = 0; i < 30; i++) {
    await scroller.evaluate((el) => el.scrollBy(0, 1500));
    await page.waitForTimeout(120);
    maxDom = Math.max(maxDom, await page.locator("tbody tr").count());
  }
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  const lastIndex = async () => Number(await page.locator("tbody tr").last().getAttribute("data-index"));
  await expect.poll(async () => { await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight)); return lastIndex(); }, { timeout: 30_000 }).toBe(total - 1);
  expect(maxDom).toBeLessThan(80);
});

test.describe("roles", () => {
  test("an agent sees a clear no-access page", async ({ page }) => {
    await signIn(page, "agent");
    await expect(page.getByRole("heading", { name: "No access to Contacts" })).toBeVisible();
    await expect(page.getByRole("table")).toHaveCount(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page.getByRole("heading", { name: "Sign in to Contacts" })).toBeVisible();
  });

  test("a restricted manager sees Export and bulk Delete disabled with the reason", async ({ page }) => {
    await signIn(page, "restricted");
    const exp = page.getByRole("button", { name: "Export" });
    await expect(exp).toBeDisabled();
    await expect(page.getByText("Export: An owner of your workspace restricted this")).toBeVisible();
    await page.getByRole("checkbox", { name: /^Select / }).nth(1).check();
    await expect(page.getByRole("toolbar").getByRole("button", { name: "Delete" })).toBeDisabled();
    await expect(page.getByText("Delete: An owner of your workspace restricted this")).toBeVisible();
    await expect(page.getByRole("button", { name: "Assign tags" })).toBeEnabled();
  });
});

async function axe(page: Page, screen: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`)).toEqual([]);
}

test("axe: no serious or critical violations on the main screens", async ({ page, browser }) => {
  const tag = uniq("ax");
  await createContacts([{ first_name: "Axel", last_name: tag, email: `axel.${tag}@example.com` }, { first_name: "Axel", last_name: tag, phone: "+6591230000" }]);
  const ctx = await browser.newContext();
  const anon = await ctx.newPage();
  await anon.goto(state().baseURL + "/sign-in");
  await expect(anon.getByRole("heading", { name: "Sign in to Contacts" })).toBeVisible();
  await axe(anon, "sign-in");
  await ctx.close();
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("2 contacts");
  await axe(page, "table");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await page.getByRole("region", { name: "Filters" }).getByRole("button", { name: "Add condition" }).click();
  await axe(page, "filter drawer");
  await page.getByRole("button", { name: "Close filters" }).click();
  await page.getByRole("button", { name: "Add contact" }).click();
  await axe(page, "add contact");
  await page.keyboard.press("Escape");
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await page.getByRole("button", { name: "Merge contacts" }).click();
  await expect(page.getByRole("dialog", { name: "Merge contacts" }).getByRole("button", { name: "Merge contact" })).toBeEnabled();
  await axe(page, "merge dialog");
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: `Actions for Axel ${tag}` }).first().click();
  await page.getByRole("menuitem", { name: "View details" }).click();
  await expect(page.getByRole("dialog", { name: `Axel ${tag}` })).toBeVisible();
  await axe(page, "details");
  await page.keyboard.press("Escape");

  const view = await apiCall<{ id: string }>("POST", "/v1/views", { name: `Axe ${tag}`, query: tag, filter: { and: [{ field: "first_name", op: "eq", value: "Axel" }] }, visibility: "private" });
  await page.goto(`/?view=${view.id}`);
  await page.getByRole("button", { name: "Edit view" }).click();
  await expect(page.getByRole("dialog", { name: `View “Axe ${tag}”` })).toBeVisible();
  await axe(page, "edit view");
});

test.describe("custom fields", () => {
  test.use({ allowHttpErrors: [422] });
  test("added, renamed and deleted from Customize columns; a bad key is refused next to it; the columns follow", async ({ page }) => {
    const tag = uniq("cf");
    const label = `Tier ${tag}`;
    await signIn(page, "manager");
    await page.getByRole("button", { name: "Customize columns" }).click();
    await page.getByRole("dialog", { name: "Customize columns" }).getByRole("button", { name: "Add or edit custom fields…" }).click();
    const dialog = page.getByRole("dialog", { name: "Custom fields" });
    await dialog.getByRole("textbox", { name: "Label" }).fill(label);
    await expect(dialog.getByRole("textbox", { name: "Key" })).toHaveValue(`tier_${tag}`);
    await dialog.getByRole("textbox", { name: "Key" }).fill("9tier");
    await dialog.getByRole("button", { name: "Type", exact: true }).click();
    await page.getByRole("option", { name: "Choice from a list" }).click();
    await dialog.getByRole("textbox", { name: "Choices" }).fill("gold, silver");
    await dialog.getByRole("button", { name: "Add field" }).click();
    await expect(dialog.getByRole("textbox", { name: "Key" })).toHaveAttribute("aria-invalid", "true");
    await dialog.getByRole("textbox", { name: "Key" }).fill(`tier_${tag}`);
    await dialog.getByRole("button", { name: "Add field" }).click();
    await expect(dialog.getByRole("status")).toHaveText(`Added the field “${label}”.`);
    const fields = dialog.getByRole("table", { name: "Custom fields of this workspace" });
    await expect(fields.getByRole("row", { name: new RegExp(label) })).toContainText("gold, silver");

    await dialog.getByRole("button", { name: `Edit ${label}` }).click();
    const edit = page.getByRole("dialog", { name: `Edit the field “${label}”` });
    await edit.getByRole("textbox", { name: "Label" }).fill(`${label} level`);
    await edit.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByRole("status")).toHaveText(`Saved the field “${label} level”.`);

    await page.keyboard.press("Escape"); // back to Customize columns, which lists it
    const columns = page.getByRole("dialog", { name: "Customize columns" });
    await expect(columns.getByRole("checkbox", { name: `${label} level` })).toBeVisible();
    await columns.getByRole("button", { name: "Add or edit custom fields…" }).click();
    await dialog.getByRole("button", { name: `Delete ${label} level` }).click();
    await dialog.getByRole("button", { name: "Delete field" }).click();
    await expect(dialog.getByRole("status")).toHaveText(`Deleted the field “${label} level”.`);
    await expect(fields.getByRole("row", { name: new RegExp(label) })).toHaveCount(0);
  });
});
