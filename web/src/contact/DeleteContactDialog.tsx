import { useState } from "react";
import { api, describeError } from "../api/client";
import type { Contact } from "../api/types";
import { Button, ErrorText, ModalDialog } from "../ui/controls";

export function DeleteContactDialog(props: { contact: Contact | null; onClose: () => void; onDeleted: (c: Contact) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const c = props.contact;
  async function del() {
    if (!c) return;
    setBusy(true);
    try {
      await api.deleteContact(c.id);
      props.onDeleted(c);
      setError(null);
      props.onClose();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <ModalDialog title={`Delete ${c?.display_name ?? "contact"}?`} isOpen={!!c} onOpenChange={(o) => !o && props.onClose()}>
      <p>
        <strong>{c?.display_name}</strong> will be deleted. This cannot be undone.
      </p>
      <ErrorText>{error}</ErrorText>
      <div className="dialog-actions">
        <Button onPress={props.onClose} autoFocus>
          Cancel
        </Button>
        <Button variant="danger" onPress={() => void del()} isDisabled={busy}>
          Delete
        </Button>
      </div>
    </ModalDialog>
  );
}
