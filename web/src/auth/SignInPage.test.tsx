import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import { SignInPage } from "./SignInPage";

afterEach(() => vi.unstubAllGlobals());

function renderPage() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <SignInPage />
    </QueryClientProvider>,
  );
}

test("a pasted link is exchanged by its code; a refused one says why", async () => {
  window.history.replaceState(null, "", "/sign-in");
  const fetchMock = vi.fn(async () => new Response(JSON.stringify({ status: 401, title: "Unauthorized" }), { status: 401 }));
  vi.stubGlobal("fetch", fetchMock);
  renderPage();
  await userEvent.type(screen.getByLabelText("Sign-in code or API token"), "http://127.0.0.1:8000/sign-in?code=abc123");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(/used already or expired/));
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(url).toBe("/v1/sessions");
  expect(JSON.parse(init.body as string)).toEqual({ code: "abc123" });
});

test("an API token signs in as a token, then the app goes to the table", async () => {
  window.history.replaceState(null, "", "/sign-in");
  const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
  vi.stubGlobal("fetch", fetchMock);
  renderPage();
  await userEvent.type(screen.getByLabelText("Sign-in code or API token"), "ct_secret");
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
  await waitFor(() => expect(window.location.pathname).toBe("/"));
  const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(JSON.parse(init.body as string)).toEqual({ token: "ct_secret" });
});
