import { apiCall, createContacts, expect, signIn, state, test, totalText, uniq } from "./fixtures";

test("sign in with a one-time link, see the table with its total, sign out; the link works once", async ({ page }) => {
  const s = (await import("./fixtures")).state();
  const link = await apiCall<{ url: string }>("POST", "/v1/sign-in-links", { user_id: s.owner.id });
  await page.goto(link.url);
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  await expect(totalText(page)).toHaveText(/^[\d,]+ contacts$/);
  const rows = page.getByRole("row");
  await expect(rows.nth(1)).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Contacts" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "Sign in to Contacts" })).toBeVisible();
});

test.describe("refused credentials (401)", () => {
  test.use({ allowHttpErrors: [401] });
  test("a session that ends while the page is open: the sign-in page says so, and signing in again goes on there", async ({ page }) => {
    const tag = uniq("sess");
    await createContacts([{ first_name: "Sam", last_name: tag }]);
    await signIn(page, "owner", `/?q=${tag}`);
    await expect(totalText(page)).toHaveText("1 contact");
    await page.context().clearCookies(); // as an expired session does
    await page.getByRole("searchbox", { name: "Search contacts" }).fill(`Sam ${tag}`);
    await expect(page.getByRole("alert")).toContainText("Your session has ended");
    await expect(page.getByRole("heading", { name: "Sign in to Contacts" })).toBeVisible();
    const link = await apiCall<{ url: string }>("POST", "/v1/sign-in-links", { user_id: state().owner.id });
    await page.getByRole("textbox", { name: "Sign-in code or API token" }).fill(link.url);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(totalText(page)).toHaveText("1 contact");
    await expect(page.getByRole("searchbox", { name: "Search contacts" })).toHaveValue(`Sam ${tag}`);
  });

  test("is refused with a reason", async ({ page }) => {
    const s = (await import("./fixtures")).state();
    const link = await apiCall<{ url: string }>("POST", "/v1/sign-in-links", { user_id: s.owner.id });
    await page.goto(link.url);
    await expect(page.getByRole("table")).toBeVisible();
    await page.context().clearCookies();
    await page.goto(link.url);
    await expect(page.getByRole("alert")).toContainText("used already or expired");
  });
});

test("search follows typing, sorts by header with aria-sort, and survives a reload", async ({ page }) => {
  const tag = uniq("srch");
  await createContacts([
    { first_name: "Charlie", last_name: tag, email: `charlie.${tag}@example.com` },
    { first_name: "Alice", last_name: tag, email: `alice.${tag}@example.com` },
    { first_name: "Bob", last_name: tag, phone: "+60123456789", country: "MY" },
  ]);
  await signIn(page);
  await page.getByRole("searchbox", { name: "Search contacts" }).fill(tag);
  await expect(totalText(page)).toHaveText("3 contacts");
  await expect(page).toHaveURL(new RegExp(`q=${tag}`));
  // no sort chosen: the header of the API's default order says so, and a click reverses it
  const lastHeader = page.getByRole("columnheader", { name: /^Last interaction/ });
  await expect(lastHeader).toHaveAttribute("aria-sort", "descending");
  const nameHeader = page.getByRole("columnheader", { name: /Name/ });
  await expect(nameHeader).toHaveAttribute("aria-sort", "none");
  await nameHeader.getByRole("button").click();
  await expect(nameHeader).toHaveAttribute("aria-sort", "ascending");
  await expect(page.getByRole("row").nth(1)).toContainText(`Alice ${tag}`);
  await nameHeader.getByRole("button").click();
  await expect(nameHeader).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByRole("row").nth(1)).toContainText(`Charlie ${tag}`);
  await page.reload();
  await expect(page.getByRole("searchbox", { name: "Search contacts" })).toHaveValue(tag);
  await expect(page.getByRole("columnheader", { name: /Name/ })).toHaveAttribute("aria-sort", "descending");
  await expect(page.getByRole("row").nth(1)).toContainText(`Charlie ${tag}`);
  // the avatar falls back to initials; a contact with no name shows its phone... here all have names
  await expect(page.getByRole("row").nth(1).locator(".avatar")).toHaveText("C" + tag[0]!.toUpperCase());
});
