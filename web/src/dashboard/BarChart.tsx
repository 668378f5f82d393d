// One bar chart (Chart.js on a canvas), coloured from the page's CSS variables so it follows the
// light and dark themes. The numbers are also in the chart card's table, for screen readers.
import { useEffect, useMemo, useState } from "react";
import { BarController, BarElement, CategoryScale, Chart as ChartJS, LinearScale, Tooltip, type ChartOptions } from "chart.js";
import { Bar } from "react-chartjs-2";
import type { ChartRow } from "./model";

ChartJS.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

interface Theme {
  bar: string;
  grid: string;
  text: string;
  font: string;
}

function readTheme(): Theme {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { bar: v("--chart-bar", "#1f5fd1"), grid: v("--chart-grid", "#d9dee5"), text: v("--text", "#1c2430"), font: css.fontFamily };
}

/** The theme's chart colours, read again when the system switches between light and dark. */
function useTheme(): Theme {
  const [theme, setTheme] = useState(readTheme);
  useEffect(() => {
    const mq = window.matchMedia?.("(prefers-color-scheme: dark)");
    if (!mq) return;
    const onChange = () => setTheme(readTheme());
    mq.addEventListener("change", onChange);
    return () => mq.removeEventListener("change", onChange);
  }, []);
  return theme;
}

export function BarChart(props: {
  rows: ChartRow[];
  title: string;
  valueLabel: string;
  horizontal?: boolean;
  tickLabel?: (row: ChartRow) => string;
}) {
  const theme = useTheme();
  const { rows, horizontal, tickLabel, valueLabel } = props;
  const data = useMemo(
    () => ({
      labels: rows.map((r) => (tickLabel ? tickLabel(r) : r.label)),
      datasets: [{ label: valueLabel, data: rows.map((r) => r.count), backgroundColor: theme.bar, borderRadius: 3, maxBarThickness: 28 }],
    }),
    [rows, tickLabel, valueLabel, theme.bar],
  );
  const options = useMemo<ChartOptions<"bar">>(() => {
    const font = { family: theme.font, size: 12 };
    const countAxis = { beginAtZero: true, ticks: { color: theme.text, font, precision: 0 }, grid: { color: theme.grid } };
    const labelAxis = { ticks: { color: theme.text, font, autoSkip: true, maxRotation: 0 }, grid: { display: false } };
    return {
      indexAxis: horizontal ? "y" : "x",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { title: (items) => (items[0] ? (rows[items[0].dataIndex]?.label ?? "") : "") } },
      },
      scales: horizontal ? { x: countAxis, y: labelAxis } : { x: labelAxis, y: countAxis },
    };
  }, [horizontal, rows, theme]);
  const height = horizontal ? Math.max(120, rows.length * 26 + 40) : 240;
  return (
    <div className="chart-box" style={{ height }}>
      <Bar data={data} options={options} role="img" aria-label={`Bar chart of ${props.title.toLowerCase()}; the numbers are in its table`} />
    </div>
  );
}
