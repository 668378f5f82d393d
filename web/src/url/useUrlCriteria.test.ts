import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";
import type { View } from "../api/types";
import { useUrlCriteria } from "./useUrlCriteria";

const filter = { and: [{ field: "country", op: "eq", value: "MY" }] };
const here = () => window.location.pathname + window.location.search;

beforeEach(() => window.history.replaceState(null, "", "/contacts?view=v1&q=ann&sort=email:desc"));
afterEach(() => vi.useRealTimers());

test("the criteria are read from the URL", () => {
  const { result } = renderHook(() => useUrlCriteria());
  expect(result.current.state).toEqual({ view: "v1", q: "ann", filter: null, sort: [{ field: "email", order: "desc" }] });
  expect(result.current.text).toBe("ann");
});

test("typing reaches ?q= after a pause, replacing the history entry", () => {
  vi.useFakeTimers();
  const { result } = renderHook(() => useUrlCriteria());
  const entries = window.history.length;
  act(() => result.current.setText("lee"));
  expect(here()).toBe("/contacts?view=v1&q=ann&sort=email:desc"); // not yet: still typing
  act(() => vi.advanceTimersByTime(300));
  expect(here()).toBe("/contacts?view=v1&q=lee&sort=email%3Adesc");
  expect(result.current.state.q).toBe("lee");
  expect(window.history.length).toBe(entries);
});

test("a filter applied replaces the entry; choosing a view pushes one", () => {
  const { result } = renderHook(() => useUrlCriteria());
  const entries = window.history.length;
  act(() => result.current.applyFilter(filter));
  expect(new URLSearchParams(window.location.search).get("filter")).toBe(JSON.stringify(filter));
  expect(window.history.length).toBe(entries);
  act(() => result.current.selectView("v2"));
  expect(result.current.state).toMatchObject({ view: "v2", q: "ann", filter });
  expect(window.history.length).toBe(entries + 1);
});

test("a view just saved is shown alone: its own search and filter, the sort kept", () => {
  window.history.replaceState(null, "", `/contacts?q=ann&filter=${encodeURIComponent(JSON.stringify(filter))}&sort=email:desc`);
  const { result } = renderHook(() => useUrlCriteria());
  act(() => result.current.openSavedView({ id: "v9", name: "Malaysia" } as View));
  expect(here()).toBe("/contacts?view=v9&sort=email%3Adesc");
  expect(result.current.text).toBe("");
});
