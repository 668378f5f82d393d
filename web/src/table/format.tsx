// How a contact's values read in the table and the details dialog.
import { useState } from "react";
import { countryName } from "../ui/countryName";
import type { Avatar as AvatarT, Channel, Contact, User } from "../api/types";

// Counts are written as UI.md writes them ("1,234 contacts") whatever the browser's locale: the page's words are English.
const numberFmt = new Intl.NumberFormat("en-US");
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function formatTotal(n: number, relation: "eq" | "gte" = "eq"): string {
  return `${numberFmt.format(n)}${relation === "gte" ? "+" : ""} ${n === 1 && relation === "eq" ? "contact" : "contacts"}`;
}

export function formatDateTime(v: unknown, dateOnly = false): string {
  if (typeof v !== "string" || !v) return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : (dateOnly ? dateFmt : dateTimeFmt).format(d);
}

function luminance(hex: string): number {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!m?.[1]) return 0;
  const n = parseInt(m[1], 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (ch[0] ?? 0) + 0.7152 * (ch[1] ?? 0) + 0.0722 * (ch[2] ?? 0);
}

/** Black or white initials, whichever contrasts more with the contact's colour (always >= 4.5:1). */
export function textColorOn(bg: string): string {
  const l = luminance(bg);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
}

/** Initials as the API makes them (shared/contact_card.py `initials`), for a picture that does not load. */
export function initialsOf(c: Pick<Contact, "first_name" | "last_name" | "display_name">): string {
  const parts = [c.first_name, c.last_name].map((p) => (p ?? "").trim()).filter(Boolean);
  if (parts.length) return parts.map((p) => p[0]).join("").toUpperCase();
  const ch = [...(c.display_name ?? "")].find((x) => /[\p{L}\p{N}]/u.test(x));
  return ch ? ch.toUpperCase() : "?";
}

/** The contact's picture, else the initials on the contact's colour; a picture that does not load
 * (gone, or blocked) gives way to the initials of `contact`. */
export function Avatar({ avatar, size = 28, contact }: { avatar: AvatarT; size?: number; contact?: Pick<Contact, "first_name" | "last_name" | "display_name"> }) {
  const [broken, setBroken] = useState<string | null>(null);
  if (avatar.url && broken === avatar.url) avatar = { initials: contact ? initialsOf(contact) : "?" };
  if (avatar.url && broken !== avatar.url)
    return (
      <img
        className="avatar"
        src={avatar.url}
        alt=""
        width={size}
        height={size}
        loading="lazy"
        referrerPolicy="no-referrer"
        onError={() => setBroken(avatar.url ?? null)}
      />
    );
  const bg = avatar.color ?? "#777777";
  return (
    <span className="avatar" aria-hidden="true" style={{ background: bg, color: textColorOn(bg), width: size, height: size }}>
      {avatar.initials ?? "?"}
    </span>
  );
}

export interface Lookups {
  users: Map<string, User>;
  channels: Map<string, Channel>;
}

export function cellText(c: Contact, column: string, lk: Lookups): string {
  if (column.startsWith("custom.")) {
    const v = c.custom_fields[column.slice(7)];
    if (v === null || v === undefined) return "";
    if (typeof v === "boolean") return v ? "Yes" : "No";
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v)) return formatDateTime(v, true);
    return String(v);
  }
  switch (column) {
    case "tags":
      return c.tags.join(", ");
    case "country":
      return c.country ? countryName(c.country) : "";
    case "channels":
      return c.channels.map((ch) => ch.channel_name).join(", ");
    case "assignee_id":
      return c.assignee_id ? (lk.users.get(c.assignee_id)?.name ?? "Unknown user") : "";
    case "last_interacted_channel_id":
      return c.last_interacted_channel_id ? (lk.channels.get(c.last_interacted_channel_id)?.name ?? "") : "";
    default: {
      const v = (c as unknown as Record<string, unknown>)[column];
      if (v === null || v === undefined) return "";
      if (column.endsWith("_at")) return formatDateTime(v, true);
      return String(v);
    }
  }
}
