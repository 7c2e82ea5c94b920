// Reads vitest JSON reports (one per package) and prints one closing line: "Tests: N passed, N failed, N skipped".
import fs from "node:fs";
import path from "node:path";

const dir = process.argv[2] ?? ".test-results";
let passed = 0, failed = 0, skipped = 0, files = 0;
const failures = [];
for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
  if (!f.endsWith(".json")) continue;
  files++;
  let report;
  try {
    report = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  } catch (e) {
    failures.push(`${f}: unreadable report (${e.message})`);
    failed++;
    continue;
  }
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (t.status === "failed") failures.push(`${f.replace(/\.json$/, "")}: ${t.fullName ?? t.title}`);
    }
  }
}
if (failures.length) {
  console.log("\nFailed tests:");
  for (const l of failures) console.log(`  - ${l}`);
}
console.log(`\n${files} test reports`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || files === 0 ? 1 : 0);
