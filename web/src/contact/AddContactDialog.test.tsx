import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { AddContactDialog } from "./AddContactDialog";

afterEach(() => vi.unstubAllGlobals());

test("the API's 422 appears next to the field it names, and writes carry the CSRF header", async () => {
  document.cookie = "contacts_csrf=tok123";
  const fetchMock = vi.fn(async () =>
    new Response(
      JSON.stringify({ type: "about:blank", title: "Unprocessable", status: 422, detail: "invalid input", errors: [{ loc: ["body", "email"], msg: "not a valid email address" }] }),
      { status: 422, headers: { "Content-Type": "application/problem+json" } },
    ),
  );
  vi.stubGlobal("fetch", fetchMock);
  const onAdded = vi.fn();
  render(
    <QueryClientProvider client={new QueryClient()}>
      <AddContactDialog isOpen onClose={() => {}} custom={[]} onAdded={onAdded} />
    </QueryClientProvider>,
  );
  const dialog = screen.getByRole("dialog", { name: "Add contact" });
  expect(dialog).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("First name"), "Zoë");
  await userEvent.type(screen.getByLabelText("Email"), "not-an-email");
  await userEvent.click(screen.getByRole("button", { name: "Add" }));
  await waitFor(() => expect(screen.getByText("not a valid email address")).toBeInTheDocument());
  const email = screen.getByLabelText("Email");
  expect(email).toHaveAttribute("aria-invalid", "true");
  expect(email.getAttribute("aria-describedby") ?? "").toContain(screen.getByText("not a valid email address").id);
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(url).toBe("/v1/contacts");
  expect(JSON.parse(init.body as string)).toEqual({ first_name: "Zoë", email: "not-an-email" });
  expect((init.headers as Record<string, string>)["X-CSRF-Token"]).toBe("tok123");
  expect(onAdded).not.toHaveBeenCalled();
});
