import type { z } from "zod";
import { ValidationError } from "@latticework/core";

/**
 * Parse component options with a strict zod schema; every problem is reported at once, each line
 * prefixed with the component name (`[slabs] maxIndex: ...`). Throws a `ValidationError`
 * (code CONFIG_INVALID).
 */
export function parseOptions<S extends z.ZodType>(component: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.join("."), message: `[${component}] ${i.message}` }));
  throw new ValidationError("CONFIG_INVALID", `[${component}] invalid options`, issues);
}
