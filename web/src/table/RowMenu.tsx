import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Button, Menu, MenuItem, MenuTrigger, Popover } from "react-aria-components";
import { api } from "../api/client";
import type { Contact } from "../api/types";

/** Back to a row's menu button once the dialog it opened closes (the menu item it came from is gone). */
export function focusRowMenu(contactId: string) {
  let tries = 0;
  const attempt = () => {
    tries += 1;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const el = document.querySelector<HTMLElement>(`[data-actions-for="${CSS.escape(contactId)}"]`);
    if (el) el.focus();
    else if (tries < 20) setTimeout(attempt, 50);
  };
  setTimeout(attempt, 50);
}

export type RowAction = "details" | "messages" | "delete" | "unmerge";

/** "Actions for <name>": View details, View messages, Delete, and Unmerge contact when it has merges. */
export function RowMenu({ contact, onAction }: { contact: Contact; onAction: (a: RowAction, c: Contact) => void }) {
  const [open, setOpen] = useState(false);
  const merges = useQuery({
    queryKey: ["merges", contact.id],
    queryFn: () => api.merges(contact.id),
    enabled: open,
    staleTime: 10_000,
  });
  const hasMerges = (merges.data?.items ?? []).some((m) => !m.undone_at);
  return (
    <MenuTrigger isOpen={open} onOpenChange={setOpen}>
      <Button className="btn btn-plain row-menu" aria-label={`Actions for ${contact.display_name}`} data-actions-for={contact.id}>
        ⋯
      </Button>
      <Popover className="popover" placement="bottom end">
        <Menu
          className="menu"
          // opened once the menu has closed and focus is back on its button, so the dialog returns focus there
          onAction={(k) => setTimeout(() => onAction(k as RowAction, contact), 0)}
        >
          <MenuItem id="details" className="menu-item">
            View details
          </MenuItem>
          <MenuItem id="messages" className="menu-item">
            View messages
          </MenuItem>
          {hasMerges && (
            <MenuItem id="unmerge" className="menu-item">
              Unmerge contact
            </MenuItem>
          )}
          <MenuItem id="delete" className="menu-item danger">
            Delete
          </MenuItem>
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}
