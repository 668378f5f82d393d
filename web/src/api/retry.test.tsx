import { render, screen, waitFor } from "@testing-library/react";
import { QueryClientProvider, useQuery } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { api, describeError } from "./client";
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
