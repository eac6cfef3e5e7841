import { expect, Page, test } from "@playwright/test";

import { openSource } from "../support/pages";

function summary(page: Page) {
  return page.locator(".page-summary");
}

test("leads table has the Source Leads columns", async ({ page }) => {
  await openSource(page, "Facebook Q3 Campaign");

  const headers = (await page.getByRole("columnheader").allTextContents()).map((text) => text.trim());
  expect(headers.slice(0, 5)).toEqual(["Name", "Email", "Phone", "Status", "Source"]);
  expect(headers[5]).toMatch(/^Created At \(.+\)/);
  expect(headers[6]).toBe("Actions");

  const firstRow = page.getByRole("row").nth(1);
  await expect(firstRow.locator(".badge")).toHaveText(/^(Active|Sold|Duplicate|Rejected|Suppressed)$/);
  await expect(firstRow.getByRole("cell").nth(4)).toHaveText("Facebook Q3 Campaign");
});

test("leads are newest first", async ({ page }) => {
  await openSource(page, "Facebook Q3 Campaign");

  const times = await page.locator("td.timestamp").allTextContents();
  expect(times.length).toBe(50);
  const sorted = [...times].sort().reverse();
  expect(times).toEqual(sorted);
});

test("next, previous, last and first pages", async ({ page }) => {
  await openSource(page, "Facebook Q3 Campaign");
  await expect(summary(page)).toHaveText(/^showing 1-50 of [\d,]+$/);
  const total = Number((await summary(page).textContent())!.split(" of ")[1].replace(/,/g, ""));
  const lastPage = Math.ceil(total / 50);

  const firstPageNames = await page.locator("td.email").allTextContents();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(summary(page)).toHaveText(`showing 51-100 of ${total.toLocaleString("en-US")}`);
  const secondPageNames = await page.locator("td.email").allTextContents();
  expect(secondPageNames).not.toEqual(firstPageNames);

  await page.getByRole("link", { name: "Previous" }).click();
  // Page 1 is the default, so the URL leaves it out.
  await expect(page).not.toHaveURL(/page=/);
  await expect(summary(page)).toHaveText(/^showing 1-50 of/);

  await page.getByRole("link", { name: "Last" }).click();
  await expect(page).toHaveURL(new RegExp(`page=${lastPage}`));
  await expect(page.getByText(`Page ${lastPage} of ${lastPage}`)).toBeVisible();
  await expect(page.locator(".page-link.disabled", { hasText: "Next" })).toBeVisible();

  await page.getByRole("link", { name: "First" }).click();
  await expect(summary(page)).toHaveText(/^showing 1-50 of/);
});

test("page size change is kept in the URL", async ({ page }) => {
  await openSource(page, "Facebook Q3 Campaign");

  await page.getByLabel("Rows per page").selectOption("25");
  await expect(page).toHaveURL(/size=25/);
  await expect(page.locator("tbody tr")).toHaveCount(25);
  await expect(summary(page)).toHaveText(/^showing 1-25 of/);

  await page.getByLabel("Rows per page").selectOption("100");
  await expect(page).toHaveURL(/size=100/);
  await expect(page.locator("tbody tr")).toHaveCount(100);
});

test("reload keeps the page and size", async ({ page }) => {
  await openSource(page, "Facebook Q3 Campaign");
  await page.getByLabel("Rows per page").selectOption("25");
  await page.getByRole("link", { name: "Next" }).click();
  await expect(summary(page)).toHaveText(/^showing 26-50 of/);
  const emails = await page.locator("td.email").allTextContents();

  await page.reload();
  await expect(summary(page)).toHaveText(/^showing 26-50 of/);
  await expect(page.getByLabel("Rows per page")).toHaveValue("25");
  expect(await page.locator("td.email").allTextContents()).toEqual(emails);

  await page.goBack();
  await expect(summary(page)).toHaveText(/^showing 1-25 of/);
});

test("created time shows in the viewer's time zone", async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await openSource(page, "E2E Import");

  await expect(page.getByRole("columnheader", { name: "Created At (Asia/Tokyo)" })).toBeVisible();
  // Zoë was created 2026-11-29 10:00 UTC, which is 19:00 in Tokyo.
  const row = page.getByRole("row", { name: /Zoë Müller/ });
  await expect(row.locator("td.timestamp")).toHaveText("2026-11-29 19:00");
  await context.close();
});

test("imported leads appear in their source", async ({ page }) => {
  await openSource(page, "E2E Import");

  await expect(page.locator("tbody tr")).toHaveCount(2);
  await expect(page.getByRole("row", { name: /Zoë Müller/ })).toContainText("zoe.mueller@example.de");
  await expect(page.getByRole("row", { name: /Zoë Müller/ }).locator(".badge")).toHaveText("Sold");
  await expect(page.getByRole("row", { name: /José Díaz/ })).toContainText("(555) 123-4567");
});

test("copy email puts the address on the clipboard", async ({ browser, baseURL }) => {
  const context = await browser.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const page = await context.newPage();
  await openSource(page, "E2E Import");

  const row = page.getByRole("row", { name: /José Díaz/ });
  await row.getByRole("button", { name: "Copy email" }).click();
  await expect(row.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("jose.diaz@example.com");
  await context.close();
});

test("an empty source shows a friendly empty state", async ({ page }) => {
  await openSource(page, "Empty Source");

  await expect(page.getByText("This source has no leads yet.")).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("an unknown source id is a 404 page", async ({ page }) => {
  const response = await page.goto("/sources/987654/leads");

  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(page.getByText("There is no source with id 987654.")).toBeVisible();
  await page.getByRole("link", { name: "Back to all sources" }).click();
  await expect(page.getByRole("heading", { name: "Sources" })).toBeVisible();
});

test("a page past the end offers the last page", async ({ page }) => {
  await openSource(page, "E2E Import");
  await page.goto(page.url() + "?page=9");

  await expect(page.getByText("Page 9 is past the last page.")).toBeVisible();
  await page.getByRole("link", { name: "Go to the last page" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(2);
});

test("a URL with a trailing slash redirects to the canonical one", async ({ page }) => {
  await page.goto("/sources/");

  await expect(page).toHaveURL(/\/sources$/);
  await expect(page.getByRole("heading", { name: "Sources" })).toBeVisible();
  await expect(page.getByRole("table")).toBeVisible();
});

test("page size changes without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/sources");
  await page.getByRole("link", { name: "Facebook Q3 Campaign" }).click();

  await page.getByLabel("Rows per page").selectOption("25");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/size=25/);
  await expect(page.locator("tbody tr")).toHaveCount(25);
  await context.close();
});

test("on a phone the table scrolls, not the page", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  await openSource(page, "Facebook Q3 Campaign");

  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(pageWidth).toBeLessThanOrEqual(390);
  const tableBox = page.locator(".table-scroll");
  const scrolls = await tableBox.evaluate((element) => element.scrollWidth > element.clientWidth);
  expect(scrolls).toBe(true);
  await context.close();
});
