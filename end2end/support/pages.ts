import { expect, Page } from "@playwright/test";

/** Opens a source's lead table from the sources page, as a user would. */
export async function openSource(page: Page, name: string) {
  await page.goto("/sources");
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
}

export const filters = (page: Page) => page.getByRole("search", { name: "Filter leads" });
export const rows = (page: Page) => page.locator("tbody tr");
