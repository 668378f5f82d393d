import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "./client";
import { session } from "./session";

/** A 503 (or no answer) is retried after its Retry-After; other errors are shown at once. A 401
 * ends the session: the sign-in page is shown instead of errors all over the page. */
export function makeQueryClient(): QueryClient {
  // A 401 once someone was signed in (the user check had answered) means the session is over.
  const onError = (e: unknown) => {
    if (e instanceof ApiError && e.status === 401 && qc.getQueryData(["me"]) !== undefined) session.end();
  };
  const qc: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: false,
        retry: (count, e) => e instanceof ApiError && (e.status === 503 || e.status === 0 || e.status === 429) && count < 30,
        retryDelay: (count, e) => (e instanceof ApiError && e.retryAfter ? e.retryAfter * 1000 : Math.min(1000 * 2 ** count, 10_000)),
      },
      mutations: { retry: false },
    },
  });
  return qc;
}
