import { expect, test } from "@playwright/test";

test("sources page lists every source with its lead count", async ({ page }) => {
  await page.goto("/sources");

  await expect(page.getByRole("heading", { name: "Sources" })).toBeVisible();
  const table = page.getByRole("table");
  await expect(table.getByRole("columnheader", { name: "Source" })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: "Leads" })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: /^Created/ })).toBeVisible();

  // Six demo sources plus the six imported by scripts/test.
  await expect(table.getByRole("row")).toHaveCount(1 + 12);
  const imported = table.getByRole("row", { name: /E2E Import/ });
  await expect(imported.getByRole("cell").nth(1)).toHaveText("2");
  const empty = table.getByRole("row", { name: /Empty Source/ });
  await expect(empty.getByRole("cell").nth(1)).toHaveText("0");

  // The demo counts add up to the 3,000 seeded leads.
  const counts = await table.locator("tbody tr td:nth-child(2)").allTextContents();
  const total = counts.map((text) => Number(text.replace(/,/g, ""))).reduce((a, b) => a + b, 0);
  expect(total).toBe(3000 + 2 + 200 + 12 + 5 + 13);
});

test("a source name opens its leads", async ({ page }) => {
  await page.goto("/sources");
  await page.getByRole("link", { name: "Facebook Q3 Campaign" }).click();

  await expect(page).toHaveURL(/\/sources\/\d+\/leads$/);
  await expect(page.getByRole("heading", { name: "Facebook Q3 Campaign" })).toBeVisible();
  await expect(page.getByRole("table").getByRole("row")).toHaveCount(1 + 50);
});
