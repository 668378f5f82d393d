import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { JobTray } from "./JobTray";
import { jobTray } from "./tray";

afterEach(() => {
  vi.unstubAllGlobals();
  for (const i of jobTray.items()) jobTray.dismiss(i.id);
});

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });

test("an export handed over by its dialog ends under Background jobs with its Download link, until dismissed", async () => {
  vi.stubGlobal("fetch", vi.fn(async () => json({ id: "x1", status: "succeeded", processed: 3, total: 3, rows: 3, download_url: "/v1/exports/x1/file", error: null })));
  render(
    <QueryClientProvider client={new QueryClient()}>
      <JobTray />
    </QueryClientProvider>,
  );
  expect(screen.queryByRole("region", { name: "Background jobs" })).toBeNull();
  jobTray.handOff({ id: "x1", kind: "export", title: "Export of 3 contacts" });
  const region = await screen.findByRole("region", { name: "Background jobs" });
  await waitFor(() => expect(region).toHaveTextContent("Export of 3 contacts ready: 3 contacts."));
  expect(screen.getByRole("link", { name: "Download" })).toHaveAttribute("href", "/v1/exports/x1/file");
  await userEvent.click(screen.getByRole("button", { name: "Dismiss: Export of 3 contacts" }));
  expect(screen.queryByRole("region", { name: "Background jobs" })).toBeNull();
});

test("a bulk job still running can be cancelled from the tray", async () => {
  let status = "running";
  const fetchMock = vi.fn(async (url: string) => {
    if (url.endsWith("/cancel")) status = "cancelled";
    return json({ id: "j1", kind: "bulk_delete", status, processed: 40, total: 100, result: null, error: null });
  });
  vi.stubGlobal("fetch", fetchMock);
  render(
    <QueryClientProvider client={new QueryClient()}>
      <JobTray />
    </QueryClientProvider>,
  );
  jobTray.handOff({ id: "j1", kind: "job", title: "Delete of 100 contacts" });
  expect(await screen.findByRole("progressbar", { name: "Delete of 100 contacts" })).toBeInTheDocument();
  await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
  expect(await screen.findByText("Delete of 100 contacts cancelled after 40 contacts.")).toBeInTheDocument();
  expect(fetchMock).toHaveBeenCalledWith("/v1/jobs/j1/cancel", expect.objectContaining({ method: "POST" }));
});
