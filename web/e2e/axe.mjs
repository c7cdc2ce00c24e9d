// Accessibility audits with axe-core, run in the page the scenario is on.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/**
 * Collects axe-core's violations over the whole scenario, so that one run
 * reports every page's problems instead of stopping at the first.
 */
export function createAudit({ log = console.log } = {}) {
  const found = [];

  /**
   * Audits `page` as it is now at each width, in the light and the dark
   * palette (the stylesheet has both), then restores its viewport.
   */
  async function audit(page, name, widths = [DESKTOP, PHONE]) {
    const original = page.viewportSize();
    for (const size of widths) {
      await page.setViewportSize(size);
      for (const colorScheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme });
        const violations = await run(page);
        for (const violation of violations) found.push({ page: name, width: size.width, colorScheme, ...violation });
        const outcome = violations.length === 0 ? 'no violations' : `${violations.length} violation(s)`;
        log(`  axe ${name} at ${size.width} px, ${colorScheme}: ${outcome}`);
      }
    }
    await page.emulateMedia({ colorScheme: null });
    if (original) await page.setViewportSize(original);
  }

  /** Every violation found so far: page, width, palette, rule id, impact, targets, help URL. */
  function report() {
    const lines = found.map(
      (v) => `- ${v.page} at ${v.width} px, ${v.colorScheme}: ${v.id} (${v.impact}) ${v.help}\n    ${v.helpUrl}\n    on ${v.targets.join(', ')}`,
    );
    return `axe-core found ${found.length} accessibility violation(s):\n${lines.join('\n')}`;
  }

  /** Throws the report when axe found anything. */
  function assertClean() {
    if (found.length > 0) throw new Error(report());
  }

  return { audit, report, assertClean, violations: found };
}

async function run(page) {
  // The UI's CSP refuses inline scripts, so `addScriptTag` cannot inject
  // axe; evaluating its source through the DevTools protocol is not subject
  // to the page's CSP, which stays on as in production.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  // axe's default rule set: WCAG 2.x A and AA plus its best practices.
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    helpUrl: violation.helpUrl,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}
