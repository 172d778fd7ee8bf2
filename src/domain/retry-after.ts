// The HTTP `Retry-After` header (RFC 9110 §10.2.3): either delta-seconds or an
// HTTP-date. Parsed strictly by hand because Date.parse accepts far more than
// HTTP-dates (`Date.parse('1')` is a date in 2001), and a receiver's garbage
// must fall back to our schedule rather than become an arbitrary wait. The
// weekday is checked for form but not against the date, like most parsers.

const DELTA_RE = /^\d+$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const LONG_DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const MON = `(${MONTHS.join('|')})`;

// IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT (the only form senders may emit)
const IMF_RE = new RegExp(`^(${DAYS.join('|')}), (\\d{2}) ${MON} (\\d{4}) ${TIME} GMT$`);
// obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
const RFC850_RE = new RegExp(`^(${LONG_DAYS.join('|')}), (\\d{2})-${MON}-(\\d{2}) ${TIME} GMT$`);
// obsolete asctime: Sun Nov  6 08:49:37 1994
const ASCTIME_RE = new RegExp(`^(${DAYS.join('|')}) ${MON} ([ \\d]\\d) ${TIME} (\\d{4})$`);

function utc(
  year: number,
  month: string,
  day: string,
  hh: string,
  mm: string,
  ss: string,
): number | null {
  const m = MONTHS.indexOf(month);
  const d = Number(day.trim());
  const h = Number(hh);
  const min = Number(mm);
  const s = Number(ss);
  // 60 is a leap second, which RFC 9110 allows; Date.UTC folds it into the next minute.
  if (h > 23 || min > 59 || s > 60) return null;
  // Date.UTC rolls 31 Feb over into March; a date that does not exist is garbage.
  if (new Date(Date.UTC(year, m, d)).getUTCDate() !== d) return null;
  return Date.UTC(year, m, d, h, min, s);
}

/** RFC 9110: a two-digit year more than 50 years ahead belongs to the previous century. */
function expandYear(yy: number, nowMs: number): number {
  const nowYear = new Date(nowMs).getUTCFullYear();
  let year = Math.floor(nowYear / 100) * 100 + yy;
  if (year > nowYear + 50) year -= 100;
  return year;
}

function parseHttpDate(text: string, nowMs: number): number | null {
  let m = IMF_RE.exec(text);
  if (m)
    return utc(
      Number(m[4]),
      m[3] as string,
      m[2] as string,
      m[5] as string,
      m[6] as string,
      m[7] as string,
    );
  m = RFC850_RE.exec(text);
  if (m) {
    const year = expandYear(Number(m[4]), nowMs);
    return utc(
      year,
      m[3] as string,
      m[2] as string,
      m[5] as string,
      m[6] as string,
      m[7] as string,
    );
  }
  m = ASCTIME_RE.exec(text);
  if (m)
    return utc(
      Number(m[7]),
      m[2] as string,
      m[3] as string,
      m[4] as string,
      m[5] as string,
      m[6] as string,
    );
  return null;
}

/**
 * Milliseconds to wait from `nowMs`, or null when the header is absent or not
 * a valid Retry-After. A date in the past means "now" (0). Very large values
 * are returned as they are (capped at MAX_SAFE_INTEGER); bounding the wait is
 * the retry schedule's job.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined) return null;
  const text = header.trim();
  if (text === '') return null;
  if (DELTA_RE.test(text)) {
    return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  }
  const at = parseHttpDate(text, nowMs);
  if (at === null) return null;
  return Math.max(0, at - nowMs);
}
