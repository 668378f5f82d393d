import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import { EmptyState } from "./EmptyState";

const handlers = () => ({ onClear: vi.fn(), onAdd: vi.fn(), onImport: vi.fn() });

test("no match for a search or filter: says so and offers to clear them", async () => {
  const h = handlers();
  render(<EmptyState criteria view="all" {...h} />);
  expect(screen.getByText("No contacts match this search and filter.")).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Clear search and filters" }));
  expect(h.onClear).toHaveBeenCalledOnce();
});

test("an empty workspace offers adding a first contact or importing a file", async () => {
  const h = handlers();
  render(<EmptyState criteria={false} view="all" {...h} />);
  expect(screen.getByText(/^No contacts yet/)).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Add your first contact" }));
  await userEvent.click(screen.getByRole("button", { name: "Import a file" }));
  expect(h.onAdd).toHaveBeenCalledOnce();
  expect(h.onImport).toHaveBeenCalledOnce();
});

test("an empty view says so, without offering to clear criteria it does not have", () => {
  render(<EmptyState criteria={false} view="mine" {...handlers()} />);
  expect(screen.getByText("No contacts in this view.")).toBeInTheDocument();
  expect(screen.queryByRole("button")).toBeNull();
});
