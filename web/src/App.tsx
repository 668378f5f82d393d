import { useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "./api/client";
import { useMe } from "./api/queries";
import { NoAccessPage, SignInPage } from "./auth/SignInPage";
import { ContactsPage } from "./table/ContactsPage";
import { navigate, useLocation } from "./url/urlState";
import { ErrorText } from "./ui/controls";

export function App() {
  const { pathname } = useLocation();
  if (pathname === "/sign-in") return <SignInPage />;
  return <Authenticated />;
}

export function useSignOut() {
  const qc = useQueryClient();
  return async () => {
    try {
      await api.signOut();
    } catch {
      /* the session may already be gone; the sign-in page is where we go either way */
    }
    qc.clear();
    navigate("/sign-in");
  };
}

function Authenticated() {
  const me = useMe();
  const signOut = useSignOut();
  if (me.isPending) return <p className="loading" role="status">Loading…</p>;
  if (me.error) {
    if (me.error instanceof ApiError && me.error.status === 401) return <SignInPage />;
    return (
      <main className="sign-in">
        <h1>Contacts</h1>
        <ErrorText>{describeError(me.error)}</ErrorText>
      </main>
    );
  }
  if (me.data.role === "agent") return <NoAccessPage name={me.data.name} onSignOut={() => void signOut()} />;
  return <ContactsPage me={me.data} onSignOut={() => void signOut()} />;
}
