import { Button as AriaButton, ComboBox, Input, Label, ListBox, ListBoxItem, Popover } from "react-aria-components";
import { COUNTRIES } from "../ui/countries";

/** Country: typed by name or code and chosen from the list; the form holds the ISO code ("" for none). */
export function CountryField(props: { label: string; value: string; onChange: (code: string) => void; error?: string | undefined }) {
  return (
    <ComboBox
      className="field"
      selectedKey={props.value ? props.value.toUpperCase() : null}
      onSelectionChange={(k) => props.onChange(k === null ? "" : String(k))}
      defaultItems={COUNTRIES}
      isInvalid={!!props.error}
      menuTrigger="input"
    >
      <Label>{props.label}</Label>
      <div className="combo-box">
        <Input placeholder="Type a country" />
        <AriaButton className="btn btn-plain" aria-label="Show countries">
          ▾
        </AriaButton>
      </div>
      {props.error && <div className="field-error">{props.error}</div>}
      <Popover className="popover">
        <ListBox className="listbox">
          {(c: (typeof COUNTRIES)[number]) => (
            <ListBoxItem id={c.id} textValue={c.label} className="option">
              {c.label}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </ComboBox>
  );
}
