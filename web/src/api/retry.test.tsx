import { render, screen, waitFor } from "@testing-library/react";
import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { WRITE_ATTEMPTS, api, describeError } from "./client";
import { RetryNotice } from "../ui/controls";
import { makeQueryClient } from "./queryClient";

afterEach(() => vi.unstubAllGlobals());

function Views() {
  const q = useQuery({ queryKey: ["views"], queryFn: api.views });
  if (q.data) return <p>{q.data.items.map((v) => v.name).join(", ")}</p>;
  if (q.failureReason) return <p role="alert">{describeError(q.failureReason)}</p>;
  return <p>Loading</p>;
}

test("a 503 says what is unavailable and is retried after its Retry-After", async () => {
  let calls = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => {
      calls += 1;
      if (calls === 1)
        return new Response(JSON.stringify({ status: 503, title: "Service Unavailable", detail: "search is unavailable (OpenSearch is down)" }), {
          status: 503,
          headers: { "Content-Type": "application/problem+json", "Retry-After": "1" },
        });
      return new Response(JSON.stringify({ items: [{ id: "all", name: "All contacts" }], next_cursor: null }), {
        status: 200,
        headers: { "Content-Type": "application/json" },
      });
    }),
  );
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <Views />
    </QueryClientProvider>,
  );
  await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("search is unavailable (OpenSearch is down). Retrying…"));
  await waitFor(() => expect(screen.getByText("All contacts")).toBeInTheDocument(), { timeout: 5000 });
  expect(calls).toBe(2);
});

test("a 4xx is not retried", async () => {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify({ status: 404, title: "Not Found", detail: "no such view" }), { status: 404 }));
  vi.stubGlobal("fetch", fetchMock);
  render(
    <QueryClientProvider client={makeQueryClient()}>
      <Views />
    </QueryClientProvider>,
  );
  await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("no such view"));
  await new Promise((r) => setTimeout(r, 300));
  expect(fetchMock).toHaveBeenCalledTimes(1);
});

const unavailable = () =>
  new Response(JSON.stringify({ status: 503, title: "Service Unavailable", detail: "the database is unavailable at the moment; retry shortly" }), {
    status: 503,
    headers: { "Content-Type": "application/problem+json", "Retry-After": "1" },
  });

test("a write answered 503 says what is unavailable, is sent again after its Retry-After, and succeeds", async () => {
  let calls = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => {
      calls += 1;
      if (calls === 1) return unavailable();
      return new Response(JSON.stringify({ id: "c1", display_name: "Ann" }), { status: 201, headers: { "Content-Type": "application/json" } });
    }),
  );
  render(<RetryNotice />);
  const done = api.createContact({ first_name: "Ann" });
  expect(await screen.findByRole("status")).toHaveTextContent("the database is unavailable at the moment; retry shortly. Trying again in 1 s (attempt 2 of 5)…");
  await expect(done).resolves.toMatchObject({ id: "c1" });
  expect(calls).toBe(2);
  await waitFor(() => expect(screen.queryByRole("status")).toBeNull());
});

test("a write still refused after every attempt says that nothing was saved; one with no answer is not sent twice", async () => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  try {
    const refused = vi.fn(async () => unavailable());
    vi.stubGlobal("fetch", refused);
    const failed = api.createContact({ first_name: "Ann" }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(WRITE_ATTEMPTS * 1000);
    const e = await failed;
    expect(refused).toHaveBeenCalledTimes(WRITE_ATTEMPTS);
    expect(describeError(e)).toBe(`the database is unavailable at the moment; retry shortly. Tried ${WRITE_ATTEMPTS} times; nothing was saved. Try again later.`);
  } finally {
    vi.useRealTimers();
  }
  const unreachable = vi.fn(async () => {
    throw new TypeError("Failed to fetch");
  });
  vi.stubGlobal("fetch", unreachable);
  const e = await api.createContact({ first_name: "Ann" }).catch((x: unknown) => x);
  expect(unreachable).toHaveBeenCalledTimes(1);
  expect(describeError(e)).toBe("The server could not be reached, so this may not have been saved. Check, then try again.");
});
