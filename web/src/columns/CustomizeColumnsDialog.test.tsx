import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { keys } from "../api/queries";
import type { Columns } from "../api/types";
import { CustomizeColumnsDialog } from "./CustomizeColumnsDialog";

afterEach(() => vi.unstubAllGlobals());

const cols: Columns = {
  columns: ["display_name", "email", "phone"],
  available: [
    { key: "display_name", label: "Name" },
    { key: "email", label: "Email" },
    { key: "phone", label: "Phone" },
    { key: "custom.plan", label: "Plan" },
  ],
};

/** The dialog over `cols`, with PUT /v1/me/columns answering the columns it was sent. */
function renderDialog() {
  const fetchMock = vi.fn(async (_url: string, init?: RequestInit) =>
    new Response(JSON.stringify({ ...cols, columns: (JSON.parse(init?.body as string) as { columns: string[] }).columns }), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    }),
  );
  vi.stubGlobal("fetch", fetchMock);
  const qc = new QueryClient();
  qc.setQueryData(keys.columns, cols);
  render(
    <QueryClientProvider client={qc}>
      <CustomizeColumnsDialog isOpen onClose={() => {}} columns={cols} />
    </QueryClientProvider>,
  );
  return { fetchMock, qc };
}

test("Name is checked and fixed; a change is saved at once with PUT /v1/me/columns", async () => {
  const { fetchMock, qc } = renderDialog();
  const name = screen.getByRole("checkbox", { name: "Name" });
  expect(name).toBeChecked();
  expect(name).toBeDisabled();
  expect(screen.getByRole("checkbox", { name: "Plan" })).not.toBeChecked();
  await userEvent.click(screen.getByText("Plan"));
  await waitFor(() => expect(fetchMock).toHaveBeenCalled());
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(url).toBe("/v1/me/columns");
  expect(init.method).toBe("PUT");
  expect(JSON.parse(init.body as string)).toEqual({ columns: ["display_name", "email", "phone", "custom.plan"] });
  await waitFor(() => expect(qc.getQueryData<Columns>(keys.columns)?.columns).toContain("custom.plan"));
});

test("a shown column moves earlier or later; Name stays first; the order is saved at once", async () => {
  const { fetchMock, qc } = renderDialog();
  expect(screen.getByRole("button", { name: "Move Email earlier" })).toBeDisabled();
  expect(screen.getByRole("button", { name: "Move Phone later" })).toBeDisabled();
  await userEvent.click(screen.getByRole("button", { name: "Move Phone earlier" }));
  await waitFor(() => expect(fetchMock).toHaveBeenCalled());
  const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(JSON.parse(init.body as string)).toEqual({ columns: ["display_name", "phone", "email"] });
  expect(qc.getQueryData<Columns>(keys.columns)?.columns).toEqual(["display_name", "phone", "email"]);
});
