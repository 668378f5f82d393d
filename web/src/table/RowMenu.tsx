import { type RefObject, useRef, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Menu, MenuItem, Popover, Text } from "react-aria-components";
import { api, describeError } from "../api/client";
import type { Contact } from "../api/types";

/** Back to a row's menu button once the dialog it opened closes (the menu item it came from is gone). */
export function focusRowMenu(contactId: string) {
  focusIfLost(`[data-actions-for="${CSS.escape(contactId)}"]`);
}

/** After a dialog closed and the control that opened it is gone (the focus fell to the page), moves
 * the focus to the element `selector` finds, once it is there (up to a second). */
export function focusIfLost(selector: string) {
  let tries = 0;
  const attempt = () => {
    tries += 1;
    const active = document.activeElement;
    if (active && active !== document.body) return;
    const el = document.querySelector<HTMLElement>(selector);
    if (el) el.focus();
    else if (tries < 20) setTimeout(attempt, 50);
  };
  setTimeout(attempt, 50);
}

export type RowAction = "details" | "messages" | "delete" | "unmerge";

/**
 * "Actions for <name>": View details, View messages, Delete, and Unmerge contact when it has merges.
 *
 * Every visible row has one, and a new search replaces every row: so the button is a plain one, and
 * the menu (a React Aria Popover and Menu, with the query that asks whether the contact has merges) is
 * mounted only while it is open. The button keeps focus semantics: Enter, Space or a click opens the
 * menu on its first item, ArrowDown/ArrowUp on its first/last; Escape or a choice closes it and
 * focus returns to the button.
 */
export function RowMenu({ contact, onAction }: { contact: Contact; onAction: (a: RowAction, c: Contact) => void }) {
  const [open, setOpen] = useState<false | "first" | "last">(false);
  const button = useRef<HTMLButtonElement>(null);
  const menuId = `row-menu-${contact.id}`;
  return (
    <>
      <button
        ref={button}
        type="button"
        className="btn btn-plain row-menu"
        aria-label={`Actions for ${contact.display_name}`}
        aria-haspopup="menu"
        aria-expanded={open ? true : false}
        aria-controls={open ? menuId : undefined}
        data-actions-for={contact.id}
        onClick={() => setOpen("first")}
        onKeyDown={(e) => {
          // Opened here, not by the click a key would fire: a click from the keyboard counts as a
          // "virtual" one in React Aria, which would leave focus on the menu instead of an item.
          if (["Enter", " ", "ArrowDown", "ArrowUp"].includes(e.key)) {
            e.preventDefault();
            setOpen(e.key === "ArrowUp" ? "last" : "first");
          }
        }}
      >
        ⋯
      </button>
      {open && (
        <OpenRowMenu
          id={menuId}
          contact={contact}
          onAction={onAction}
          focus={open}
          triggerRef={button}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}

function OpenRowMenu(props: {
  id: string;
  contact: Contact;
  onAction: (a: RowAction, c: Contact) => void;
  focus: "first" | "last";
  triggerRef: RefObject<HTMLButtonElement | null>;
  onClose: () => void;
}) {
  const { contact, onAction, onClose } = props;
  const merges = useQuery({
    queryKey: ["merges", contact.id],
    queryFn: () => api.merges(contact.id),
    staleTime: 10_000,
  });
  const hasMerges = (merges.data?.items ?? []).some((m) => !m.undone_at);
  return (
    <Popover
      className="popover"
      placement="bottom end"
      triggerRef={props.triggerRef}
      isOpen
      onOpenChange={(isOpen) => {
        if (!isOpen) onClose();
      }}
    >
      <Menu
        id={props.id}
        className="menu"
        aria-label={`Actions for ${contact.display_name}`}
        autoFocus={props.focus}
        onClose={onClose}
        // run once the menu has closed and focus is back on its button, so the dialog returns focus there
        onAction={(k) => setTimeout(() => onAction(k as RowAction, contact), 0)}
      >
        <MenuItem id="details" className="menu-item">
          View details
        </MenuItem>
        <MenuItem id="messages" className="menu-item">
          View messages
        </MenuItem>
        {/* Offered once the merges into this contact are known; while they load, or if they cannot,
            the item says so rather than being missing without a word. */}
        {(hasMerges || merges.isPending || merges.isError) && (
          <MenuItem id="unmerge" className="menu-item" textValue="Unmerge contact" isDisabled={!hasMerges}>
            <Text slot="label">Unmerge contact</Text>
            {!hasMerges && (
              <Text slot="description" className="hint">
                {merges.isPending ? " (checking for merges…)" : ` (merges could not be loaded: ${describeError(merges.error)})`}
              </Text>
            )}
          </MenuItem>
        )}
        <MenuItem id="delete" className="menu-item danger">
          Delete
        </MenuItem>
      </Menu>
    </Popover>
  );
}
