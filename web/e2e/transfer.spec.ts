import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiCall, createContacts, expect, signIn, stopImportAndDelete, test, totalText, uniq } from "./fixtures";

function parseCsv(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, "")
    .trim()
    .split(/\r?\n/)
    .map((l) => l.split(","));
}

test("export the current search: progress, then a Download link whose file has the rows", async ({ page }) => {
  const tag = uniq("ex");
  await createContacts(["Jack", "Kim", "Lou"].map((n, i) => ({ first_name: n, last_name: tag, email: `${n.toLowerCase()}.${tag}@example.com`, country: i ? "MY" : "SG" })));
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("3 contacts");
  await page.getByRole("button", { name: "Export" }).click();
  const dialog = page.getByRole("dialog", { name: "Export" });
  const link = dialog.getByRole("link", { name: "Download" });
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = await download.path();
  const rows = parseCsv(fs.readFileSync(file, "utf8"));
  expect(rows[0]).toContain("Name");
  expect(rows.slice(1).map((r) => r[0]).sort()).toEqual([`Jack ${tag}`, `Kim ${tag}`, `Lou ${tag}`]);
});

test("import a Google Contacts file: recognised and mapped by the preview, duplicates skipped, a bad cell left out, counts, row errors downloadable", async ({ page }) => {
  const tag = uniq("im");
  await createContacts([{ first_name: "Existing", last_name: tag, email: `existing.${tag}@example.com` }]);
  const csv = [
    "First Name,Last Name,Labels,E-mail 1 - Value,Phone 1 - Value,Address 1 - Country",
    `Mia,${tag},* myContacts ::: VIP,mia.${tag}@example.com,N/A,Malaysia`,
    `Ned,${tag},,ned.${tag}@example.com,,Singapore`,
    `Existing,${tag},,existing.${tag}@example.com,,`,
    `,,Friends,,,`,
  ].join("\n");
  const file = path.join(os.tmpdir(), `import-${tag}.csv`);
  fs.writeFileSync(file, csv);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("1 contact");
  await page.getByRole("button", { name: "Import" }).click();
  const dialog = page.getByRole("dialog", { name: "Import" });
  await dialog.getByLabel("CSV or Excel file").setInputFiles(file);
  await expect(dialog.getByText("Recognised as a Google Contacts export (UTF-8, comma-separated).")).toBeVisible();
  const sample = dialog.getByRole("table", { name: "First rows of the file" });
  await expect(sample.getByRole("row", { name: new RegExp(`Mia ${tag}`) })).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Map First Name", exact: true })).toContainText("First name");
  await expect(dialog.getByRole("button", { name: "Map E-mail 1 - Value", exact: true })).toContainText("Email");
  await expect(dialog.getByRole("button", { name: "Map Address 1 - Country", exact: true })).toContainText("Country");
  await expect(dialog.getByRole("button", { name: "Map Labels", exact: true })).toContainText("Tags");
  await expect(dialog.getByRole("radio", { name: "Skip duplicates" })).toBeChecked();
  await expect(dialog.getByRole("radio", { name: "Import the row without it" })).toBeChecked();
  await expect(dialog.getByRole("radio", { name: "Keep the contact's value" })).toBeChecked();
  await dialog.getByRole("button", { name: "Import", exact: true }).click();
  const status = dialog.getByRole("status").filter({ hasText: "Import finished" });
  await expect(status).toBeVisible({ timeout: 30_000 });
  await expect(status).toHaveText("Import finished: 2 created, 0 updated, 1 skipped, 1 failed, 1 cell left out.");
  await expect(dialog.getByRole("table", { name: "Cells left out" }).getByRole("row", { name: /Phone 1 - Value/ })).toBeVisible();
  const errors = dialog.getByRole("table", { name: "Row errors" });
  await expect(errors.getByRole("row")).toHaveCount(2);
  const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("link", { name: "Download row errors" }).click()]);
  const text = fs.readFileSync(await download.path(), "utf8");
  expect(text.trim().split(/\r?\n/).length).toBeGreaterThanOrEqual(2);
  await page.keyboard.press("Escape");
  await expect(totalText(page)).toHaveText("3 contacts");
  const mia = page.getByRole("row", { name: new RegExp(`Mia ${tag}`) });
  await expect(mia).toBeVisible();
  await expect(mia).toContainText("VIP");
  await expect(mia).not.toContainText("myContacts");
});

test("an import closed before it ends goes on under Background jobs, where it can be cancelled; what it committed stays", async ({ page }) => {
  test.setTimeout(120_000);
  const tag = uniq("tray");
  const rows = 100_000; // long enough to be running when the dialog closes
  const lines = ["First,Last,Email"];
  for (let i = 0; i < rows; i++) lines.push(`T${i},${tag},t${i}.${tag}@example.com`);
  const file = path.join(os.tmpdir(), `tray-${tag}.csv`);
  fs.writeFileSync(file, lines.join("\n"));
  const found = async () => (await apiCall<{ total: { value: number } }>("POST", "/v1/contacts/search", { query: tag, page_size: 1 })).total.value;
  await signIn(page, "owner", `/?q=${tag}`);
  await page.getByRole("button", { name: "Import" }).click();
  const dialog = page.getByRole("dialog", { name: "Import" });
  await dialog.getByLabel("CSV or Excel file").setInputFiles(file);
  await expect(dialog.getByRole("button", { name: "Map Email", exact: true })).toContainText("Email");
  const started = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/v1/imports");
  await dialog.getByRole("button", { name: "Import", exact: true }).click();
  const importId = ((await (await started).json()) as { id: string }).id;
  try {
    await expect(dialog.getByRole("progressbar", { name: "Importing" })).toBeVisible({ timeout: 20_000 });
    await expect(dialog.getByRole("button", { name: "Cancel import" })).toBeFocused(); // the focus stayed in the dialog
    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);

    const tray = page.getByRole("region", { name: "Background jobs" });
    const title = `Import of tray-${tag}.csv`;
    await expect(tray.getByRole("progressbar", { name: title })).toBeVisible();
    await tray.getByRole("button", { name: "Cancel" }).click();
    const outcome = tray.getByRole("status").filter({ hasText: `${title} cancelled` });
    await expect(outcome).toBeVisible({ timeout: 30_000 });
    const created = Number(/: ([\d,]+) created/.exec((await outcome.textContent()) ?? "")?.[1]?.replace(/,/g, ""));
    expect(created).toBeLessThan(rows);
    await expect.poll(found, { timeout: 30_000 }).toBe(created);
    await tray.getByRole("button", { name: `Dismiss: ${title}` }).click();
    await expect(tray).toHaveCount(0);
  } finally {
    await stopImportAndDelete(importId, tag);
  }
});
