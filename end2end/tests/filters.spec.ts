import { expect, Page, test } from "@playwright/test";

import { filters, openSource, rows } from "../support/pages";

const matchCount = (page: Page) => page.locator(".match-count");

test("email and status filters combine, survive reload and a pasted link", async ({ page, browser }) => {
  await openSource(page, "Acme Campaign");
  await expect(page.locator(".page-summary")).toHaveText("showing 1-50 of 200");

  await filters(page).getByLabel("Email").fill("ACME.example");
  await expect(page).toHaveURL(/email=ACME\.example/);
  await expect(matchCount(page)).toHaveText("25 matching leads");

  await filters(page).getByLabel("Sold").check();
  await expect(page).toHaveURL(/status=sold/);
  await expect(matchCount(page)).toHaveText("10 matching leads");
  await expect(rows(page)).toHaveCount(10);
  for (const badge of await rows(page).locator(".badge").allTextContents()) {
    expect(badge).toBe("Sold");
  }

  await page.reload();
  await expect(rows(page)).toHaveCount(10);
  await expect(filters(page).getByLabel("Email")).toHaveValue("ACME.example");
  await expect(filters(page).getByLabel("Sold")).toBeChecked();

  const other = await browser.newContext();
  const pasted = await other.newPage();
  await pasted.goto(page.url());
  await expect(pasted.locator("tbody tr")).toHaveCount(10);
  await expect(pasted.locator(".match-count")).toHaveText("10 matching leads");
  await other.close();
});

test("a date range without matches offers to clear the filters", async ({ page }) => {
  await openSource(page, "Acme Campaign");
  await filters(page).getByLabel("Email").fill("acme.example");
  await filters(page).getByLabel("Sold").check();
  await expect(rows(page)).toHaveCount(10);

  await filters(page).getByLabel("From").fill("2024-04-01");
  await filters(page).getByLabel("To").fill("2024-04-30");
  await expect(page).toHaveURL(/from=2024-04-01/);
  await expect(page).toHaveURL(/tz=/);
  await expect(page.getByText("No leads match these filters.")).toBeVisible();

  await page.getByRole("link", { name: "Clear filters" }).first().click();
  await expect(page.locator(".page-summary")).toHaveText("showing 1-50 of 200");
  await expect(filters(page).getByLabel("Email")).toHaveValue("");
});

test("back returns to the previous filter", async ({ page }) => {
  await openSource(page, "Acme Campaign");
  await filters(page).getByLabel("Sold").check();
  await expect(matchCount(page)).toHaveText("10 matching leads");
  await filters(page).getByLabel("Active").check();
  await expect(matchCount(page)).toHaveText("200 matching leads");

  await page.goBack();
  await expect(matchCount(page)).toHaveText("10 matching leads");
  await expect(filters(page).getByLabel("Active")).not.toBeChecked();
});

test("phone, name and email follow the matching rules", async ({ page }) => {
  await openSource(page, "Filter Cases");

  await filters(page).getByLabel("Phone").fill("+1 555 123 4567");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("phone.a@example.com");
  await filters(page).getByLabel("Phone").fill("");

  await filters(page).getByLabel("Name").fill("diaz");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("José Díaz");
  await filters(page).getByLabel("Name").fill("zoe muller");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("ZOË MÜLLER");
  await filters(page).getByLabel("Name").fill("");

  await filters(page).getByLabel("Email").fill("jane+");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toContainText("jane+promo@example.com");
  await expect(page).toHaveURL(/email=jane%2B/);
});

test("special characters round-trip through the URL", async ({ page }) => {
  await openSource(page, "Filter Cases");
  const typed = 'Zoë & "Ann" #1 +50% 😀';
  await filters(page).getByLabel("Name").fill(typed);
  await expect(page.getByText("No leads match these filters.")).toBeVisible();

  await page.reload();
  await expect(filters(page).getByLabel("Name")).toHaveValue(typed);
});

test("a start date after the end date is a message, not a query", async ({ page }) => {
  await openSource(page, "Filter Cases");
  await page.goto(page.url().split("?")[0] + "?from=2024-03-11&to=2024-03-10&tz=UTC");

  await expect(page.getByText(/after the end date/).first()).toBeVisible();
  await expect(page.getByRole("table")).toHaveCount(0);
});

test("an inclusive day range in UTC", async ({ page }) => {
  await openSource(page, "Filter Cases");
  await page.goto(page.url().split("?")[0] + "?from=2024-03-10&to=2024-03-10&tz=UTC");

  await expect(rows(page)).toHaveCount(2);
  await expect(page.getByRole("row", { name: /Day Start/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /Day End/ })).toBeVisible();
});

test("column headers sort both ways", async ({ page }) => {
  await openSource(page, "Filter Cases");

  await page.getByRole("link", { name: "Email" }).click();
  await expect(page).toHaveURL(/sort=email/);
  await expect(page.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "ascending");
  const ascending = await page.locator("td.email").allTextContents();
  expect(ascending).toEqual([...ascending].sort());

  await page.getByRole("link", { name: "Email" }).click();
  await expect(page).toHaveURL(/sort=-email/);
  await expect(page.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "descending");
  const descending = await page.locator("td.email").allTextContents();
  expect(descending).toEqual([...ascending].reverse());
});

test("sorting by a column full of ties never repeats or drops a row", async ({ page }) => {
  await openSource(page, "Acme Campaign");
  await page.goto(page.url().split("?")[0] + "?sort=status&size=25");

  const leadIds = () => rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-lead-id") ?? ""));
  const summaryOf = (pageNumber: number) => `showing ${(pageNumber - 1) * 25 + 1}-${pageNumber * 25} of 200`;
  const pages: string[][] = [];
  for (let pageNumber = 1; pageNumber <= 8; pageNumber++) {
    await expect(page.locator(".page-summary")).toHaveText(summaryOf(pageNumber));
    pages.push(await leadIds());
    if (pageNumber < 8) {
      await page.getByRole("link", { name: "Next" }).click();
      // Next names the last lead on screen, so the page reads on from it.
      await expect(page).toHaveURL(new RegExp(`page=${pageNumber + 1}\\b.*after=\\d+`));
    }
  }
  const seen = pages.flat();
  expect(seen.length).toBe(200);
  expect(new Set(seen).size).toBe(200);

  // Walking back with Previous shows each page exactly as before.
  for (let pageNumber = 7; pageNumber >= 1; pageNumber--) {
    await page.getByRole("link", { name: "Previous" }).click();
    await expect(page.locator(".page-summary")).toHaveText(summaryOf(pageNumber));
    expect(await leadIds()).toEqual(pages[pageNumber - 1]);
  }
  await expect(page).not.toHaveURL(/page=|after=|before=/);

  // A pasted link to a page without its cursor shows the same rows.
  await page.goto(page.url().split("?")[0] + "?sort=status&size=25&page=5");
  await expect(page.locator(".page-summary")).toHaveText(summaryOf(5));
  expect(await leadIds()).toEqual(pages[4]);
});

test("an unusable filter keeps its text and says why", async ({ page }) => {
  await openSource(page, "Filter Cases");
  await filters(page).getByLabel("Phone").fill("()-");
  await expect(page.getByText(/a phone filter needs at least one digit/)).toBeVisible();
  await expect(filters(page).getByLabel("Phone")).toHaveValue("()-");
  await expect(rows(page)).toHaveCount(12);

  await filters(page).getByLabel("Phone").fill("4567");
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByText(/at least one digit/)).toHaveCount(0);
});

test("a date link without tz counts days in UTC and says so", async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: "Asia/Tokyo" });
  const page = await context.newPage();
  await page.goto("/sources");
  await page.getByRole("link", { name: "Filter Cases" }).click();
  await page.goto(page.url().split("?")[0] + "?from=2024-03-10&to=2024-03-10");

  await expect(filters(page).getByText("Days in UTC")).toBeVisible();
  await expect(rows(page)).toHaveCount(2);
  await context.close();
});

test("filter boxes are filled without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/leads?email=acme.example&status=sold&from=2024-03-01&tz=UTC");

  await expect(filters(page).getByLabel("Email")).toHaveValue("acme.example");
  await expect(filters(page).getByLabel("Sold")).toBeChecked();
  await expect(filters(page).getByLabel("From")).toHaveValue("2024-03-01");
  await expect(page.locator("tbody tr")).toHaveCount(10);
  await context.close();
});
