// Whether the session ended while the app was open: any answer 401 to a query or a write after the
// first user check (an expired or revoked session, a sign-out in another tab). The app then shows
// the sign-in page over the same address, and signing in again goes on where the person was.
let ended = false;
const listeners = new Set<() => void>();

export const session = {
  ended: (): boolean => ended,
  subscribe(cb: () => void): () => void {
    listeners.add(cb);
    return () => listeners.delete(cb);
  },
  end(): void {
    if (ended) return;
    ended = true;
    for (const l of listeners) l();
  },
  reset(): void {
    if (!ended) return;
    ended = false;
    for (const l of listeners) l();
  },
};
