import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createContacts, expect, signIn, test, totalText, uniq } from "./fixtures";

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
  await dialog.getByRole("button", { name: "Start export" }).click();
  const link = dialog.getByRole("link", { name: "Download" });
  await expect(link).toBeVisible({ timeout: 30_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = await download.path();
  const rows = parseCsv(fs.readFileSync(file, "utf8"));
  expect(rows[0]).toContain("Name");
  expect(rows.slice(1).map((r) => r[0]).sort()).toEqual([`Jack ${tag}`, `Kim ${tag}`, `Lou ${tag}`]);
});

// Without POST /v1/imports/preview (a branch not merged here) the app maps by header names after a 405.
test.describe("import", () => { test.use({ allowHttpErrors: [405] }); test("import a CSV: mapping pre-filled from headers, duplicates skipped, counts, row errors downloadable", async ({ page }) => {
  const tag = uniq("im");
  await createContacts([{ first_name: "Existing", last_name: tag, email: `existing.${tag}@example.com` }]);
  const csv = [
    "First Name,Last Name,E-mail,Country",
    `Mia,${tag},mia.${tag}@example.com,MY`,
    `Ned,${tag},ned.${tag}@example.com,SG`,
    `Existing,${tag},existing.${tag}@example.com,MY`,
    `,,,MY`,
  ].join("\n");
  const file = path.join(os.tmpdir(), `import-${tag}.csv`);
  fs.writeFileSync(file, csv);
  await signIn(page, "owner", `/?q=${tag}`);
  await expect(totalText(page)).toHaveText("1 contact");
  await page.getByRole("button", { name: "Import" }).click();
  const dialog = page.getByRole("dialog", { name: "Import" });
  await dialog.getByLabel("CSV file").setInputFiles(file);
  await expect(dialog.getByRole("button", { name: /Map First Name/ })).toContainText("First name");
  await expect(dialog.getByRole("button", { name: /Map E-mail/ })).toContainText("Email");
  await expect(dialog.getByRole("button", { name: /Map Country/ })).toContainText("Country");
  await expect(dialog.getByRole("radio", { name: "Skip duplicates" })).toBeChecked();
  await dialog.getByRole("button", { name: "Import", exact: true }).click();
  const status = dialog.getByRole("status").filter({ hasText: "Import finished" });
  await expect(status).toBeVisible({ timeout: 30_000 });
  await expect(status).toContainText("2 created");
  await expect(status).toContainText("1 skipped");
  await expect(status).toContainText("1 failed");
  const errors = dialog.getByRole("table", { name: "Row errors" });
  await expect(errors.getByRole("row")).toHaveCount(2);
  const [download] = await Promise.all([page.waitForEvent("download"), dialog.getByRole("link", { name: "Download row errors" }).click()]);
  const text = fs.readFileSync(await download.path(), "utf8");
  expect(text.trim().split(/\r?\n/).length).toBeGreaterThanOrEqual(2);
  await page.keyboard.press("Escape");
  await expect(totalText(page)).toHaveText("3 contacts");
  await expect(page.getByRole("row", { name: new RegExp(`Mia ${tag}`) })).toBeVisible();
});
});
