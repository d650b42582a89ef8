// Screenshots and an accessibility audit of Herald pages in headless
// Chromium (Debian's, at /usr/bin/chromium).
//
//   node check.mjs BASE_URL OUT_DIR path...
//
// For each path, at 1280 and 360 px wide: a full-page screenshot in OUT_DIR,
// a check that nothing overflows horizontally, and axe-core's audit. Prints
// one JSON report on stdout; exits 1 when any serious or critical
// violation, or an overflow, is found.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [base, outDir, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const report = [];
let failed = false;
for (const path of paths) {
  for (const width of [1280, 360]) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const response = await page.goto(base + path);
    const name = (path.replace(/\//g, "_") || "index") + `-${width}.png`;
    await page.screenshot({ path: `${outDir}/${name}`, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.addScriptTag({ path: require.resolve("axe-core") });
    const result = await page.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "best-practice"] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
    });
    const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
    if (serious.length > 0 || overflow > 0 || response.status() !== 200) failed = true;
    report.push({ path, width, status: response.status(), screenshot: name, overflow, violations: result });
    await page.close();
  }
}
await browser.close();
console.log(JSON.stringify(report, null, 2));
process.exit(failed ? 1 : 0);
