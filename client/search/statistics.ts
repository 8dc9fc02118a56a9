/**
 * The little statistics the search needs to tell noise from behaviour: exact tails for small
 * counts, computed in log space so that hundreds of tests neither overflow nor underflow.
 */

const logFactorials: number[] = [0];

function logFactorial(n: number): number {
  for (let k = logFactorials.length; k <= n; k++)
    logFactorials.push((logFactorials[k - 1] as number) + Math.log(k));
  return logFactorials[n] as number;
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * Fisher's exact test, one-sided: two groups of tests, `a` of `aTests` failed in the first and
 * `b` of `bTests` in the second. If failures struck both groups alike, how likely is it that the
 * second group got `b` failures or fewer? A small value says the first group really fails more.
 */
export function fewerFailuresPValue(a: number, aTests: number, b: number, bTests: number): number {
  const failures = a + b;
  const tests = aTests + bTests;
  if (bTests === 0 || failures === 0) return 1;
  const denominator = logChoose(tests, failures);
  let p = 0;
  const lowest = Math.max(0, failures - aTests);
  for (let k = lowest; k <= Math.min(b, failures); k++)
    p += Math.exp(logChoose(bTests, k) + logChoose(aTests, failures - k) - denominator);
  return Math.min(1, p);
}

/**
 * A cautious estimate of a failure rate from `failures` of `trials`: the posterior mean under a
 * prior worth a few trials at `priorRate`, so that a short lucky streak does not pass for a rate
 * of zero (which would make any single later failure look impossible).
 */
export function cautiousRate(
  failures: number,
  trials: number,
  priorRate: number,
  priorTrials: number,
): number {
  return (failures + priorRate * priorTrials) / (trials + priorTrials);
}
