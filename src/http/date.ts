// Dates as curl reads them (curl_getdate, lib/parsedate.c): -z takes what curl takes, and only that. JS's
// Date.parse is both wider (2024-01-14, 1/14/2024, "14 January 2024": curl refuses them and sends no
// condition) and narrower (20240114, "CET", a trailing word past the sixth part: curl takes them).
// The string is read as up to six parts split by anything not a letter or digit: a weekday, a month (three
// letters), a zone name, hh:mm[:ss], a +hhmm/-hhmm offset, YYYYMMDD, a day of the month, a year.

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
/** curl's zone names, minutes west of UTC (summer zones one hour less). */
const ZONES: Record<string, number> = {
  gmt: 0, utc: 0, wet: 0, bst: -60, wat: 60, ast: 240, adt: 180, est: 300, edt: 240, cst: 360, cdt: 300, mst: 420,
  mdt: 360, pst: 480, pdt: 420, yst: 540, ydt: 480, hst: 600, hdt: 540, cat: 600, ahst: 600, nt: 660, idlw: 720,
  cet: -60, met: -60, mewt: -60, mest: -120, cest: -120, mesz: -120, fwt: -60, fst: -120, eet: -120, wast: -420,
  wadt: -480, cct: -480, jst: -540, east: -600, eadt: -660, gst: -600, nzt: -720, nzst: -720, nzdt: -780, idle: -720,
  a: 60, b: 120, c: 180, d: 240, e: 300, f: 360, g: 420, h: 480, i: 540, k: 600, l: 660, m: 720, n: -60, o: -120,
  p: -180, q: -240, r: -300, s: -360, t: -420, u: -480, v: -540, w: -600, x: -660, y: -720, z: 0,
};

/** Milliseconds since the epoch of a date curl's -z reads, or null where curl finds no date. */
export function parseCurlDate(text: string): number | null {
  let wday = -1, mon = -1, mday = -1, year = -1, hour = -1, min = -1, sec = -1;
  let zone: number | null = null; // seconds to add to get UTC
  let next: "mday" | "year" = "mday";
  let at = 0;
  for (let part = 0; at < text.length && part < 6; part++) {
    while (at < text.length && !/[A-Za-z0-9]/.test(text[at]!)) at++;
    if (at >= text.length) break;
    const word = /^[A-Za-z]+/.exec(text.slice(at))?.[0];
    if (word) {
      const w = word.toLowerCase();
      let found = false;
      if (wday === -1 && (wday = (w.length > 3 ? WEEKDAYS : DAYS).indexOf(w)) !== -1) found = true;
      if (!found && mon === -1 && (mon = MONTHS.indexOf(w)) !== -1) found = true;
      if (!found && zone === null && w in ZONES) [zone, found] = [ZONES[w]! * 60, true];
      if (!found) return null;
      at += word.length;
      continue;
    }
    const clock = sec === -1 ? /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?/.exec(text.slice(at)) : null;
    if (clock) {
      [hour, min, sec] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
      at += clock[0].length;
      continue;
    }
    const digits = /^\d+/.exec(text.slice(at))![0];
    const val = Number(digits);
    let found = false;
    const sign = at > 0 ? text[at - 1] : "";
    if (zone === null && digits.length === 4 && val <= 1400 && (sign === "+" || sign === "-")) {
      const east = (Math.floor(val / 100) * 60 + (val % 100)) * 60;
      [zone, found] = [sign === "+" ? -east : east, true];
    }
    if (digits.length === 8 && year === -1 && mon === -1 && mday === -1) {
      [year, mon, mday, found] = [Math.floor(val / 10000), Math.floor((val % 10000) / 100) - 1, val % 100, true];
    }
    if (!found && next === "mday" && mday === -1) {
      if (val > 0 && val < 32) [mday, found] = [val, true];
      next = "year";
    }
    if (!found && next === "year" && year === -1) {
      [year, found] = [val < 100 ? val + (val > 70 ? 1900 : 2000) : val, true];
      if (mday === -1) next = "mday";
    }
    if (!found) return null;
    at += digits.length;
  }
  if (sec === -1) hour = min = sec = 0;
  if (mday === -1 || mon === -1 || year === -1) return null;
  if (mday > 31 || mon > 11 || hour > 23 || min > 59 || sec > 60) return null; // clearly no date
  return Date.UTC(year, mon, mday, hour, min, sec) + (zone ?? 0) * 1000;
}
