import { act, renderHook, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";
import type { View } from "../api/types";
import { contactHref, useOpenContact } from "./urlState";
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

test("an open record is in the URL (?contact=): opening pushes an entry, closing goes back to it; criteria changes keep it", async () => {
  const { result } = renderHook(() => ({ criteria: useUrlCriteria(), open: useOpenContact() }));
  const entries = window.history.length;
  const before = result.current.criteria.state;
  act(() => result.current.open[1]("c-42"));
  expect(result.current.open[0]).toBe("c-42");
  expect(window.history.length).toBe(entries + 1);
  expect(contactHref("c-7")).toBe("/contacts?view=v1&q=ann&sort=email%3Adesc&contact=c-7");
  expect(result.current.criteria.state).toBe(before); // the record is not a criterion: the same object
  act(() => result.current.criteria.applyFilter(filter));
  expect(new URLSearchParams(window.location.search).get("contact")).toBe("c-42");
  act(() => result.current.open[1](null));
  await waitFor(() => expect(result.current.open[0]).toBeNull()); // history.back() answers with a popstate
});

test("a record opened from a shared link closes without leaving the page", () => {
  window.history.replaceState(null, "", "/contacts?q=ann&contact=c-1");
  const { result } = renderHook(() => useOpenContact());
  expect(result.current[0]).toBe("c-1");
  act(() => result.current[1](null));
  expect(here()).toBe("/contacts?q=ann");
  expect(result.current[0]).toBeNull();
});
