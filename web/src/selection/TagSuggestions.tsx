import { useChoiceCounts } from "../filters/counts";
import { Button } from "../ui/controls";

/** The workspace's most used tags, one press each to add to a comma-separated tag list, so people
 * reuse "vip" rather than type "VIP " next to it. Nothing while they load or if they cannot. */
export function TagSuggestions({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const counts = useChoiceCounts("tags", "all", "", null);
  const have = new Set(value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean));
  const tags = (counts.data ?? []).map((b) => String(b.value)).filter((t) => t && !have.has(t.toLowerCase())).slice(0, 12);
  if (!tags.length) return null;
  return (
    <div className="tag-suggestions" role="group" aria-label="Tags in use">
      <span className="hint">In use:</span>
      {tags.map((t) => (
        <Button key={t} aria-label={`Add tag ${t}`} onPress={() => onChange([...value.split(",").map((x) => x.trim()).filter(Boolean), t].join(", "))}>
          {t}
        </Button>
      ))}
    </div>
  );
}
