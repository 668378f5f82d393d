import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import { ApiError } from "../api/client";
import { hrefFor, pagesFor } from "../nav/AppHeader";
import { ChartCard } from "./ChartCard";

// jsdom has no canvas: the chart itself is drawn in the browser tests
vi.mock("./BarChart", () => ({ BarChart: (p: { title: string }) => <div role="img" aria-label={`Bar chart of ${p.title.toLowerCase()}`} /> }));

const base = { title: "Contacts by country", labelHeader: "Country", valueHeader: "Contacts", emptyText: "None of these contacts has a country." };

test("the numbers are a table screen readers always have, shown on Show as table", async () => {
  const rows = [
    { key: "MY", label: "Malaysia", count: 1234 },
    { key: "SG", label: "Singapore", count: 5 },
  ];
  render(<ChartCard {...base} rows={rows} isPending={false} error={null} />);
  const region = screen.getByRole("region", { name: "Contacts by country" });
  expect(region).toContainElement(screen.getByRole("img", { name: "Bar chart of contacts by country" }));
  const table = screen.getByRole("table", { name: "Contacts by country" });
  expect(table.parentElement).toHaveClass("visually-hidden");
  expect(screen.getByRole("row", { name: "Malaysia 1,234" })).toBeInTheDocument();
  const toggle = screen.getByRole("button", { name: "Show as table" });
  expect(toggle).toHaveAttribute("aria-pressed", "false");
  await userEvent.click(toggle);
  expect(toggle).toHaveAttribute("aria-pressed", "true");
  expect(screen.queryByRole("img")).toBeNull();
  expect(screen.getByRole("table", { name: "Contacts by country" }).parentElement).not.toHaveClass("visually-hidden");
});

test("loading, empty and error are said in words", () => {
  const { rerender } = render(<ChartCard {...base} rows={undefined} isPending error={null} />);
  expect(screen.getByRole("status")).toHaveTextContent("Loading contacts by country…");
  rerender(<ChartCard {...base} rows={[{ key: "MY", label: "Malaysia", count: 0 }]} isPending={false} error={null} />);
  expect(screen.getByText("None of these contacts has a country.")).toBeInTheDocument();
  expect(screen.queryByRole("table")).toBeNull();
  expect(screen.queryByRole("button", { name: "Show as table" })).toBeNull();
  rerender(<ChartCard {...base} rows={undefined} isPending={false} error={new ApiError({ status: 422, detail: "filter: too deep" }, null)} />);
  expect(screen.getByRole("alert")).toHaveTextContent("Contacts by country could not be loaded: filter: too deep");
});

test("owners get Ops, managers Dashboard, agents nothing; Contacts and Dashboard carry the search and filter", () => {
  expect(pagesFor("owner")).toEqual(["contacts", "dashboard", "ops"]);
  expect(pagesFor("manager")).toEqual(["contacts", "dashboard"]);
  expect(pagesFor("agent")).toEqual([]);
  expect(hrefFor("dashboard", "?q=acme&sort=email:asc&view=mine")).toBe("/dashboard?q=acme&view=mine");
  expect(hrefFor("contacts", "?q=acme")).toBe("/?q=acme");
  expect(hrefFor("ops", "?q=acme")).toBe("/ops");
});
