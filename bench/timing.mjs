/** Runs `fn` `rounds` times and keeps the fastest run (least disturbed by the machine). */
export function best(fn, rounds) {
  let seconds = Number.POSITIVE_INFINITY;
  let result;
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, result };
}

/** A rate with thousands separators. */
export const rate = (n, seconds) => Math.round(n / seconds).toLocaleString('en-US');
