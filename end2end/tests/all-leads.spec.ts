import { expect, test } from "@playwright/test";

test("all leads combine every source and filter by source", async ({ page }) => {
  await page.goto("/sources");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "All leads" }).click();
  await expect(page).toHaveURL(/\/leads$/);
  await expect(page.getByRole("heading", { name: "All leads" })).toBeVisible();
  // 3,000 demo leads, 2 imported, 200 Acme and 12 filter cases.
  await expect(page.locator(".page-summary")).toHaveText("showing 1-50 of 3,232");

  const filters = page.getByRole("search", { name: "Filter leads" });
  await filters.getByLabel("Source").selectOption({ label: "Acme Campaign" });
  await expect(page).toHaveURL(/source=\d+/);
  await expect(page.locator(".match-count")).toHaveText("200 matching leads");
  for (const cell of await page.locator("tbody tr td:nth-child(5)").allTextContents()) {
    expect(cell).toBe("Acme Campaign");
  }

  await filters.getByLabel("Email").fill("acme.example");
  await expect(page.locator(".match-count")).toHaveText("25 matching leads");
  await page.reload();
  await expect(page.locator(".match-count")).toHaveText("25 matching leads");
  await expect(filters.getByLabel("Source")).toHaveValue(/\d+/);

  await filters.getByLabel("Source").selectOption({ label: "All sources" });
  await expect(page).not.toHaveURL(/source=/);
  await expect(page.locator(".match-count")).toHaveText("25 matching leads");
});

test("all leads sort by source name", async ({ page }) => {
  await page.goto("/leads?size=100");
  await page.getByRole("link", { name: "Source", exact: true }).click();
  await expect(page).toHaveURL(/sort=source/);

  const names = await page.locator("tbody tr td:nth-child(5)").allTextContents();
  const sorted = [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  expect(names).toEqual(sorted);
});
