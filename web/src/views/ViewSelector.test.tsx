import { render, screen } from "@testing-library/react";
import type { View } from "../api/types";
import { ViewSelector } from "./ViewSelector";

const saved: View = { id: "v1", name: "VIP in Singapore", built_in: false, query: null, filter: null, sort: null, visibility: "private" };

test("the View control says which view the URL names: its name, still loading, not loaded, or not found", () => {
  const { rerender } = render(<ViewSelector views={[saved]} value="v1" onChange={() => {}} />);
  expect(screen.getByRole("button", { name: "View" })).toHaveAccessibleDescription("VIP in Singapore");
  rerender(<ViewSelector views={undefined} value="v1" onChange={() => {}} />);
  expect(screen.getByRole("button", { name: "View" })).toHaveAccessibleDescription("Loading…");
  rerender(<ViewSelector views={undefined} failed value="v1" onChange={() => {}} />);
  expect(screen.getByRole("button", { name: "View" })).toHaveAccessibleDescription("Saved view (not loaded)");
  rerender(<ViewSelector views={[]} value="v-deleted" onChange={() => {}} />);
  expect(screen.getByRole("button", { name: "View" })).toHaveAccessibleDescription("Saved view (not found)");
});
