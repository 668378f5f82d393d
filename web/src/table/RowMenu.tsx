import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Button, Menu, MenuItem, MenuTrigger, Popover } from "react-aria-components";
import { api } from "../api/client";
import type { Contact } from "../api/types";

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
      <Button className="btn btn-plain row-menu" aria-label={`Actions for ${contact.display_name}`}>
        ⋯
      </Button>
      <Popover className="popover" placement="bottom end">
        <Menu className="menu" onAction={(k) => onAction(k as RowAction, contact)}>
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
