// Server state shared by the features (TanStack Query).
import { useQuery } from "@tanstack/react-query";
import { api } from "./client";
import type { FieldInfo } from "./types";

export const keys = {
  me: ["me"] as const,
  fields: ["fields"] as const,
  views: ["views"] as const,
  columns: ["columns"] as const,
  users: ["users"] as const,
  channels: ["channels"] as const,
  search: ["search"] as const,
};

export const useMe = () => useQuery({ queryKey: keys.me, queryFn: api.me, staleTime: 60_000 });
export const useFields = () => useQuery({ queryKey: keys.fields, queryFn: api.fields, staleTime: 60_000 });
export const useViews = () => useQuery({ queryKey: keys.views, queryFn: api.views, staleTime: 30_000 });
export const useColumns = () => useQuery({ queryKey: keys.columns, queryFn: api.columns, staleTime: 60_000 });
export const useUsers = () => useQuery({ queryKey: keys.users, queryFn: api.users, staleTime: 60_000 });
export const useChannels = () => useQuery({ queryKey: keys.channels, queryFn: api.channels, staleTime: 60_000 });

export function fieldMap(items: FieldInfo[] | undefined): Map<string, FieldInfo> {
  return new Map((items ?? []).map((f) => [f.field, f]));
}
