import { bulkToSlabs } from "./slabs.js";
import { fit } from "./eos.js";

/** Slab flows, as in `latticework run @latticework/recipes#slabs.bulkToSlabs`. */
export const slabs = Object.freeze({ bulkToSlabs });
/** Equation-of-state flows, as in `latticework run @latticework/recipes#eos.fit`. */
export const eos = Object.freeze({ fit });
