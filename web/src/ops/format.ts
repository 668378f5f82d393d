// How the Ops page words its figures.
import type { JobInfo } from "../api/types";

const num = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** A duration in words a person reads at a glance: "0.4 s", "12 s", "3 min 5 s", "2 h 10 min", "3 days". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 10) return `${num.format(Math.round(seconds * 10) / 10)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  if (s < 3600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / 86_400);
  return `${d} ${d === 1 ? "day" : "days"}`;
}

export function formatRate(perSecond: number | null): string {
  if (perSecond === null) return "Unknown (Redis is unreachable)";
  if (perSecond === 0) return "0 documents/s";
  if (perSecond < 1) return `${num.format(perSecond * 60)} documents/min`;
  return `${num.format(perSecond)} documents/s`;
}

export const JOB_KINDS: Record<string, string> = {
  bulk_delete: "Bulk delete",
  bulk_tags: "Assign tags",
  export: "Export",
  import: "Import",
};

export const isActive = (j: Pick<JobInfo, "status">) => j.status === "queued" || j.status === "running";

/** "running" jobs and those waiting first, then the rest newest first (the API's order). */
export function orderJobs(jobs: JobInfo[]): JobInfo[] {
  return [...jobs.filter(isActive), ...jobs.filter((j) => !isActive(j))];
}
