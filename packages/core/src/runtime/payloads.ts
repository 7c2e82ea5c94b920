import type { RunStore } from "../store/run-store.js";
import { readArtifact } from "../store/artifacts.js";
import { LatticeworkError } from "../errors.js";

/** JSON payloads larger than this (bytes of JSON text) go to the artifact store. */
export const ARTIFACT_THRESHOLD = 256 * 1024;

/** How a payload kept in an artifact is referenced from a store row. */
export interface ArtifactMarker {
  $lwArtifact: string;
}

function isMarker(value: unknown): value is ArtifactMarker {
  return value !== null && typeof value === "object" && typeof (value as ArtifactMarker).$lwArtifact === "string" && Object.keys(value).length === 1;
}

/** The value to keep in a store row: the payload itself, or a marker when it lives in an artifact. */
export function rowValue(value: unknown, artifact: string | undefined): unknown {
  return artifact ? ({ $lwArtifact: artifact } satisfies ArtifactMarker) : value;
}

/** Read a JSON artifact (from the store, else from `dir` as written by a worker). */
export async function readJsonArtifact(store: RunStore, digest: string, dir?: string): Promise<unknown> {
  let bytes = await store.getArtifact(digest);
  if (!bytes && dir && dir !== store.artifactDir) bytes = await readArtifact(dir, digest);
  if (!bytes) {
    throw new LatticeworkError("STORE_ERROR", `Artifact ${digest} is missing from ${dir ?? store.artifactDir}; re-run the job that produced it (latticework retry).`);
  }
  return JSON.parse(Buffer.from(bytes).toString("utf8")) as unknown;
}

/** Turn a store row value back into the payload (reading the artifact when it is a marker). */
export async function fromRowValue(store: RunStore, value: unknown): Promise<unknown> {
  return isMarker(value) ? readJsonArtifact(store, value.$lwArtifact) : value;
}
