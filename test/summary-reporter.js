// Prints one plain closing line ("jest: N passed, N failed, N skipped") after the default
// reporter, so any tool can read the outcome without knowing jest's own summary format. When
// the browser suites (describe names with "in Chromium") were skipped because this box has no
// Chromium, one more line says so and how to install it. Under CI=true they are never skipped:
// a missing browser fails them (see the suites).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    let browserSkipped = 0;
    for (const file of results.testResults) {
      for (const t of file.testResults) {
        if (t.status === 'pending' && t.ancestorTitles.some((a) => a.includes('in Chromium')))
          browserSkipped++;
      }
    }
    process.stdout.write(
      `\njest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
    if (browserSkipped > 0) {
      const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
      process.stdout.write(
        `jest: ${browserSkipped} browser tests skipped: no Chromium at ${path}; install it with: sudo apt-get install -y chromium\n`,
      );
    }
  }
}
module.exports = SummaryReporter;
