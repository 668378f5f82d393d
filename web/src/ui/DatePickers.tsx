// Date pickers from React Aria Components (segments, calendar popover, keyboard and screen readers).
import { parseDate, type CalendarDate } from "@internationalized/date";
import {
  Button, Calendar, CalendarCell, CalendarGrid, DateInput, DatePicker, DateRangePicker, DateSegment, Dialog, Group,
  Heading, Label, Popover, RangeCalendar,
} from "react-aria-components";

function safeParse(s: string | undefined): CalendarDate | null {
  if (!s) return null;
  try {
    return parseDate(s);
  } catch {
    return null;
  }
}

function CalendarBody() {
  return (
    <>
      <header className="cal-head">
        <Button slot="previous" className="btn btn-plain" aria-label="Previous month">
          ‹
        </Button>
        <Heading />
        <Button slot="next" className="btn btn-plain" aria-label="Next month">
          ›
        </Button>
      </header>
      <CalendarGrid>{(date) => <CalendarCell date={date} className="cal-cell" />}</CalendarGrid>
    </>
  );
}

export function DateField(props: { label: string; value: string; onChange: (v: string) => void }) {
  return (
    <DatePicker
      className="field"
      aria-label={props.label}
      value={safeParse(props.value)}
      onChange={(d) => props.onChange(d ? d.toString() : "")}
    >
      <Group className="date-group">
        <DateInput className="date-input">{(seg) => <DateSegment segment={seg} className="date-seg" />}</DateInput>
        <Button className="btn btn-plain" aria-label="Open calendar">
          📅
        </Button>
      </Group>
      <Popover className="popover">
        <Dialog className="cal-dialog" aria-label="Calendar">
          <Calendar>
            <CalendarBody />
          </Calendar>
        </Dialog>
      </Popover>
    </DatePicker>
  );
}

export function DateRangeField(props: { label: string; value: [string, string]; onChange: (v: [string, string]) => void }) {
  const start = safeParse(props.value[0]);
  const end = safeParse(props.value[1]);
  return (
    <DateRangePicker
      className="field"
      aria-label={props.label}
      value={start && end ? { start, end } : null}
      onChange={(r) => props.onChange(r ? [r.start.toString(), r.end.toString()] : ["", ""])}
    >
      <Label className="visually-hidden">{props.label}</Label>
      <Group className="date-group">
        <DateInput slot="start" className="date-input">
          {(seg) => <DateSegment segment={seg} className="date-seg" />}
        </DateInput>
        <span aria-hidden="true">–</span>
        <DateInput slot="end" className="date-input">
          {(seg) => <DateSegment segment={seg} className="date-seg" />}
        </DateInput>
        <Button className="btn btn-plain" aria-label="Open calendar">
          📅
        </Button>
      </Group>
      <Popover className="popover">
        <Dialog className="cal-dialog" aria-label="Calendar">
          <RangeCalendar>
            <CalendarBody />
          </RangeCalendar>
        </Dialog>
      </Popover>
    </DateRangePicker>
  );
}
