import { useEffect, useRef, useState } from "react";
import { Form } from "react-aria-components";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "../api/client";
import { session } from "../api/session";
import { navigate } from "../url/urlState";
import { Button, ErrorText, TextInput } from "../ui/controls";

/** Paste a sign-in link's code (or the whole link) or an API token; a link lands here with ?code=.
 * `sessionEnded`: shown over a page whose session ended (session.ts); signing in goes on there. */
export function SignInPage({ sessionEnded = false }: { sessionEnded?: boolean }) {
  const qc = useQueryClient();
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tried = useRef(false);

  async function signIn(raw: string) {
    const text = raw.trim();
    if (!text) {
      setError("Paste the code from your sign-in link, or an API token.");
      return;
    }
    let cred: { code: string } | { token: string };
    const m = /[?&]code=([^&#\s]+)/.exec(text);
    if (m?.[1]) cred = { code: decodeURIComponent(m[1]) };
    else if (text.startsWith("ct_")) cred = { token: text };
    else cred = { code: text };
    setBusy(true);
    setError(null);
    try {
      await api.signIn(cred);
      qc.clear();
      session.reset();
      if (!sessionEnded) navigate("/", true);
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? "That link or token is not valid: it may have been used already or expired. Ask for a new sign-in link."
          : describeError(e),
      );
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    const code = new URLSearchParams(window.location.search).get("code");
    if (code && !tried.current) {
      tried.current = true;
      void signIn(code);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <main className="sign-in">
      <h1>Sign in to Contacts</h1>
      {sessionEnded && (
        <p role="alert" className="notice">
          Your session has ended (it expired, or you signed out elsewhere). Sign in again to go on where you were.
        </p>
      )}
      <p>Open the one-time sign-in link you were sent, or paste its code or an API token here.</p>
      <Form
        onSubmit={(e) => {
          e.preventDefault();
          void signIn(value);
        }}
      >
        <TextInput label="Sign-in code or API token" value={value} onChange={setValue} autoFocus />
        <ErrorText>{error}</ErrorText>
        <Button type="submit" variant="primary" isDisabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </Button>
      </Form>
    </main>
  );
}

export function NoAccessPage({ name, onSignOut }: { name: string; onSignOut: () => void }) {
  return (
    <main className="sign-in">
      <h1>No access to Contacts</h1>
      <p>
        {name}, the Contacts module is for workspace owners and managers. Your role (agent) does not include it. Ask
        an owner of your workspace if you need access.
      </p>
      <Button onPress={onSignOut}>Sign out</Button>
    </main>
  );
}
