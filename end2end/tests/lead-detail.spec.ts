import { expect, Page, test } from "@playwright/test";

import { filters, openSource, rows } from "../support/pages";

const dialog = (page: Page) => page.getByRole("dialog");

test("detail from a filtered table: tabs, status change, neighbours, escape", async ({ page }) => {
  await openSource(page, "Detail Cases");
  await filters(page).getByLabel("Email").fill("detail.example");
  await expect(page).toHaveURL(/email=detail\.example/);
  // Newest first: Fay, Hal, Dana, Gus, Erin.
  await expect(rows(page)).toHaveCount(5);
  const tableUrl = page.url();

  await rows(page).filter({ hasText: "dana@detail.example" }).locator("td").first().click();
  await expect(page).toHaveURL(/\/leads\/\d+\?back=/);
  await expect(page.getByRole("heading", { name: "Dana Detail", level: 1 })).toBeVisible();

  // Fields: standard and custom fields, metadata and the parsed user agent.
  await expect(page.getByRole("tab", { name: "Fields" })).toHaveAttribute("aria-selected", "true");
  await expect(page.locator(".field-list dd").filter({ hasText: "dana@detail.example" })).toBeVisible();
  const landing = page.getByRole("link", { name: "https://offers.example.com/solar?utm_source=fb" });
  await expect(landing).toHaveAttribute("href", "https://offers.example.com/solar?utm_source=fb");
  await expect(page.locator("pre.json")).toContainText('"roof": "tile"');
  await expect(page.locator(".custom-fields")).toContainText("prefers mornings");
  await expect(page.locator(".ip")).toHaveText("203.0.113.7");
  await expect(page.locator(".client")).toHaveText("Chrome 120 on Windows 10 or 11");
  await expect(page.locator(".lead-meta .timestamp")).toContainText("UTC");

  // Distribution: an imported lead was never posted.
  await page.getByRole("tab", { name: "Distribution" }).click();
  await expect(page).toHaveURL(/tab=distribution/);
  await expect(page.getByText("This lead was never posted to a buyer.")).toBeVisible();

  // Status History starts with the import.
  await page.getByRole("tab", { name: "Status History" }).click();
  await expect(page).toHaveURL(/tab=history/);
  await expect(page.locator(".history-table tbody tr")).toHaveCount(1);
  await expect(page.locator(".history-table tbody tr").first()).toContainText("Created");

  // Change the status through the confirmation dialog.
  await page.getByLabel("Status", { exact: true }).selectOption("sold");
  await expect(dialog(page)).toContainText("Change Dana Detail from Active to Sold?");
  await dialog(page).getByLabel("Reason (optional)").fill("Bought by Solar Co. — ticket #42");
  await dialog(page).getByRole("button", { name: "Confirm" }).click();
  await expect(dialog(page)).toBeHidden();
  await expect(page.locator(".lead-header .badge")).toHaveText("Sold");
  const entries = page.locator(".history-table tbody tr");
  await expect(entries).toHaveCount(2);
  await expect(entries.nth(1)).toContainText("Status changed");
  await expect(entries.nth(1)).toContainText("Active");
  await expect(entries.nth(1)).toContainText("Sold");
  await expect(entries.nth(1)).toContainText("operator");
  await expect(entries.nth(1)).toContainText("Bought by Solar Co. — ticket #42");

  // Newest first puts the change on top, and the order is in the URL.
  await page.getByRole("link", { name: "Show newest first" }).click();
  await expect(page).toHaveURL(/order=newest/);
  await expect(entries.first()).toContainText("Status changed");

  // Previous and next follow the table's filter and sort, by key and by link.
  const danaUrl = page.url();
  await page.keyboard.press("j");
  await expect(page).not.toHaveURL(danaUrl);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Gus Detail");
  await page.keyboard.press("k");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Dana Detail");
  await page.getByRole("link", { name: "Previous lead" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hal Detail");

  // Keys typed into a field do not move.
  await page.getByLabel("Status", { exact: true }).selectOption("rejected");
  await dialog(page).getByLabel("Reason (optional)").fill("jk");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Hal Detail");
  await dialog(page).getByRole("button", { name: "Cancel" }).click();
  await expect(page.locator(".lead-header .badge")).toHaveText("Active");

  // Escape returns to the same filtered table, where Dana is Sold now.
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(tableUrl);
  await expect(filters(page).getByLabel("Email")).toHaveValue("detail.example");
  await expect(rows(page)).toHaveCount(5);
  await expect(rows(page).filter({ hasText: "dana@detail.example" }).locator(".badge")).toHaveText("Sold");
});

test("a quick action on a row changes the status in place", async ({ page }) => {
  await openSource(page, "Detail Cases");
  const row = rows(page).filter({ hasText: "gus@detail.example" });
  await row.getByLabel("Change status of Gus Detail").selectOption("suppressed");
  await expect(dialog(page)).toContainText("Change Gus Detail from Active to Suppressed?");
  // A reason past the limit is refused whole, with the limit named.
  await dialog(page).getByLabel("Reason (optional)").fill("x".repeat(501));
  await dialog(page).getByRole("button", { name: "Confirm" }).click();
  await expect(dialog(page).getByRole("alert")).toContainText("more than 500");
  await expect(row.locator(".badge")).toHaveText("Active");
  await dialog(page).getByLabel("Reason (optional)").fill("Asked not to be contacted");
  await dialog(page).getByRole("button", { name: "Confirm" }).click();
  await expect(dialog(page)).toBeHidden();
  await expect(row.locator(".badge")).toHaveText("Suppressed");

  await row.getByRole("link", { name: "View" }).click();
  await expect(page.locator(".lead-header .badge")).toHaveText("Suppressed");
  await page.goBack();
  await expect(rows(page).filter({ hasText: "gus@detail.example" }).locator(".badge")).toHaveText("Suppressed");
});

test("a change from a stale tab is refused and shows the current status", async ({ browser }) => {
  const first = await browser.newPage();
  const second = await browser.newPage();
  for (const page of [first, second]) {
    await openSource(page, "Detail Cases");
    await rows(page).filter({ hasText: "hal@detail.example" }).getByRole("link", { name: "View" }).click();
    await expect(page.getByRole("heading", { name: "Hal Detail", level: 1 })).toBeVisible();
  }

  await first.getByLabel("Status", { exact: true }).selectOption("sold");
  await dialog(first).getByRole("button", { name: "Confirm" }).click();
  await expect(first.locator(".lead-header .badge")).toHaveText("Sold");

  await second.getByLabel("Status", { exact: true }).selectOption("rejected");
  await dialog(second).getByRole("button", { name: "Confirm" }).click();
  await expect(dialog(second).getByRole("alert")).toHaveText(/changed since you opened it: its status is now Sold/);
  await expect(second.getByLabel("Status", { exact: true })).toHaveValue("sold");
  await dialog(second).getByRole("button", { name: "Cancel" }).click();
  await second.reload();
  await expect(second.locator(".lead-header .badge")).toHaveText("Sold");
  await first.close();
  await second.close();
});

test("distribution attempts show outcome, payload and response", async ({ page, request }) => {
  // The seeded demo data posts some leads to buyers; find one.
  const list = await (await request.get("/api/v1/leads?status=sold&size=100")).json();
  let found: { id: number; buyer: string; outcome: string } | undefined;
  for (const lead of list.leads) {
    const detail = await (await request.get(`/api/v1/leads/${lead.id}`)).json();
    if (detail.distribution_attempts.length > 0) {
      // The attempt has an id of its own; the lead's id goes last.
      found = { ...detail.distribution_attempts[0], id: lead.id };
      break;
    }
  }
  expect(found, "a seeded lead with distribution attempts").toBeDefined();

  await page.goto(`/leads/${found!.id}?tab=distribution`);
  const attempt = page.locator(".attempt").first();
  await expect(attempt.locator(".buyer")).toHaveText(found!.buyer);
  await expect(attempt.locator(".badge")).toHaveText(found!.outcome[0].toUpperCase() + found!.outcome.slice(1));
  await attempt.getByText("Request payload").click();
  await expect(attempt.locator("details").first().locator("pre")).toBeVisible();
  await expect(attempt.locator("details").first().getByRole("button", { name: "Copy" })).toBeVisible();
});

test("an unknown lead id is a 404 page", async ({ page }) => {
  const response = await page.goto("/leads/987654321");
  expect(response?.status()).toBe(404);
  await expect(page.getByText("There is no lead with id 987654321.")).toBeVisible();
});

test("escape and back return to the table where it was scrolled", async ({ page }) => {
  await openSource(page, "Acme Campaign");
  await expect(rows(page)).toHaveCount(50);
  const tableUrl = page.url();
  const lastRow = rows(page).last();
  await lastRow.scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => window.scrollY);
  expect(scrolled).toBeGreaterThan(200);

  await lastRow.locator("td").first().click();
  await expect(page).toHaveURL(/\/leads\/\d+/);
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(tableUrl);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(scrolled - 50);

  await rows(page).last().getByRole("link", { name: "View" }).click();
  await expect(page).toHaveURL(/\/leads\/\d+/);
  await page.goBack();
  await expect(page).toHaveURL(tableUrl);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(scrolled - 50);
});
