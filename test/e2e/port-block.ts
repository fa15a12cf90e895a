// Browser test files run side by side (vitest.config.ts: `maxWorkers`), and each starts stores and fake services on
// `E2E_PORT + n`. vitest numbers the files running at once 1…maxWorkers (`VITEST_POOL_ID`); each number owns a block of
// 100 ports above the shared store's, so two files running at once never ask for the same port. Runs before the file
// is imported, so the file's port constants read its block.
const first = Number(process.env.E2E_FILE_PORTS ?? 8890);
const slot = Number(process.env.VITEST_POOL_ID ?? 1);
process.env.E2E_PORT = String(first + 100 * (slot - 1));
