import { Button } from "../ui/controls";

/** No rows: what to do next depends on why (a search or filter that matches nothing, an empty
 * view, or a workspace without contacts yet). */
export function EmptyState(props: { criteria: boolean; view: string; onClear: () => void; onAdd: () => void; onImport: () => void }) {
  if (props.criteria)
    return (
      <div className="empty">
        <p>No contacts match this search and filter.</p>
        <Button onPress={props.onClear}>Clear search and filters</Button>
      </div>
    );
  if (props.view !== "all") return <p className="empty">No contacts in this view.</p>;
  return (
    <div className="empty">
      <p>No contacts yet. They appear here as people message your channels, or add them yourself.</p>
      <Button variant="primary" onPress={props.onAdd}>
        Add your first contact
      </Button>{" "}
      <Button onPress={props.onImport}>Import a file</Button>
    </div>
  );
}
