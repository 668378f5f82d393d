import type { Locator, Page } from "@playwright/test";
import { apiCall, createContacts, expect, screenshotPath, signIn, test, totalText, uniq } from "./fixtures";

async function pick(page: Page, scope: Locator, control: string, option: string) {
  await scope.getByRole("button", { name: control, exact: true }).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

async function addCondition(page: Page, group: Locator, field: string, op: string) {
  await group.getByRole("button", { name: "Add condition" }).last().click();
  const row = group.locator("> ul > li.condition").last();
  await row.getByRole("combobox", { name: "Field" }).fill(field);
  await page.getByRole("option", { name: field, exact: true }).click();
  await pick(page, row, "Operator", op);
  return row;
}

test("filter drawer: typed conditions, a nested Any group, results follow; clear; save new inbox", async ({ page }) => {
  const tag = uniq("flt");
  await createContacts([
    { first_name: "Ann", last_name: tag, country: "MY", tags: ["vip"] },
    { first_name: "Ben", last_name: tag, country: "SG", tags: ["lead"], custom_fields: { plan: "pro" } },
    { first_name: "Cai", last_name: tag, country: "MY", custom_fields: { plan: "enterprise" } },
  ]);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("3 contacts");

  await page.getByRole("button", { name: "Filter", exact: true }).click();
  const drawer = page.getByRole("region", { name: "Filters" });
  await expect(drawer).toBeVisible();
  const root = drawer.getByRole("group", { name: "All conditions" });

  const country = await addCondition(page, root, "Country", "is any of");
  // countries and tags are chosen from the values these contacts hold, with their counts
  await pick(page, country, "Value", "Malaysia 2 contacts");
  await page.keyboard.press("Escape");
  await expect(totalText(page)).toHaveText("2 contacts");

  await root.getByRole("button", { name: "Add group" }).last().click();
  const group = root.getByRole("group", { name: "Group at level 2" });
  await expect(group.getByRole("radio", { name: "Any" })).toBeChecked();
  const tags = await addCondition(page, group, "Tags", "has any of");
  await pick(page, tags, "Value", "vip 1 contact");
  await page.keyboard.press("Escape");
  const plan = await addCondition(page, group, "Plan", "is");
  await pick(page, plan, "Value", "enterprise");
  // MY and (vip or enterprise): Ann and Cai
  await expect(totalText(page)).toHaveText("2 contacts");
  await group.getByText("All", { exact: true }).click();
  await expect(group.getByRole("radio", { name: "All" })).toBeChecked();
  await expect(totalText(page)).toHaveText("0 contacts");
  await group.getByText("Any", { exact: true }).click();
  await expect(totalText(page)).toHaveText("2 contacts");
  await expect(page.getByRole("row", { name: new RegExp(`Ann ${tag}`) })).toBeVisible();
  await expect(page.getByRole("row", { name: new RegExp(`Ben ${tag}`) })).toHaveCount(0);
  await page.screenshot({ path: screenshotPath("filter-drawer-nested-group.png") });

  // the filter is in the URL: a reload shows the same result
  await expect(page).toHaveURL(/filter=/);
  await page.reload();
  await expect(totalText(page)).toHaveText("2 contacts");
  await expect(page.getByRole("button", { name: "Filter", exact: true })).toHaveAccessibleDescription("3 conditions");
  await page.getByRole("button", { name: "Filter", exact: true }).click();
  await expect(page.getByRole("region", { name: "Filters" }).getByRole("group", { name: "Group at level 2" })).toBeVisible();

  await page.getByRole("region", { name: "Filters" }).getByRole("button", { name: "Clear" }).click();
  await expect(totalText(page)).toHaveText("3 contacts");
  await expect(page).not.toHaveURL(/filter=/);

  const drawer2 = page.getByRole("region", { name: "Filters" });
  const c2 = await addCondition(page, drawer2.getByRole("group", { name: "All conditions" }), "Country", "is");
  await pick(page, c2, "Value", "Singapore 1 contact");
  await expect(totalText(page)).toHaveText("1 contact");
  await drawer2.getByRole("button", { name: "Save new inbox" }).click();
  const dialog = page.getByRole("dialog", { name: "Save new inbox" });
  await dialog.getByRole("textbox", { name: "Name" }).fill(`Singapore ${tag}`);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/view=/);
  await expect(page.getByRole("button", { name: "View", exact: true })).toContainText(`Singapore ${tag}`);
  await expect(totalText(page)).toHaveText("1 contact");
  await page.reload();
  await expect(totalText(page)).toHaveText("1 contact");
  await page.getByRole("button", { name: "View", exact: true }).click();
  await expect(page.getByRole("option", { name: `Singapore ${tag}` })).toBeVisible();
  await page.getByRole("option", { name: "All contacts" }).click();
  await expect(page).not.toHaveURL(/view=/);
});

test.describe("a saved view", () => {
  test.use({ allowHttpErrors: [404] });
  test("shows what it selects in words; renamed, shared, given the page's search, then deleted", async ({ page }) => {
    const tag = uniq("vw");
    await createContacts([
      { first_name: "Sia", last_name: tag, country: "SG", tags: ["vip"] },
      { first_name: "Tan", last_name: tag, country: "SG" },
      { first_name: "Uma", last_name: tag, country: "MY" },
    ]);
    const view = await apiCall<{ id: string }>("POST", "/v1/views", { name: `SG ${tag}`, query: tag, filter: { and: [{ field: "country", op: "eq", value: "SG" }] }, visibility: "private" });
    await signIn(page, "owner", `/?view=${view.id}`);
    await expect(totalText(page)).toHaveText("2 contacts");

    await page.getByRole("button", { name: "Edit view" }).click();
    let dialog = page.getByRole("dialog", { name: `View “SG ${tag}”` });
    await expect(dialog.getByRole("definition").filter({ hasText: "Country is Singapore" })).toBeVisible();
    await expect(dialog.getByRole("definition").filter({ hasText: `“${tag}”` })).toBeVisible();
    await dialog.getByRole("textbox", { name: "Name" }).fill(`Singapore ${tag}`);
    await dialog.getByText("Shared with the workspace").click();
    await expect(dialog.getByRole("checkbox", { name: "Shared with the workspace" })).toBeChecked();
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole("button", { name: "View", exact: true })).toHaveAccessibleDescription(`Singapore ${tag}`);
    expect(await apiCall<{ name: string; visibility: string }>("GET", `/v1/views/${view.id}`)).toMatchObject({ name: `Singapore ${tag}`, visibility: "workspace" });

    // a search on top of the view, then kept in it: the page drops it, the view selects the same
    await page.getByRole("searchbox", { name: "Search contacts" }).fill("Sia");
    await expect(totalText(page)).toHaveText("1 contact");
    await page.getByRole("button", { name: "Edit view" }).click();
    dialog = page.getByRole("dialog", { name: `View “Singapore ${tag}”` });
    await dialog.getByText(/Add the page's current search/).click();
    await dialog.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByRole("searchbox", { name: "Search contacts" })).toHaveValue("");
    await expect(totalText(page)).toHaveText("1 contact");
    expect((await apiCall<{ query: string }>("GET", `/v1/views/${view.id}`)).query).toBe(`${tag} Sia`);

    await page.getByRole("button", { name: "Edit view" }).click();
    dialog = page.getByRole("dialog", { name: `View “Singapore ${tag}”` });
    await dialog.getByRole("button", { name: "Delete view…" }).click();
    await dialog.getByRole("button", { name: "Delete view", exact: true }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page).not.toHaveURL(/view=/);
    await expect(page.getByRole("button", { name: "View", exact: true })).toHaveAccessibleDescription("All contacts");
    await expect(page.getByRole("status").filter({ hasText: `The view “Singapore ${tag}” was deleted.` })).toBeVisible();
  });
});
