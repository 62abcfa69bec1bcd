// setTimeout takes at most 2^31 - 1 ms (24.8 days): a longer delay fires after 1 ms, with a warning on
// stderr. Every delay a user can set (-m, --connect-timeout, --retry-delay, a Retry-After, an idle limit)
// goes through timerMs(): longer ones wait the longest a timer can, which is as good as forever here.

/** The longest delay setTimeout honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a timer can wait it. */
export const timerMs = (ms: number): number => Math.min(ms, MAX_TIMER_MS);
