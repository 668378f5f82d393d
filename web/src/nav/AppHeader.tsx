// The header of every signed-in page: the page's title, the main navigation (Contacts, Dashboard,
// Ops: each shown only to the roles that may open it), the signed-in user and Sign out.
import type { MouseEvent } from "react";
import type { Me } from "../api/types";
import { Button, RetryNotice } from "../ui/controls";
import { navigate, useLocation } from "../url/urlState";

export type PageId = "contacts" | "dashboard" | "ops";

export const PAGE_PATHS: Record<PageId, string> = { contacts: "/", dashboard: "/dashboard", ops: "/ops" };
const LABELS: Record<PageId, string> = { contacts: "Contacts", dashboard: "Dashboard", ops: "Ops" };

/** The pages a role may open: the module is for owners and managers, Ops for owners. */
export function pagesFor(role: Me["role"]): PageId[] {
  if (role === "owner") return ["contacts", "dashboard", "ops"];
  if (role === "manager") return ["contacts", "dashboard"];
  return [];
}

/** Contacts and Dashboard share the view, search and filter: moving between them keeps them. */
export function hrefFor(page: PageId, search: string): string {
  if (page === "ops") return PAGE_PATHS.ops;
  const p = new URLSearchParams(search);
  p.delete("contact"); // an open record stays where it was opened
  if (page === "dashboard") p.delete("sort");
  const s = p.toString();
  return PAGE_PATHS[page] + (s ? `?${s}` : "");
}

export function AppHeader({ me, current, title, onSignOut }: { me: Me; current: PageId; title: string; onSignOut: () => void }) {
  const { search } = useLocation();
  const follow = (e: MouseEvent<HTMLAnchorElement>, href: string) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <header className="app-head">
      <div className="head-left">
        <h1>{title}</h1>
        <nav aria-label="Main" className="main-nav">
          <ul>
            {pagesFor(me.role).map((p) => {
              const href = hrefFor(p, current === "ops" ? "" : search);
              return (
                <li key={p}>
                  <a href={href} aria-current={p === current ? "page" : undefined} onClick={(e) => follow(e, href)}>
                    {LABELS[p]}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      </div>
      <RetryNotice />
      <div className="me">
        <span>
          {me.name} ({me.role})
        </span>
        <Button onPress={onSignOut}>Sign out</Button>
      </div>
    </header>
  );
}
