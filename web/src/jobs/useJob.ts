// Polls a background job until it ends; every job the API answers with ends in a visible result.
import { useQuery } from "@tanstack/react-query";

export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/** A job was started (`id`) and has not ended yet, as far as its last poll (`job`) knows. */
export const stillRunning = (id: string | null, job: { status: string } | undefined): id is string => !!id && !(job && TERMINAL.has(job.status));

export function useJobPoll<T extends { status: string }>(key: string, id: string | null, fetcher: (id: string) => Promise<T>) {
  return useQuery({
    queryKey: ["job", key, id],
    queryFn: () => fetcher(id as string),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data && TERMINAL.has(q.state.data.status) ? false : 500),
  });
}
