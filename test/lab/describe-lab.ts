/**
 * The lab suites' one rule for a machine that cannot run the lab: on CI (CI=true) it is a failure,
 * naming the reason; elsewhere the suite skips, the reason in its name.
 */
import { describe, it } from 'vitest';

export function describeLab(title: string, unavailable: string | null, body: () => void): void {
  if (unavailable !== null && process.env.CI === 'true') {
    describe(title, () => {
      it('is available on CI', () => {
        throw new Error(`lab unavailable on CI: ${unavailable}`);
      });
    });
    return;
  }
  describe.skipIf(unavailable !== null)(
    `${title}${unavailable === null ? '' : ` (skipped: ${unavailable})`}`,
    body,
  );
}
