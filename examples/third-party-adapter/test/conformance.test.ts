import { testExecutor } from "@latticework/testing";
import { subprocess } from "../src/index.js";

testExecutor("subprocess (third-party example)", () => subprocess({ killGraceMs: 500 }));
