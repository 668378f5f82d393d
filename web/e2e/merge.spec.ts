import { apiCall, createContacts, expect, screenshotPath, signIn, test, totalText, uniq } from "./fixtures";

test("merge two contacts choosing values field by field, then unmerge from the row menu", async ({ page }) => {
  const tag = uniq("mg");
  const [a, b] = await createContacts([
    { first_name: "Ivy", last_name: tag, email: `ivy.${tag}@example.com`, country: "MY", tags: ["vip"] },
    { first_name: "Ivy", last_name: tag, email: `ivy.work.${tag}@example.com`, phone: "+6591234567", country: "SG", tags: ["lead"] },
  ]);
  await signIn(page, "owner", `/?q=${tag}&sort=created_at:asc`);
  await expect(totalText(page)).toHaveText("2 contacts");
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await page.getByRole("button", { name: "Merge contacts" }).click();
  const dialog = page.getByRole("dialog", { name: "Merge contacts" });
  const email = dialog.getByRole("radiogroup", { name: "Email" });
  await expect(email.getByRole("radio", { name: `ivy.${tag}@example.com` })).toBeChecked();
  await email.getByText(`ivy.work.${tag}@example.com`).click();
  await expect(email.getByRole("radio", { name: `ivy.work.${tag}@example.com` })).toBeChecked();
  await expect(dialog.getByRole("radiogroup", { name: "Country" }).getByRole("radio", { name: "MY" })).toBeChecked();
  await page.screenshot({ path: screenshotPath("merge-dialog.png") });
  await dialog.getByRole("button", { name: "Merge contact" }).click();
  await expect(dialog).toBeHidden();
  await expect(totalText(page)).toHaveText("1 contact");
  // the toolbar's Merge contacts went with the selection: the focus is on the contact that stayed
  await expect(page.getByRole("button", { name: `Actions for Ivy ${tag}` })).toBeFocused();
  const row = page.getByRole("row", { name: new RegExp(`Ivy ${tag}`) });
  await expect(row).toContainText(`ivy.work.${tag}@example.com`);
  await expect(row).toContainText("+6591234567");
  await expect(row).toContainText("Malaysia");
  await expect(row).toContainText("lead");
  await expect(row).toContainText("vip");
  const merged = await apiCall<{ email: string }>("GET", `/v1/contacts/${a!.id}`);
  expect(merged.email).toBe(`ivy.work.${tag}@example.com`);

  await page.getByRole("button", { name: `Actions for Ivy ${tag}` }).click();
  await page.getByRole("menuitem", { name: "Unmerge contact" }).click();
  const un = page.getByRole("dialog", { name: "Unmerge contact" });
  await expect(un.getByRole("radio", { name: new RegExp(`Ivy ${tag}`) })).toBeChecked();
  await un.getByRole("button", { name: "Unmerge" }).click();
  await expect(un).toBeHidden();
  await expect(totalText(page)).toHaveText("2 contacts");
  const back = await apiCall<{ email: string }>("GET", `/v1/contacts/${b!.id}`);
  expect(back.email).toBe(`ivy.work.${tag}@example.com`);
  await expect(page.getByRole("row", { name: new RegExp(`Ivy ${tag}`) }).filter({ hasText: `ivy.${tag}@example.com` })).toBeVisible();
});

test("merge: the user chooses which contact stays", async ({ page }) => {
  const tag = uniq("mk");
  const [, second] = await createContacts([
    { first_name: "Jo", last_name: tag, email: `jo.${tag}@example.com` },
    { first_name: "Jo", last_name: tag, email: `jo.home.${tag}@example.com`, country: "SG" },
  ]);
  await signIn(page, "owner", `/?q=${tag}&sort=created_at:asc`);
  await expect(totalText(page)).toHaveText("2 contacts");
  await page.getByRole("checkbox", { name: "Select all on this page" }).check();
  await page.getByRole("button", { name: "Merge contacts" }).click();
  const dialog = page.getByRole("dialog", { name: "Merge contacts" });
  await expect(dialog).toContainText(`Jo ${tag} (jo.${tag}@example.com) stays; Jo ${tag} (jo.home.${tag}@example.com) is merged into it.`);
  await dialog.getByRole("button", { name: `Keep Jo ${tag} (jo.home.${tag}@example.com) instead` }).click();
  await expect(dialog).toContainText(`Jo ${tag} (jo.home.${tag}@example.com) stays; Jo ${tag} (jo.${tag}@example.com) is merged into it.`);
  // the values offered follow the new direction: the staying contact's own value first
  const email = dialog.getByRole("radiogroup", { name: "Email" });
  await expect(email.getByRole("radio", { name: `jo.home.${tag}@example.com` })).toBeChecked();
  await dialog.getByRole("button", { name: "Merge contact" }).click();
  await expect(dialog).toBeHidden();
  await expect(totalText(page)).toHaveText("1 contact");
  const kept = await apiCall<{ id: string; email: string; country: string }>("GET", `/v1/contacts/${second!.id}`);
  expect(kept).toMatchObject({ id: second!.id, email: `jo.home.${tag}@example.com`, country: "SG" });
  // once the index has caught up with the merge, search finds only the contact that stayed
  await expect
    .poll(async () => (await apiCall<{ items: { id: string }[] }>("POST", "/v1/contacts/search", { query: tag })).items.map((c) => c.id))
    .toEqual([second!.id]);
});
