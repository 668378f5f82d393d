import { Suspense, lazy, useSyncExternalStore } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError, api, describeError } from "./api/client";
import { useMe } from "./api/queries";
import { session } from "./api/session";
import type { Me } from "./api/types";
import { NoAccessPage, SignInPage } from "./auth/SignInPage";
import { AppHeader, PAGE_PATHS, pagesFor } from "./nav/AppHeader";
import { ContactsPage } from "./table/ContactsPage";
import { navigate, useLocation } from "./url/urlState";
import { ErrorText } from "./ui/controls";

// Their own chunks (the chart library with the dashboard), loaded when first opened, so the
// contacts table's first load does not grow.
const DashboardPage = lazy(() => import("./dashboard/DashboardPage").then((m) => ({ default: m.DashboardPage })));
const OpsPage = lazy(() => import("./ops/OpsPage").then((m) => ({ default: m.OpsPage })));

export function App() {
  const { pathname } = useLocation();
  const ended = useSyncExternalStore(session.subscribe, session.ended);
  if (pathname === "/sign-in") return <SignInPage />;
  if (ended) return <SignInPage sessionEnded />;
  return <Authenticated pathname={pathname} />;
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

function OwnersOnly({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  return (
    <div className="app">
      <AppHeader me={me} current="ops" title="Ops" onSignOut={onSignOut} />
      <main className="sign-in">
        <h2>No access to Ops</h2>
        <p>{me.name}, the Ops page is for workspace owners. Your role ({me.role}) does not include it.</p>
        <a href={PAGE_PATHS.contacts}>Back to Contacts</a>
      </main>
    </div>
  );
}

function Authenticated({ pathname }: { pathname: string }) {
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
  const onSignOut = () => void signOut();
  if (me.data.role === "agent") return <NoAccessPage name={me.data.name} onSignOut={onSignOut} />;
  const loading = <p className="loading" role="status">Loading…</p>;
  if (pathname === PAGE_PATHS.dashboard)
    return (
      <Suspense fallback={loading}>
        <DashboardPage me={me.data} onSignOut={onSignOut} />
      </Suspense>
    );
  if (pathname === PAGE_PATHS.ops)
    return pagesFor(me.data.role).includes("ops") ? (
      <Suspense fallback={loading}>
        <OpsPage me={me.data} onSignOut={onSignOut} />
      </Suspense>
    ) : (
      <OwnersOnly me={me.data} onSignOut={onSignOut} />
    );
  return <ContactsPage me={me.data} onSignOut={onSignOut} />;
}
