import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";
import { apiCall, createContacts, expect, screenshotPath, signIn, state, test, totalText, uniq } from "./fixtures";

/** The chart's numbers as its table shows them, after "Show as table". */
async function tableOf(page: Page, title: string): Promise<Locator> {
  const card = page.getByRole("region", { name: title });
  const toggle = card.getByRole("button", { name: "Show as table" });
  if ((await toggle.getAttribute("aria-pressed")) !== "true") await toggle.click();
  const table = card.getByRole("table", { name: title });
  await expect(table).toBeVisible();
  return table;
}

async function seed(tag: string) {
  const s = state();
  await createContacts([
    { first_name: "Ada", last_name: tag, country: "MY", tags: ["vip", "lead"] },
    { first_name: "Bo", last_name: tag, country: "MY", tags: ["vip"] },
    { first_name: "Cy", last_name: tag, country: "SG", tags: ["lead"] },
    { first_name: "Di", last_name: tag, country: "MY" },
  ]);
  // two contacts who wrote in on the channel: open conversations, one of them assigned
  const inbound = [];
  for (const first of ["Eve", "Fay"]) {
    inbound.push(
      await apiCall<{ contact_id: string }>("POST", `/v1/channels/${s.channelId}/inbound`, {
        external_id: `6019${Math.floor(Math.random() * 1e7)}`,
        profile: { first_name: first, last_name: tag },
        text: "hello",
      }),
    );
  }
  const assigned = await apiCall<{ id: string; version: number }>("PATCH", `/v1/contacts/${inbound[0]!.contact_id}`, { assignee_id: s.manager.id });
  await apiCall("POST", "/v1/contacts/search", { query: tag, min_version: { [assigned.id]: assigned.version }, page_size: 1 });
}

test("dashboard: exact counts of the contacts the search selects, as tables; a drawer filter with counted choices changes them", async ({ page }) => {
  const tag = uniq("dsh");
  await seed(tag);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("6 contacts");
  // the navigation keeps the search
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  await expect(page).toHaveURL(new RegExp(`/dashboard\\?q=${tag}`));
  await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Dashboard" })).toHaveAttribute("aria-current", "page");
  await expect(totalText(page)).toHaveText("6 contacts");

  const country = await tableOf(page, "Contacts by country");
  await expect(country.getByRole("row", { name: "Malaysia 3" })).toBeVisible();
  await expect(country.getByRole("row", { name: "Singapore 1" })).toBeVisible();
  const tags = await tableOf(page, "Contacts by tag");
  await expect(tags.getByRole("row", { name: "lead 2" })).toBeVisible();
  await expect(tags.getByRole("row", { name: "vip 2" })).toBeVisible();
  await expect(tags.getByRole("row")).toHaveCount(3); // the header and two tags
  const channels = await tableOf(page, "Contacts by channel");
  await expect(channels.getByRole("row", { name: "Acme WhatsApp 2" })).toBeVisible();
  const open = await tableOf(page, "Open conversations by assignee");
  await expect(open.getByRole("row", { name: "Mona Manager 1" })).toBeVisible();
  await expect(open.getByRole("row", { name: "Unassigned 1" })).toBeVisible();
  const ages = await tableOf(page, "Time since last incoming message");
  await expect(ages.getByRole("row", { name: "Less than 1 hour 2" })).toBeVisible();
  await expect(ages.getByRole("row", { name: "No incoming message 4" })).toBeVisible();
  await expect(ages.getByRole("row", { name: "More than 30 days 0" })).toBeVisible();
  const perDay = await tableOf(page, "New contacts per day");
  await expect(perDay.getByRole("row")).toHaveCount(91);
  const today = new Intl.DateTimeFormat("en-US", { dateStyle: "medium" }).format(new Date());
  await expect(perDay.getByRole("row", { name: `${today} 6` })).toBeVisible();

  // a filter from the same drawer as the Contacts page: its choices carry counts
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  const drawer = page.getByRole("region", { name: "Filters" });
  const root = drawer.getByRole("group", { name: "All conditions" });
  await root.getByRole("button", { name: "Add condition" }).click();
  const row = root.locator("> ul > li.condition").last();
  await row.getByRole("combobox", { name: "Field" }).fill("Country");
  await page.getByRole("option", { name: "Country", exact: true }).click();
  await row.getByRole("button", { name: "Operator", exact: true }).click();
  await page.getByRole("option", { name: "is any of", exact: true }).click();
  await row.getByRole("button", { name: "Value", exact: true }).click();
  await expect(page.getByRole("option", { name: "Singapore 1 contact", exact: true })).toBeVisible();
  await page.getByRole("option", { name: "Malaysia 3 contacts", exact: true }).click();
  await page.keyboard.press("Escape");
  await expect(totalText(page)).toHaveText("3 contacts");
  await expect(page).toHaveURL(/filter=/);
  await expect(country.getByRole("row", { name: "Malaysia 3" })).toBeVisible();
  await expect(country.getByRole("row", { name: /Singapore/ })).toHaveCount(0);
  await expect(tags.getByRole("row", { name: "vip 2" })).toBeVisible();
  await expect(tags.getByRole("row", { name: "lead 1" })).toBeVisible();
  await expect(ages.getByRole("row", { name: "No incoming message 3" })).toBeVisible();
  await expect(ages.getByRole("row", { name: "Less than 1 hour 0" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Open conversations by assignee" })).toContainText("No open conversations among these contacts.");
  // the condition being edited is left out of its own counts; the others count
  await row.getByRole("button", { name: "Value", exact: true }).click();
  await expect(page.getByRole("option", { name: "Singapore 1 contact", exact: true })).toBeVisible();
  await page.keyboard.press("Escape");
  await root.getByRole("button", { name: "Add condition" }).click();
  const tagRow = root.locator("> ul > li.condition").last();
  await tagRow.getByRole("combobox", { name: "Field" }).fill("Tags");
  await page.getByRole("option", { name: "Tags", exact: true }).click();
  await tagRow.getByRole("button", { name: "Operator", exact: true }).click();
  await page.getByRole("option", { name: "has any of", exact: true }).click();
  await tagRow.getByRole("button", { name: "Value", exact: true }).click();
  await expect(page.getByRole("option", { name: "vip 2 contacts", exact: true })).toBeVisible();
  await expect(page.getByRole("option", { name: "lead 1 contact", exact: true })).toBeVisible();
  await page.screenshot({ path: screenshotPath("filter-drawer-counts.png") });
  await page.keyboard.press("Escape");
  await axe(page, "dashboard with the filter drawer");
  await page.getByRole("button", { name: "Close filters" }).click();

  // back to Contacts: the same search and filter
  await page.getByRole("link", { name: "Contacts" }).click();
  await expect(page.getByRole("table")).toBeVisible();
  await expect(totalText(page)).toHaveText("3 contacts");

  // back on the dashboard, a tag's row links to the contacts it counts, on the Contacts page
  await page.goBack();
  const tagsAgain = await tableOf(page, "Contacts by tag");
  await tagsAgain.getByRole("link", { name: "lead" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Contacts" })).toBeVisible();
  await expect(totalText(page)).toHaveText("1 contact");
  await expect(page.getByRole("button", { name: "Filter", exact: true })).toHaveAccessibleDescription("2 conditions");
});

async function axe(page: Page, screen: string) {
  const r = await new AxeBuilder({ page }).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`)).toEqual([]);
}

test.describe("who sees Dashboard and Ops", () => {
  test("an agent can open neither", async ({ page }) => {
    await signIn(page, "agent");
    await expect(page.getByRole("heading", { name: "No access to Contacts" })).toBeVisible(); // signed in
    for (const path of ["/dashboard", "/ops"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { name: "No access to Contacts" })).toBeVisible();
      await expect(page.getByRole("heading", { name: /Dashboard|Ops/ })).toHaveCount(0);
      await expect(page.getByRole("region", { name: "Contacts by country" })).toHaveCount(0);
    }
  });

  test("a manager has Dashboard but not Ops; the dashboard of the whole workspace, light and dark", async ({ page }) => {
    await signIn(page, "manager");
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link")).toHaveText(["Contacts", "Dashboard"]);
    await page.goto("/ops");
    await expect(page.getByRole("heading", { name: "No access to Ops" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Parked changes" })).toHaveCount(0);
    await nav.getByRole("link", { name: "Dashboard" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Dashboard" })).toBeVisible();
    await expect(totalText(page)).toHaveText(/^[\d,]+ contacts?$/);
    // every chart of the seeded workspace drawn, in light and in dark (axe checks the contrast)
    await page.setViewportSize({ width: 1400, height: 1250 });
    for (const title of ["Contacts by channel", "Contacts by tag", "Contacts by country", "New contacts per day", "Time since last incoming message"])
      await expect(page.getByRole("region", { name: title }).getByRole("img", { name: /^Bar chart of/ })).toBeVisible();
    await page.screenshot({ path: screenshotPath("dashboard.png") });
    await page.emulateMedia({ colorScheme: "dark" });
    await axe(page, "dashboard in dark");
    await page.screenshot({ path: screenshotPath("dashboard-dark.png") });
  });
});
