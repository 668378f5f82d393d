import { apiCall, createContacts, expect, signIn, state, test, totalText, uniq } from "./fixtures";

test.describe("add contact", () => {
  test.use({ allowHttpErrors: [422] });
  test("the API's 422 sits next to the field; a valid contact appears in the table", async ({ page }) => {
    const tag = uniq("add");
    await signIn(page, "owner", `/?q=${tag}`);
    await expect(totalText(page)).toHaveText("0 contacts");
    await page.getByRole("button", { name: "Add contact" }).click();
    const dialog = page.getByRole("dialog", { name: "Add contact" });
    await expect(dialog.getByRole("textbox", { name: "First name" })).toBeFocused({ timeout: 2000 }).catch(() => undefined);
    await dialog.getByRole("textbox", { name: "First name" }).fill("Zoë");
    await dialog.getByRole("textbox", { name: "Last name" }).fill(tag);
    await dialog.getByRole("textbox", { name: "Phone" }).fill("12");
    await dialog.getByRole("combobox", { name: "Country" }).fill("Malaysia");
    await page.getByRole("option", { name: "Malaysia (MY)" }).click();
    await dialog.getByRole("button", { name: "Add", exact: true }).click();
    const phone = dialog.getByRole("textbox", { name: "Phone" });
    await expect(phone).toHaveAttribute("aria-invalid", "true");
    const describedBy = (await phone.getAttribute("aria-describedby")) ?? "";
    await expect(dialog.locator(`[id="${describedBy.split(" ")[0]}"]`)).toContainText(/phone|number/i);
    await phone.fill("012-345 6789");
    await dialog.getByRole("button", { name: "Add", exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(totalText(page)).toHaveText("1 contact");
    await expect(page.getByRole("row", { name: new RegExp(`Zoë ${tag}`) })).toContainText("+60123456789");
    await expect(page.getByRole("row", { name: new RegExp(`Zoë ${tag}`) })).toContainText("Malaysia"); // the code MY, by its name
  });
});

test("row menu: view details, edit and save, comment; view messages newest first; delete with confirmation", async ({ page }) => {
  const tag = uniq("row");
  const s = state();
  const inbound = async (text: string, at: string) =>
    apiCall<{ contact_id: string }>("POST", `/v1/channels/${s.channelId}/inbound`, {
      external_id: `wa-${tag}`, profile: { first_name: "Dora", last_name: tag }, text, sent_at: at,
    });
  const { contact_id } = await inbound("first hello", "2026-01-01T10:00:00Z");
  await inbound("second message", "2026-01-02T10:00:00Z");
  const [eve] = await createContacts([{ first_name: "Eve", last_name: tag, email: `eve.${tag}@example.com` }]);
  const c = await apiCall<{ version: number }>("GET", `/v1/contacts/${contact_id}`);
  await apiCall("POST", "/v1/contacts/search", { min_version: { [contact_id]: c.version }, page_size: 1 });

  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("2 contacts");

  await page.getByRole("button", { name: `Actions for Dora ${tag}` }).click();
  await page.getByRole("menuitem", { name: "View details" }).click();
  const details = page.getByRole("dialog", { name: `Dora ${tag}` });
  await expect(details.getByText("Acme WhatsApp (whatsapp): wa-" + tag)).toBeVisible();
  await expect(details.getByRole("heading", { name: "Events" })).toBeVisible();
  await details.getByRole("textbox", { name: "Last name" }).fill(`${tag} Renamed`);
  await details.getByRole("button", { name: /Assignee/ }).click();
  await page.getByRole("option", { name: "Mona Manager" }).click();
  await details.getByRole("button", { name: "Save" }).click();
  await expect(details.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  // the activity says what changed and who changed it
  const events = details.getByRole("region", { name: "Events" }).getByRole("listitem");
  await expect(events.filter({ hasText: /^Assigned to Mona Manager by \S/ })).toBeVisible();
  await expect(events.filter({ hasText: /^Updated Assignee, Last name by \S/ })).toBeVisible();
  await expect(events.filter({ hasText: /^Created by a first message on Acme WhatsApp/ })).toBeVisible();
  await details.getByRole("textbox", { name: "Comment" }).fill("Prefers e-mail");
  await details.getByRole("button", { name: "Add comment" }).click();
  await expect(details.getByText("Prefers e-mail")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("row", { name: new RegExp(`Dora ${tag} Renamed`) })).toContainText("Mona Manager");
  await expect(page.getByRole("button", { name: /^Actions for Dora/ })).toBeFocused();

  await page.getByRole("button", { name: `Actions for Dora ${tag} Renamed` }).click();
  await page.getByRole("menuitem", { name: "View messages" }).click();
  const messages = page.getByRole("dialog", { name: /Messages with Dora/ });
  const items = messages.getByRole("listitem");
  await expect(items).toHaveCount(2);
  await expect(items.first()).toContainText("second message");
  await expect(items.last()).toContainText("first hello");
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: `Actions for Eve ${tag}` }).click();
  await page.getByRole("menuitem", { name: "Delete" }).click();
  const confirm = page.getByRole("dialog", { name: `Delete Eve ${tag}?` });
  await expect(confirm).toContainText("cannot be undone");
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`Eve ${tag}`) })).toHaveCount(0);
  await expect(totalText(page)).toHaveText("1 contact");
  // gone for good: the API answers 404 for it
  await expect(apiCall("GET", `/v1/contacts/${eve!.id}`)).rejects.toThrow(/404/);
});

test("a long history: details show every fact; messages come 100 at a time, the older ones on demand", async ({ page }) => {
  const tag = uniq("long");
  const s = state();
  let contactId = "";
  for (let i = 1; i <= 103; i++) {
    const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
    const r = await apiCall<{ contact_id: string }>("POST", `/v1/channels/${s.channelId}/inbound`, {
      external_id: `wa-${tag}`, profile: { first_name: "Lena", last_name: tag }, text: `message ${i}`, sent_at: at,
    });
    contactId = r.contact_id;
  }
  const c = await apiCall<{ version: number }>("GET", `/v1/contacts/${contactId}`);
  await apiCall("POST", "/v1/contacts/search", { min_version: { [contactId]: c.version }, page_size: 1 });
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("1 contact");

  await page.getByRole("button", { name: `Actions for Lena ${tag}` }).click();
  await page.getByRole("menuitem", { name: "View details" }).click();
  const details = page.getByRole("dialog", { name: `Lena ${tag}` });
  const fact = (term: string) => details.locator(".facts > div", { has: page.getByRole("term").filter({ hasText: new RegExp(`^${term}$`) }) }).getByRole("definition");
  await expect(fact("Conversation")).toHaveText("open");
  await expect(fact("Last interacted channel")).toHaveText("Acme WhatsApp");
  await expect(fact("Last incoming message")).toContainText("2026");
  await expect(fact("Conversation opened")).not.toHaveText("—");
  await expect(details.getByText("No comments yet.")).toBeVisible();
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: `Actions for Lena ${tag}` }).click();
  await page.getByRole("menuitem", { name: "View messages" }).click();
  const messages = page.getByRole("dialog", { name: /Messages with Lena/ });
  const items = messages.getByRole("listitem");
  await expect(items).toHaveCount(100);
  await expect(items.first()).toContainText("message 103");
  await expect(items.last()).toHaveText(/message 4$/);
  await messages.getByRole("button", { name: "Load older messages" }).click();
  await expect(items).toHaveCount(103);
  await expect(items.last()).toHaveText(/message 1$/);
  await expect(messages.getByRole("button", { name: "Load older messages" })).toHaveCount(0);
});

test("a contact's name opens its record, whose address survives a reload; Close and Back leave it", async ({ page }) => {
  const tag = uniq("link");
  const [c] = await createContacts([{ first_name: "Noor", last_name: tag, email: `noor.${tag}@example.com` }]);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("1 contact");
  const name = page.getByRole("link", { name: `Noor ${tag}` });
  await expect(name).toHaveAttribute("href", new RegExp(`contact=${c!.id}`));
  await name.click();
  const details = page.getByRole("dialog", { name: `Noor ${tag}` });
  await expect(details.getByRole("textbox", { name: "Email" })).toHaveValue(`noor.${tag}@example.com`);
  expect(new URL(page.url()).searchParams.get("contact")).toBe(c!.id);

  await page.reload(); // the address opens the same record, over the same search
  await expect(details).toBeVisible();
  await expect(totalText(page)).toHaveText("1 contact");
  await page.keyboard.press("Escape");
  await expect(details).toHaveCount(0);
  expect(new URL(page.url()).searchParams.get("contact")).toBeNull();
  expect(new URL(page.url()).searchParams.get("q")).toBe(tag);

  // unsaved edits: Escape asks first
  await name.click();
  await details.getByRole("textbox", { name: "Last name" }).fill(`${tag} changed`);
  await page.keyboard.press("Escape");
  await expect(details.getByRole("alert")).toHaveText(/You have unsaved changes/);
  await details.getByRole("button", { name: "Keep editing" }).click();
  await expect(details.getByRole("textbox", { name: "Last name" })).toHaveValue(`${tag} changed`);
  await page.keyboard.press("Escape");
  await details.getByRole("button", { name: "Discard changes" }).click();
  await expect(details).toHaveCount(0);
  expect((await apiCall<{ last_name: string }>("GET", `/v1/contacts/${c!.id}`)).last_name).toBe(tag);

  await name.click();
  await expect(details).toBeVisible();
  await page.goBack(); // Back closes the record, not the page
  await expect(details).toHaveCount(0);
  await expect(totalText(page)).toHaveText("1 contact");
});
