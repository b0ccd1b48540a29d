import { stringify } from "yaml";

/** Print Kubernetes objects as a YAML stream (or a JSON List), ready for kubectl apply -f -. */
export function formatObjects(objects: readonly object[], format: "yaml" | "json"): string {
  if (format === "json") return JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: "v1", kind: "List", items: objects }, null, 2) + "\n";
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
}

/** A plain text table with aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}
