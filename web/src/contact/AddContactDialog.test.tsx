import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { afterEach, vi } from "vitest";
import type { FieldInfo } from "../api/types";
import { AddContactDialog } from "./AddContactDialog";
import { editableFieldsOf } from "./ContactForm";

afterEach(() => vi.unstubAllGlobals());

function field(name: string, label: string, type: string, importable: boolean): FieldInfo {
  return { field: name, label, type, custom: false, operators: [], sortable: false, facetable: false, column: true, importable } as FieldInfo;
}

// Part of GET /v1/fields as the API answers it (standard fields first, in the registry's order).
const FIELDS: FieldInfo[] = [
  field("display_name", "Name", "text", false),
  field("first_name", "First name", "text", true),
  field("last_name", "Last name", "text", true),
  field("email", "Email", "text", true),
  field("phone", "Phone", "text", true),
  field("tags", "Tags", "set", true),
  field("channels", "Channels", "set", false),
  field("country", "Country", "code", true),
  field("assignee_id", "Assignee", "user", true),
  field("created_at", "Created at", "datetime", false),
  { ...field("custom.plan", "Plan", "text", true), custom: true },
];
const STANDARD = editableFieldsOf(FIELDS);

function renderDialog(onAdded = vi.fn(), tagsInUse: { value: string; count: number }[] = []) {
  const client = new QueryClient();
  // the Tags field's suggestions (the workspace's tags in use), known already: no request for them
  client.setQueryData(["choice-counts", "tags", "all", "", null], { total: 0, facets: { tags: tagsInUse }, histograms: {} });
  render(
    <QueryClientProvider client={client}>
      <AddContactDialog isOpen onClose={() => {}} standard={STANDARD} custom={[]} onAdded={onAdded} />
    </QueryClientProvider>,
  );
  return onAdded;
}

test("the form shows the importable standard fields of GET /v1/fields, in its order", async () => {
  expect(STANDARD.map((f) => f.field)).toEqual(["first_name", "last_name", "email", "phone", "tags", "country"]);
  renderDialog();
  expect(await screen.findByRole("combobox", { name: "Country" })).toBeInTheDocument();
  const labels = screen.getAllByRole("textbox").map((box) => (box as HTMLInputElement).labels?.[0]?.textContent);
  expect(labels).toEqual(["First name", "Last name", "Email", "Phone", "Tags"]);
  expect(screen.getByLabelText("Email")).toHaveAttribute("type", "email");
  expect(screen.getByLabelText("Phone")).toHaveAttribute("type", "tel");
});

test("tags typed with commas are sent as a list", async () => {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify({ id: "c1", display_name: "Ana" }), { status: 201, headers: { "Content-Type": "application/json" } }));
  vi.stubGlobal("fetch", fetchMock);
  const onAdded = renderDialog();
  await userEvent.type(screen.getByLabelText("First name"), "Ana");
  await userEvent.type(screen.getByLabelText("Tags"), "vip, wholesale ,");
  await userEvent.click(screen.getByRole("button", { name: "Add" }));
  await waitFor(() => expect(onAdded).toHaveBeenCalledWith("Ana"));
  const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(JSON.parse(init.body as string)).toEqual({ first_name: "Ana", tags: ["vip", "wholesale"] });
});

test("a country is typed by name and chosen from the list; the API gets its code", async () => {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify({ id: "c1", display_name: "Ana" }), { status: 201, headers: { "Content-Type": "application/json" } }));
  vi.stubGlobal("fetch", fetchMock);
  const onAdded = renderDialog();
  await userEvent.type(screen.getByLabelText("First name"), "Ana");
  await userEvent.type(await screen.findByRole("combobox", { name: "Country" }), "Malay");
  await userEvent.click(await screen.findByRole("option", { name: "Malaysia (MY)" }));
  expect(screen.getByRole("combobox", { name: "Country" })).toHaveValue("Malaysia (MY)");
  await userEvent.click(screen.getByRole("button", { name: "Add" }));
  await waitFor(() => expect(onAdded).toHaveBeenCalledWith("Ana"));
  const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  expect(JSON.parse(init.body as string)).toEqual({ first_name: "Ana", country: "MY" });
});

test("the API's 422 appears next to the field it names, and writes carry the CSRF header", async () => {
  document.cookie = "contacts_csrf=tok123";
  const fetchMock = vi.fn(async () =>
    new Response(
      JSON.stringify({ type: "about:blank", title: "Unprocessable", status: 422, detail: "invalid input", errors: [{ loc: ["body", "email"], msg: "not a valid email address" }] }),
      { status: 422, headers: { "Content-Type": "application/problem+json" } },
    ),
  );
  vi.stubGlobal("fetch", fetchMock);
  const onAdded = renderDialog();
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

test("tags in use are offered under Tags; one press adds one to the list", async () => {
  renderDialog(vi.fn(), [{ value: "vip", count: 9 }, { value: "lead", count: 4 }]);
  await userEvent.type(screen.getByLabelText("Tags"), "lead");
  expect(screen.queryByRole("button", { name: "Add tag lead" })).toBeNull(); // already in the list
  await userEvent.click(screen.getByRole("button", { name: "Add tag vip" }));
  expect(screen.getByLabelText("Tags")).toHaveValue("lead, vip");
});
