import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { contact } from "../test/fixtures";
import { RowMenu } from "./RowMenu";

const ada = contact({ id: "c1", display_name: "Ada Lovelace" });

function setup(merges: { undone_at: string | null }[] = []) {
  const client = new QueryClient();
  client.setQueryData(["merges", ada.id], { items: merges, next_cursor: null });
  const onAction = vi.fn();
  render(
    <QueryClientProvider client={client}>
      <RowMenu contact={ada} onAction={onAction} />
    </QueryClientProvider>,
  );
  return { onAction, button: screen.getByRole("button", { name: "Actions for Ada Lovelace" }) };
}

test("a click opens the row's menu on its first item; a choice closes it and acts on that contact", async () => {
  const { onAction, button } = setup();
  expect(button).toHaveAttribute("aria-haspopup", "menu");
  expect(button).toHaveAttribute("aria-expanded", "false");
  expect(screen.queryByRole("menu")).not.toBeInTheDocument();
  await userEvent.click(button);
  const menu = await screen.findByRole("menu");
  expect(button).toHaveAttribute("aria-expanded", "true");
  expect(button).toHaveAttribute("aria-controls", menu.id);
  expect(screen.getAllByRole("menuitem").map((i) => i.textContent)).toEqual(["View details", "View messages", "Delete"]);
  await waitFor(() => expect(screen.getByRole("menuitem", { name: "View details" })).toHaveFocus());
  await userEvent.click(screen.getByRole("menuitem", { name: "View messages" }));
  await waitFor(() => expect(onAction).toHaveBeenCalledWith("messages", ada));
  expect(screen.queryByRole("menu")).not.toBeInTheDocument();
  expect(button).toHaveAttribute("aria-expanded", "false");
});

test("from the keyboard: ArrowUp opens on the last item, Escape closes and focus returns to the button", async () => {
  const { onAction, button } = setup();
  button.focus();
  await userEvent.keyboard("{ArrowUp}");
  await waitFor(() => expect(screen.getByRole("menuitem", { name: "Delete" })).toHaveFocus());
  await userEvent.keyboard("{Escape}");
  await waitFor(() => expect(screen.queryByRole("menu")).not.toBeInTheDocument());
  await waitFor(() => expect(button).toHaveFocus());
  await userEvent.keyboard("{Enter}");
  await waitFor(() => expect(screen.getByRole("menuitem", { name: "View details" })).toHaveFocus());
  await userEvent.keyboard("{Enter}");
  await waitFor(() => expect(onAction).toHaveBeenCalledWith("details", ada));
});

test("Unmerge contact is offered only while the contact has a merge that is not undone", async () => {
  setup([{ undone_at: "2026-01-01T00:00:00Z" }, { undone_at: null }]);
  await userEvent.click(screen.getByRole("button", { name: "Actions for Ada Lovelace" }));
  expect(await screen.findByRole("menuitem", { name: "Unmerge contact" })).toBeInTheDocument();
});

test("a contact whose merges are all undone has no Unmerge contact", async () => {
  setup([{ undone_at: "2026-01-01T00:00:00Z" }]);
  await userEvent.click(screen.getByRole("button", { name: "Actions for Ada Lovelace" }));
  await screen.findByRole("menu");
  expect(screen.queryByRole("menuitem", { name: "Unmerge contact" })).not.toBeInTheDocument();
});

test("Space opens the menu on its first item too", async () => {
  const { button } = setup();
  button.focus();
  await userEvent.keyboard(" ");
  await waitFor(() => expect(screen.getByRole("menuitem", { name: "View details" })).toHaveFocus());
});

test("merges that cannot be loaded: Unmerge contact is there, disabled, and says why", async () => {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ title: "Forbidden", status: 403, detail: "no access" }), { status: 403, headers: { "Content-Type": "application/problem+json" } })));
  render(
    <QueryClientProvider client={client}>
      <RowMenu contact={ada} onAction={vi.fn()} />
    </QueryClientProvider>,
  );
  await userEvent.click(screen.getByRole("button", { name: "Actions for Ada Lovelace" }));
  const item = await screen.findByRole("menuitem", { name: "Unmerge contact" });
  await waitFor(() => expect(item).toHaveAccessibleDescription(/merges could not be loaded/));
  expect(item).toHaveAttribute("aria-disabled", "true");
  vi.unstubAllGlobals();
});
