import { testExecutor, MockingExecutor } from "../src/index.js";

// The suite checks itself against the in-process test executor (no mocks: real runTask).
testExecutor("MockingExecutor (in-process)", () => new MockingExecutor(), { killsProcessTree: false });
