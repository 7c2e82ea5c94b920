import { promises as fsp } from "node:fs";

/**
 * The last `maxLines` lines (at most `maxBytes` bytes) of a text file, for error messages.
 * Returns "" when the file is missing or empty.
 */
export async function tailFile(path: string, maxLines = 20, maxBytes = 8192): Promise<string> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, "r");
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const lines = buf.toString("utf8").replace(/\s+$/, "").split("\n");
    return lines.slice(-maxLines).join("\n");
  } catch {
    return "";
  } finally {
    await handle?.close();
  }
}
