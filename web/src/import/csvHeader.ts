// The header row of a CSV file, read in the browser when the API has no preview endpoint.
export function parseCsvHeader(text: string): string[] {
  const clean = text.replace(/^\uFEFF/, "");
  const delim = [",", ";", "\t"].sort((a, b) => count(clean, b) - count(clean, a))[0] ?? ",";
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < clean.length; i++) {
    const ch = clean[i];
    if (quoted) {
      if (ch === '"' && clean[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delim) {
      out.push(cur.trim());
      cur = "";
    } else if (ch === "\n" || ch === "\r") break;
    else cur += ch;
  }
  out.push(cur.trim());
  return out.filter((h, i) => h !== "" || i < out.length - 1);
}

function count(text: string, ch: string): number {
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  return line.split(ch).length - 1;
}

const norm = (s: string) => s.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]/g, "");

/** A mapping guessed from header names: a field's key or label, ignoring case and punctuation. */
export function guessMapping(headers: string[], fields: { field: string; label: string }[]): Record<string, string> {
  const alias: Record<string, string> = {
    firstname: "first_name", givenname: "first_name", lastname: "last_name", surname: "last_name", familyname: "last_name",
    email: "email", emailaddress: "email", mail: "email", phone: "phone", phonenumber: "phone", mobile: "phone",
    country: "country", language: "language", tags: "tags",
  };
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const h of headers) {
    const n = norm(h);
    const f = fields.find((x) => norm(x.field) === n || norm(x.label) === n || norm(x.field.replace(/^custom\./, "")) === n)?.field ?? alias[n];
    if (f && fields.some((x) => x.field === f) && !used.has(f)) {
      out[h] = f;
      used.add(f);
    }
  }
  return out;
}

export function errorsToCsv(rows: { row: number; column: string; message: string }[]): string {
  const q = (s: string) => {
    const t = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return ["row,column,message", ...rows.map((r) => `${r.row},${q(r.column)},${q(r.message)}`)].join("\r\n") + "\r\n";
}
