import { QueryClient } from "@tanstack/react-query";
import { ApiError } from "./client";

/** A 503 (or no answer) is retried after its Retry-After; other errors are shown at once. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        refetchOnWindowFocus: false,
        retry: (count, e) => e instanceof ApiError && (e.status === 503 || e.status === 0 || e.status === 429) && count < 30,
        retryDelay: (count, e) => (e instanceof ApiError && e.retryAfter ? e.retryAfter * 1000 : Math.min(1000 * 2 ** count, 10_000)),
      },
      mutations: { retry: false },
    },
  });
}
