import { cleanup as cleanupAll, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { contact } from "../test/fixtures";
import { ContactsTable } from "./ContactsTable";

const rows = Array.from({ length: 500 }, (_, i) => contact({ id: `c${i}`, display_name: `Person ${i}`, email: `p${i}@example.com` }));

function setup(over: Partial<Parameters<typeof ContactsTable>[0]> = {}) {
  const props = {
    rows,
    columns: [
      { key: "display_name", label: "Name", sortable: true },
      { key: "email", label: "Email", sortable: true },
      { key: "tags", label: "Tags", sortable: false },
    ],
    sort: [{ field: "email", order: "desc" as const }],
    onSort: vi.fn(),
    selected: new Set<string>(["c1"]),
    allMatching: false,
    onToggle: vi.fn(),
    onTogglePage: vi.fn(),
    hasNextPage: true,
    total: 1234 as number | null,
    isFetchingNextPage: false,
    fetchNextPage: vi.fn(),
    onAction: vi.fn(),
    lookups: { users: new Map(), channels: new Map() },
    ...over,
  };
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ContactsTable {...props} />
    </QueryClientProvider>,
  );
  return props;
}

test("headers carry aria-sort and sort on activation", async () => {
  const p = setup();
  const headers = screen.getAllByRole("columnheader");
  expect(headers.map((h) => h.textContent?.replace(/[▲▼\s]+$/g, ""))).toEqual(expect.arrayContaining(["Name", "Email", "Tags"]));
  const email = headers.find((h) => h.textContent?.startsWith("Email")) as HTMLElement;
  expect(email).toHaveAttribute("aria-sort", "descending");
  expect(headers.find((h) => h.textContent?.includes("Name"))).toHaveAttribute("aria-sort", "none");
  expect(headers.find((h) => h.textContent === "Tags")).not.toHaveAttribute("aria-sort");
  await userEvent.click(within(email).getByRole("button"));
  expect(p.onSort).toHaveBeenCalledWith("email");
  // named exactly by their labels: the select-all checkbox in the Name header is not part of its name
  expect(screen.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "none");
  expect(screen.getByRole("columnheader", { name: "Email" })).toHaveAttribute("aria-sort", "descending");
});

test("rows are virtualized: a bounded number of rows in the DOM, each with its Select checkbox and Actions menu", async () => {
  const p = setup();
  await screen.findByRole("checkbox", { name: "Select Person 1" });
  const bodyRows = screen.getAllByRole("row").slice(1);
  expect(bodyRows.length).toBeGreaterThan(5);
  expect(bodyRows.length).toBeLessThan(60);
  expect(screen.getByRole("checkbox", { name: "Select Person 1" })).toBeChecked();
  expect(screen.getByRole("checkbox", { name: "Select Person 0" })).not.toBeChecked();
  expect(screen.getByRole("button", { name: "Actions for Person 0" })).toBeInTheDocument();
  await userEvent.click(screen.getByRole("checkbox", { name: "Select Person 0" }));
  expect(p.onToggle).toHaveBeenCalledWith(rows[0]);
  await userEvent.click(screen.getByRole("checkbox", { name: "Select all on this page" }));
  expect(p.onTogglePage).toHaveBeenCalled();
});

test("the next page is requested near the end of the loaded rows, not before", async () => {
  const far = setup();
  await screen.findByRole("checkbox", { name: "Select Person 0" });
  expect(far.fetchNextPage).not.toHaveBeenCalled();
  cleanupAll();
  const near = setup({ rows: rows.slice(0, 10) });
  await screen.findByRole("checkbox", { name: "Select Person 9" });
  expect(near.fetchNextPage).toHaveBeenCalled();
});

test("rows say where they are among all the matching contacts (aria-rowcount, aria-rowindex)", () => {
  setup();
  const table = screen.getByRole("table", { name: "Contacts" });
  expect(table).toHaveAttribute("aria-rowcount", "1235"); // 1,234 contacts and the header row
  const rows = screen.getAllByRole("row");
  expect(rows[0]).toHaveAttribute("aria-rowindex", "1");
  expect(rows[1]).toHaveAttribute("aria-rowindex", "2");
});
