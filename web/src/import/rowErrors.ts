// Row errors as a CSV file the user can download (formula-safe, like the API's own export).
export function errorsToCsv(rows: { row: number; column: string; message: string }[]): string {
  const q = (s: string) => {
    const t = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return ["row,column,message", ...rows.map((r) => `${r.row},${q(r.column)},${q(r.message)}`)].join("\r\n") + "\r\n";
}
