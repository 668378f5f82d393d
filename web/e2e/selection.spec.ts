import { apiCall, createContacts, expect, signIn, test, totalText, uniq } from "./fixtures";

test("assign tags to the selected rows: progress, result, the tag on every selected row", async ({ page }) => {
  const tag = uniq("tg");
  await createContacts(["Finn", "Gail", "Hugo"].map((n) => ({ first_name: n, last_name: tag })));
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("3 contacts");
  await page.getByRole("checkbox", { name: `Select Finn ${tag}` }).check();
  await page.getByRole("checkbox", { name: `Select Hugo ${tag}` }).check();
  await expect(page.getByText("2 selected")).toBeVisible();
  await page.getByRole("button", { name: "Assign tags" }).click();
  const dialog = page.getByRole("dialog", { name: "Assign tags" });
  await dialog.getByRole("textbox", { name: "Tags" }).fill(`gold${tag}`);
  await dialog.getByRole("button", { name: "Add tags" }).click();
  await expect(dialog.getByRole("status")).toContainText("Tagged 2 contacts");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`Finn ${tag}`) })).toContainText(`gold${tag}`);
  await expect(page.getByRole("row", { name: new RegExp(`Hugo ${tag}`) })).toContainText(`gold${tag}`);
  await expect(page.getByRole("row", { name: new RegExp(`Gail ${tag}`) })).not.toContainText(`gold${tag}`);
});

test("select all on this page, then all matching, and delete them with confirmation", async ({ page }) => {
  const tag = uniq("bd");
  const many = Array.from({ length: 55 }, (_, i) => ({ first_name: `P${String(i).padStart(2, "0")}`, last_name: tag }));
  await createContacts(many);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("55 contacts");
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await expect(page.getByText("50 selected")).toBeVisible();
  await page.getByRole("button", { name: "Select all 55 matching" }).click();
  await expect(page.getByText("55 selected")).toBeVisible();
  await page.getByRole("toolbar").getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete 55 contacts?" });
  await expect(confirm).toContainText("cannot be undone");
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(confirm.getByRole("status")).toContainText("Deleted 55 contacts");
  await confirm.getByRole("button", { name: "Done" }).click();
  await expect(totalText(page)).toHaveText("0 contacts");
  await expect(page.getByRole("searchbox", { name: "Search contacts" })).toBeFocused(); // Delete went with the selection
  await expect(page.getByText("No contacts match this search and filter.")).toBeVisible();
  const left = await apiCall<{ total: { value: number } }>("POST", "/v1/contacts/search", { query: tag });
  expect(left.total.value).toBe(0);
});
