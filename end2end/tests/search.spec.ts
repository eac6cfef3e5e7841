import { expect, Page, test } from "@playwright/test";

import { filters, openSource, rows } from "../support/pages";

const searchBox = (page: Page) => filters(page).getByRole("searchbox", { name: "Search", exact: true });
const toggle = (page: Page) => page.getByRole("button", { name: "Advanced Search" });
const matchCount = (page: Page) => page.locator(".match-count");
const firstRow = (page: Page) => rows(page).first();

async function openSearch(page: Page) {
  await openSource(page, "Search Cases");
  await toggle(page).click();
  await expect(toggle(page)).toHaveAttribute("aria-pressed", "true");
  await expect(page).toHaveURL(/mode=advanced/);
  await expect(searchBox(page)).toBeVisible();
}

test("a misspelled email finds the right lead first, with the reason marked", async ({ page }) => {
  await openSearch(page);
  // The substring filters give way to the one search box.
  await expect(filters(page).getByLabel("Email")).toHaveCount(0);

  await searchBox(page).fill("john@gmal.com");
  await expect(page).toHaveURL(/q=john%40gmal\.com/);
  await expect(firstRow(page).locator("td.email")).toHaveText("john@gmail.com");
  await expect(firstRow(page).locator("td.matched")).toContainText("Email: john@gmail.com");
  await expect(firstRow(page).locator("td.matched mark")).toHaveText("john@gmail.com");
  await expect(matchCount(page)).toContainText("best matches first");
  // Relevance decides the order, so the headers do not sort.
  await expect(page.locator("thead a.sort-link")).toHaveCount(0);
});

test("a status filter narrows the search inside the index and the total follows", async ({ page }) => {
  await openSearch(page);
  await searchBox(page).fill("spring sale");
  await expect(rows(page)).toHaveCount(2);
  await expect(matchCount(page)).toHaveText("2 matching leads, best matches first");

  await filters(page).getByLabel("Sold").check();
  await expect(page).toHaveURL(/status=sold/);
  await expect(rows(page)).toHaveCount(1);
  await expect(firstRow(page)).toContainText("Xavier Sale");
  await expect(firstRow(page).locator("td.matched")).toContainText("utm_campaign: spring-sale-2024");
  await expect(matchCount(page)).toHaveText("1 matching lead, best matches first");
  await expect(page.locator(".page-summary")).toHaveText("showing 1-1 of 1");
});

test("a search survives reload, a pasted link and Back", async ({ page, browser }) => {
  await openSearch(page);
  await searchBox(page).fill("chri");
  await expect(firstRow(page)).toContainText("Chris Park");
  await expect(rows(page).filter({ hasText: "Zara Zhou" })).toHaveCount(0);

  await page.reload();
  await expect(searchBox(page)).toHaveValue("chri");
  await expect(firstRow(page)).toContainText("Chris Park");

  const other = await browser.newContext();
  const pasted = await other.newPage();
  await pasted.goto(page.url());
  await expect(pasted.locator("tbody tr").first()).toContainText("Chris Park");
  await expect(pasted.getByRole("searchbox", { name: "Search", exact: true })).toHaveValue("chri");
  await other.close();

  // A status filter is a step of its own in the history; typing is not.
  await filters(page).getByLabel("Sold").check();
  await expect(page).toHaveURL(/status=sold/);
  await expect(page.getByText("No leads match the search")).toBeVisible();
  await page.goBack();
  await expect(page).not.toHaveURL(/status=/);
  await expect(page).toHaveURL(/q=chri/);
  await expect(firstRow(page)).toContainText("Chris Park");
  await expect(searchBox(page)).toHaveValue("chri");
  await expect(filters(page).getByLabel("Sold")).not.toBeChecked();
});

test("a percent sign in the search is taken literally", async ({ page }) => {
  await openSearch(page);
  await searchBox(page).fill("summer%20sale");
  await expect(page).toHaveURL(/q=summer%2520sale/);
  await page.waitForTimeout(500);
  await expect(searchBox(page)).toHaveValue("summer%20sale");
  await page.reload();
  await expect(searchBox(page)).toHaveValue("summer%20sale");
});

test("the actions stay visible beside the Matched column", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openSearch(page);
  await searchBox(page).fill("kim");
  await expect(rows(page)).toHaveCount(2);
  const actions = page.getByRole("columnheader", { name: "Actions" });
  const box = await actions.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(60);
  await expect(firstRow(page).getByRole("link", { name: "View" })).toBeInViewport();
});

test("the last digits of a phone number find it", async ({ page }) => {
  await openSearch(page);
  await searchBox(page).fill("0003");
  await expect(rows(page)).toHaveCount(1);
  await expect(firstRow(page)).toContainText("Mary Major");
  await expect(firstRow(page).locator("td.matched")).toContainText("Phone: (555) 020-0003");
  await expect(firstRow(page).locator("td.matched mark")).toHaveText("0003");
});

test("on a phone the reason for a match stays on screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openSearch(page);
  await searchBox(page).fill("kim@example.com");
  await expect(firstRow(page).locator("td.matched")).toBeInViewport();
});

test("accents, domains and phone digits in any format all find their lead", async ({ page }) => {
  await openSearch(page);
  await searchBox(page).fill("zoe angstrom");
  await expect(firstRow(page)).toContainText("Zoë Ångström");

  await searchBox(page).fill("acme.io");
  await expect(rows(page)).toHaveCount(2);
  await expect(rows(page).filter({ hasText: "c@other.com" })).toHaveCount(0);

  await searchBox(page).fill("30 123-4567");
  await expect(firstRow(page)).toContainText("Zoë Ångström");
  await expect(firstRow(page).locator("td.matched")).toContainText("Phone:");
});

test("a search without letters says so, and Advanced Search turns off again", async ({ page }) => {
  await openSearch(page);
  await searchBox(page).fill("!!!");
  await expect(page.getByRole("alert")).toContainText('invalid q "!!!"');
  await expect(page.getByRole("alert")).toContainText("type a name, email, phone number or other value");

  await searchBox(page).fill("nobody-by-this-name");
  await expect(page.getByText("No leads match the search")).toBeVisible();

  await toggle(page).click();
  await expect(toggle(page)).toHaveAttribute("aria-pressed", "false");
  await expect(page).not.toHaveURL(/q=/);
  await expect(filters(page).getByLabel("Email")).toBeVisible();
  await expect(page.locator(".page-summary")).toHaveText("showing 1-13 of 13");
});

test("text typed in the substring filters carries into the search", async ({ page }) => {
  await openSource(page, "Search Cases");
  await filters(page).getByLabel("Name").fill("kim");
  await expect(page).toHaveURL(/name=kim/);
  await toggle(page).click();
  await expect(page).toHaveURL(/q=kim/);
  await expect(page).not.toHaveURL(/name=/);
  await expect(searchBox(page)).toHaveValue("kim");
  await expect(rows(page)).toHaveCount(2);
});

test("a result opens its detail view and Escape returns to the search", async ({ page }) => {
  await openSearch(page);
  await searchBox(page).fill("kim@example.com");
  await expect(firstRow(page).locator("td.email")).toHaveText("kim@example.com");
  await expect(rows(page)).toHaveCount(2);
  await firstRow(page).getByRole("link", { name: "View" }).click();
  await expect(page.getByRole("heading", { name: "Kim Lee" })).toBeVisible();
  // Next lead follows the order of relevance: the plus-address ranks second.
  await page.keyboard.press("j");
  await expect(page.getByRole("heading", { name: "Kim Sub" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page).toHaveURL(/q=kim(%40|@)example\.com/);
  await expect(firstRow(page).locator("td.email")).toHaveText("kim@example.com");
});

test("all leads search across sources and narrow by source", async ({ page }) => {
  await page.goto("/leads");
  await toggle(page).click();
  await searchBox(page).fill("spring sale");
  // Demo leads share these words or come within a typo; the two leads with
  // both words exactly, one of them in the name, rank first.
  // Matched sits beside Name while searching, so Source is the sixth cell.
  await expect(rows(page).nth(0).locator("td").nth(5)).toHaveText("Search Cases");
  await expect(rows(page).nth(1).locator("td").nth(5)).toHaveText("Search Cases");

  await filters(page).getByLabel("Source").selectOption({ label: "Search Cases" });
  await expect(page).toHaveURL(/source=\d+/);
  await expect(rows(page)).toHaveCount(2);
  await expect(searchBox(page)).toHaveValue("spring sale");
  await filters(page).getByLabel("Source").selectOption({ label: "Empty Source" });
  await expect(page.getByText("No leads match the search")).toBeVisible();
});
