import { testExecutor } from "@latticework/testing";
import { local } from "../src/index.js";

// Multi-process mode: persistent workers; cancel/time-out must kill jobs that ignore their signal.
testExecutor("local (worker processes)", () => local({ workers: 2, killGraceMs: 500 }), { taskTimeoutMs: 4000 });

// In-process mode: tasks run in the orchestrator; jobs can only be stopped if they cooperate.
testExecutor("local (in-process)", () => local({ inProcess: true, killGraceMs: 500 }), { killsProcessTree: false });
