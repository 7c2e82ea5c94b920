import { coresOf, type TaskSpec } from "@latticework/core";

/**
 * The spec with its placement on this machine (`localhost`, one slot per core the task takes),
 * unless it has one. Specs travel to workers without it (smaller messages); the worker adds it.
 */
export function withLocalPlacement(spec: TaskSpec): TaskSpec {
  if (spec.placement) return spec;
  spec.placement = { hosts: [{ host: "localhost", slots: coresOf(spec.resources) }], source: "local" };
  return spec;
}
