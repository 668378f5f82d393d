import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { afterEach, vi } from "vitest";
import type { Group } from "../api/types";
import { FIELDS } from "../test/fixtures";
import { FilterDrawer } from "./FilterDrawer";
import { SEARCH_DEBOUNCE_MS } from "./typing";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function drawer(filter: Group, onApply: (f: Group | null) => void) {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ total: 0, facets: {}, histograms: {} }), { status: 200, headers: { "Content-Type": "application/json" } })));
  render(
    <QueryClientProvider client={new QueryClient()}>
      <FilterDrawer view="all" filter={filter} query="" sort={[]} fields={FIELDS} fieldsError={null} users={[]} channels={[]} onApply={onApply} onSaved={() => {}} onClose={() => {}} />
    </QueryClientProvider>,
  );
}

test("choosing a value from a list applies the filter at once, without the typing pause", async () => {
  const onApply = vi.fn();
  drawer({ and: [{ field: "custom.plan", op: "eq", value: "free" }] }, onApply);
  await userEvent.click(screen.getByRole("button", { name: "Value", description: "free" }));
  vi.useFakeTimers();
  fireEvent.click(screen.getByRole("option", { name: /pro/ }));
  act(() => vi.advanceTimersByTime(0));
  expect(onApply).toHaveBeenCalledWith({ and: [{ field: "custom.plan", op: "eq", value: "pro" }] });
});

test("a condition's controls are named Field, Operator and Value alone; what they hold is their description", async () => {
  drawer({ and: [{ field: "custom.plan", op: "eq", value: "free" }] }, vi.fn());
  expect(screen.getByRole("combobox", { name: "Field" })).toHaveValue("Plan");
  expect(screen.getByRole("button", { name: "Operator" })).toHaveAccessibleDescription("is");
  expect(screen.getByRole("button", { name: "Value" })).toHaveAccessibleDescription("free");
});

test("a number range has one control named Value and one named Up to", async () => {
  drawer({ and: [{ field: "custom.seats", op: "between", value: [2, 9] }] }, vi.fn());
  expect(screen.getByRole("spinbutton", { name: "Value" })).toHaveValue(2);
  expect(screen.getByRole("spinbutton", { name: "Up to" })).toHaveValue(9);
});

test("a typed value is applied once the typing pauses, not on every keystroke", async () => {
  const onApply = vi.fn();
  drawer({ and: [{ field: "first_name", op: "contains", value: "an" }] }, onApply);
  const box = screen.getByRole("textbox", { name: "Value" });
  vi.useFakeTimers();
  fireEvent.change(box, { target: { value: "ann" } });
  act(() => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 20));
  fireEvent.change(box, { target: { value: "anna" } });
  act(() => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 20));
  expect(onApply).not.toHaveBeenCalled();
  act(() => vi.advanceTimersByTime(40));
  expect(onApply).toHaveBeenCalledTimes(1);
  expect(onApply).toHaveBeenCalledWith({ and: [{ field: "first_name", op: "contains", value: "anna" }] });
  vi.useRealTimers();
  await waitFor(() => expect(onApply).toHaveBeenCalledTimes(1));
});

function Harness() {
  const [open, setOpen] = useState(false);
  return (
    <QueryClientProvider client={new QueryClient()}>
      <button onClick={() => setOpen((o) => !o)}>Filter</button>
      {open && (
        <FilterDrawer
          view="all"
          filter={{ and: [{ field: "custom.plan", op: "eq", value: "free" }] }}
          query=""
          sort={[]}
          fields={FIELDS}
          fieldsError={null}
          users={[]}
          channels={[]}
          onApply={() => {}}
          onSaved={() => {}}
          onClose={() => setOpen(false)}
        />
      )}
    </QueryClientProvider>
  );
}

test("Escape closes the drawer and focus goes back to the Filter button; an Escape that closes a menu in it does not", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ total: 0, facets: {}, histograms: {} }), { status: 200, headers: { "Content-Type": "application/json" } })));
  const user = userEvent.setup();
  render(<Harness />);
  await user.click(screen.getByRole("button", { name: "Filter" }));
  expect(await screen.findByRole("heading", { name: "Filters" })).toHaveFocus();
  await user.click(screen.getByRole("button", { name: "Value", description: "free" }));
  expect(await screen.findByRole("option", { name: /pro/ })).toBeInTheDocument();
  await user.keyboard("{Escape}");
  await waitFor(() => expect(screen.queryByRole("option", { name: /pro/ })).toBeNull());
  expect(screen.getByRole("region", { name: "Filters" })).toBeInTheDocument();
  await user.keyboard("{Escape}");
  await waitFor(() => expect(screen.queryByRole("region", { name: "Filters" })).toBeNull());
  expect(screen.getByRole("button", { name: "Filter" })).toHaveFocus();
});

test("a tag outside the counted choices can be typed, and the filter asks for it", async () => {
  const onApply = vi.fn();
  drawer({ and: [{ field: "tags", op: "has_any", value: ["vip"] }] }, onApply);
  const user = userEvent.setup();
  await user.type(screen.getByRole("textbox", { name: "Other value" }), "rare-tag{Enter}");
  await waitFor(() => expect(onApply).toHaveBeenCalledWith({ and: [{ field: "tags", op: "has_any", value: ["vip", "rare-tag"] }] }));
  expect(screen.getByRole("textbox", { name: "Other value" })).toHaveValue("");
});
