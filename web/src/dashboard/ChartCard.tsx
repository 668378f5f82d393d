// A dashboard chart: its title, the chart (or the table, "Show as table"), and its states in words.
// The table is always in the page: visually hidden while the chart shows, so screen readers read it.
import { useId, useState, type ReactNode } from "react";
import { ToggleButton } from "react-aria-components";
import { describeError } from "../api/client";
import { ErrorText } from "../ui/controls";
import { navigate } from "../url/urlState";
import { BarChart } from "./BarChart";
import { type ChartRow, sumRows } from "./model";

const fmt = new Intl.NumberFormat("en-US");

export function ChartCard(props: {
  title: string;
  note?: ReactNode;
  labelHeader: string;
  valueHeader: string;
  rows: ChartRow[] | undefined;
  isPending: boolean;
  error: unknown;
  isFetching?: boolean;
  emptyText: string;
  horizontal?: boolean;
  tickLabel?: (row: ChartRow) => string;
  wide?: boolean;
  /** the contacts a row counts, on the Contacts page (the table's label becomes a link) */
  linkFor?: (row: ChartRow) => string;
}) {
  const id = useId();
  const [asTable, setAsTable] = useState(false);
  const { rows, title } = props;
  const empty = !!rows && sumRows(rows) === 0;
  let body: ReactNode;
  if (props.error && !rows) body = <ErrorText>{title} could not be loaded: {describeError(props.error)}</ErrorText>;
  else if (props.isPending || !rows) body = <p role="status" className="hint">Loading {title.toLowerCase()}…</p>;
  else if (empty) body = <p className="chart-empty">{props.emptyText}</p>;
  else if (!asTable)
    body = <BarChart rows={rows} title={title} valueLabel={props.valueHeader} horizontal={props.horizontal} tickLabel={props.tickLabel} />;
  return (
    <section className={`chart-card${props.wide ? " chart-wide" : ""}`} aria-labelledby={id}>
      <div className="chart-head">
        <h2 id={id}>{title}</h2>
        {props.isFetching && !props.isPending && <span className="hint">updating…</span>}
        {rows && !empty && (
          <ToggleButton className="btn btn-plain toggle" isSelected={asTable} onChange={setAsTable}>
            Show as table
          </ToggleButton>
        )}
      </div>
      {props.note && <p className="hint chart-note">{props.note}</p>}
      {props.error && rows ? <ErrorText>{title} could not be refreshed: {describeError(props.error)}</ErrorText> : null}
      {body}
      {rows && !empty && (
        // scrollable when shown, so reachable by keyboard
        <div
          className={asTable ? "chart-table-wrap" : "visually-hidden"}
          tabIndex={asTable ? 0 : undefined}
          role={asTable ? "group" : undefined}
          aria-label={asTable ? `${title}, table` : undefined}
        >
          <table className="chart-table">
            <caption>{title}</caption>
            <thead>
              <tr>
                <th scope="col">{props.labelHeader}</th>
                <th scope="col">{props.valueHeader}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key}>
                  <th scope="row">
                    {props.linkFor && r.count > 0 ? (
                      <a
                        href={props.linkFor(r)}
                        title={`Show the ${fmt.format(r.count)} contacts`}
                        onClick={(e) => {
                          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                          e.preventDefault();
                          navigate(e.currentTarget.getAttribute("href") ?? "/");
                        }}
                      >
                        {r.label}
                      </a>
                    ) : (
                      r.label
                    )}
                  </th>
                  <td>{fmt.format(r.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
