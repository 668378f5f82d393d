import type { View } from "../api/types";
import { SelectInput } from "../ui/controls";

const BUILT_IN: View[] = [
  { id: "all", name: "All contacts", built_in: true, query: null, filter: null, sort: null, visibility: "workspace" },
  { id: "mine", name: "Mine", built_in: true, query: null, filter: null, sort: null, visibility: "workspace" },
  { id: "unassigned", name: "Unassigned", built_in: true, query: null, filter: null, sort: null, visibility: "workspace" },
];

/** "View": All contacts, Mine, Unassigned, then saved views (custom inboxes) by name. */
export function ViewSelector(props: { views: View[] | undefined; failed?: boolean; value: string; onChange: (id: string) => void }) {
  const names: Record<string, string> = { all: "All contacts", mine: "Mine", unassigned: "Unassigned" };
  const list = props.views?.length ? props.views : BUILT_IN;
  const options = list.map((v) => ({ id: v.id, label: v.built_in ? (names[v.id] ?? v.name) : v.name }));
  // A saved view named by the URL: its name once the views load, "Saved view (not loaded)" if they
  // cannot, "Saved view (not found)" if they did and it is not among them (deleted, or not shared).
  if (!options.some((o) => o.id === props.value)) {
    const label = props.failed ? "Saved view (not loaded)" : props.views ? "Saved view (not found)" : "Loading…";
    options.push({ id: props.value, label });
  }
  return <SelectInput label="View" value={props.value} options={options} onChange={props.onChange} />;
}
