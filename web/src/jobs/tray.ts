// The jobs whose dialog was closed before they ended: the page goes on showing their progress and
// result (UI.md: every action answered with a job "ends in a visible result"), in the JobTray.
export type TrayKind = "export" | "import" | "job";
export interface TrayItem {
  id: string;
  kind: TrayKind;
  /** what the job does, e.g. "Export of 1,234 contacts" */
  title: string;
}

let items: TrayItem[] = [];
const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};

export const jobTray = {
  items: (): TrayItem[] => items,
  subscribe(cb: () => void): () => void {
    listeners.add(cb);
    return () => listeners.delete(cb);
  },
  /** A dialog closed while its job runs: the tray follows it from now on. */
  handOff(item: TrayItem): void {
    if (items.some((i) => i.id === item.id)) return;
    items = [...items, item];
    notify();
  },
  dismiss(id: string): void {
    items = items.filter((i) => i.id !== id);
    notify();
  },
};
