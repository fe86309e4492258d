/**
 * Dates and times for plugins (which get no `os.date`): parsing, formatting with tokens,
 * calendar arithmetic and differences, in UTC or any IANA time zone (through `Intl`, so
 * daylight-saving changes are handled). Instants are milliseconds since the epoch.
 *
 * @example
 * ```ts
 * import { timeAdd, timeFormat, timeParse } from "./time.ts";
 * const t = timeParse("2026-03-28 12:00", { zone: "Europe/Paris" })!;
 * timeFormat(timeAdd(t, { days: 1 }, { zone: "Europe/Paris" }), "YYYY-MM-DD HH:mm Z", {
 *   zone: "Europe/Paris",
 * }); // "2026-03-29 12:00 +02:00" (the clocks changed overnight)
 * ```
 *
 * @module
 */
import { invalid, type Json, num, options, str } from "./errors.ts";

/** Wall-clock fields of an instant in a zone. */
export interface TimeParts {
  [key: string]: Json;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** ISO weekday: 1 is Monday, 7 Sunday. */
  weekday: number;
  /** Minutes east of UTC. */
  offset_minutes: number;
  zone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneOf(o: Record<string, Json>): string {
  if (o.zone === undefined || o.zone === null) return "UTC";
  const zone = str(o.zone, "zone");
  formatter(zone);
  return zone;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        weekday: "short",
      });
    } catch {
      invalid(`${JSON.stringify(zone)} is not an IANA time zone (e.g. Europe/Paris, UTC)`);
    }
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** Wall-clock fields of `ms` in `zone`. */
export function partsOf(ms: number, zone: string): TimeParts {
  const p: Record<string, string> = {};
  for (const x of formatter(zone).formatToParts(new Date(ms))) p[x.type] = x.value;
  const millisecond = ((ms % 1000) + 1000) % 1000;
  const fields = {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    second: Number(p.second),
  };
  const asUtc = Date.UTC(
    fields.year,
    fields.month - 1,
    fields.day,
    fields.hour,
    fields.minute,
    fields.second,
    millisecond,
  );
  return {
    ...fields,
    millisecond,
    weekday: WEEKDAYS[p.weekday] ?? 0,
    offset_minutes: Math.round((asUtc - ms) / 60_000),
    zone,
  };
}

/** The instant at which the wall clock in `zone` shows these fields (DST gaps move forward). */
export function instantOf(
  f: {
    year: number;
    month: number;
    day: number;
    hour?: number;
    minute?: number;
    second?: number;
    ms?: number;
  },
  zone: string,
): number {
  const utc = Date.UTC(
    f.year,
    f.month - 1,
    f.day,
    f.hour ?? 0,
    f.minute ?? 0,
    f.second ?? 0,
    f.ms ?? 0,
  );
  if (zone === "UTC") return utc;
  let t = utc - partsOf(utc, zone).offset_minutes * 60_000;
  t = utc - partsOf(t, zone).offset_minutes * 60_000;
  return t;
}

function instant(v: Json | undefined, what: string): number {
  if (v === undefined || v === null) return Date.now();
  return num(v, what);
}

/** `time.parts(ms?, {zone})`. */
export function timeParts(ms?: Json, opts?: Json): TimeParts {
  return partsOf(instant(ms, "time.parts(ms)"), zoneOf(options(opts, "time.parts options")));
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

/**
 * `time.parse(text, {zone})`: milliseconds, or null when the text is not a date. ISO 8601 with
 * an offset or `Z` is exact; a date or date-time without one is read in `zone` (default UTC);
 * other forms (`Tue, 03 Nov 2026 10:00:00 GMT`) go through the JavaScript date parser.
 */
export function timeParse(text: Json, opts?: Json): number | null {
  const s = str(text, "time.parse(text)").trim();
  const zone = zoneOf(options(opts, "time.parse options"));
  const local = LOCAL.exec(s);
  if (local) {
    const [, y, mo, d, h, mi, se, frac] = local;
    const f = {
      year: Number(y),
      month: Number(mo),
      day: Number(d),
      hour: Number(h ?? 0),
      minute: Number(mi ?? 0),
      second: Number(se ?? 0),
      ms: frac ? Number(frac.padEnd(3, "0")) : 0,
    };
    if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59) {
      return null;
    }
    const t = instantOf(f, zone);
    return Number.isFinite(t) ? t : null;
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const TOKENS =
  /\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z|z/g;

const two = (n: number) => String(n).padStart(2, "0");

function offsetText(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? "-" : "+";
  const a = Math.abs(minutes);
  return `${sign}${two(Math.floor(a / 60))}${colon ? ":" : ""}${two(a % 60)}`;
}

/**
 * `time.format(ms?, pattern?, {zone})`. Tokens: `YYYY YY MMMM MMM MM M DD D dddd ddd HH H hh h
 * mm m ss s SSS A a Z ZZ z`, text in `[brackets]` is literal. Default: ISO 8601 with the offset.
 */
export function timeFormat(ms?: Json, pattern?: Json, opts?: Json): string {
  const t = instant(ms, "time.format(ms)");
  const zone = zoneOf(options(opts, "time.format options"));
  const p = partsOf(t, zone);
  const pat = pattern === undefined || pattern === null
    ? "YYYY-MM-DD[T]HH:mm:ss.SSSZ"
    : str(pattern, "time.format pattern");
  const h12 = p.hour % 12 === 0 ? 12 : p.hour % 12;
  return pat.replace(TOKENS, (tok, literal) => {
    if (literal !== undefined) return literal;
    switch (tok) {
      case "YYYY":
        return String(p.year).padStart(4, "0");
      case "YY":
        return two(p.year % 100);
      case "MMMM":
        return MONTHS[p.month - 1];
      case "MMM":
        return MONTHS[p.month - 1].slice(0, 3);
      case "MM":
        return two(p.month);
      case "M":
        return String(p.month);
      case "DD":
        return two(p.day);
      case "D":
        return String(p.day);
      case "dddd":
        return DAYS[p.weekday - 1];
      case "ddd":
        return DAYS[p.weekday - 1].slice(0, 3);
      case "HH":
        return two(p.hour);
      case "H":
        return String(p.hour);
      case "hh":
        return two(h12);
      case "h":
        return String(h12);
      case "mm":
        return two(p.minute);
      case "m":
        return String(p.minute);
      case "ss":
        return two(p.second);
      case "s":
        return String(p.second);
      case "SSS":
        return String(p.millisecond).padStart(3, "0");
      case "A":
        return p.hour < 12 ? "AM" : "PM";
      case "a":
        return p.hour < 12 ? "am" : "pm";
      case "Z":
        return zone === "UTC" ? "Z" : offsetText(p.offset_minutes, true);
      case "ZZ":
        return offsetText(p.offset_minutes, false);
      case "z":
        return zone;
    }
    return tok;
  });
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  milliseconds: 1,
  seconds: 1000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

const SHORT: Record<string, string> = {
  y: "years",
  mo: "months",
  w: "weeks",
  d: "days",
  h: "hours",
  m: "minutes",
  s: "seconds",
  ms: "ms",
};

function amountOf(v: Json): Record<string, number> {
  if (typeof v === "string") {
    const out: Record<string, number> = {};
    const re = /(-?\d+(?:\.\d+)?)\s*(ms|mo|y|w|d|h|m|s)/gy;
    const s = v.replace(/\s+/g, "");
    let m: RegExpExecArray | null;
    let end = 0;
    while ((m = re.exec(s)) !== null) {
      out[SHORT[m[2]]] = (out[SHORT[m[2]]] ?? 0) + Number(m[1]);
      end = re.lastIndex;
    }
    if (end !== s.length || end === 0) {
      invalid(`time.add amount ${JSON.stringify(v)} is not like "1y2mo3w4d5h6m7s8ms"`);
    }
    return out;
  }
  const o = options(v, "time.add amount");
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(o)) {
    if (!["years", "months", ...Object.keys(UNIT_MS)].includes(k)) {
      invalid(
        `time.add amount key ${k} is not years, months, weeks, days, hours, minutes, seconds or ms`,
      );
    }
    out[k] = num(x, `time.add ${k}`);
  }
  return out;
}

/**
 * `time.add(ms, amount, {zone})`: years, months, weeks and days move the wall clock in `zone`
 * (so "+1 day" across a DST change keeps the time of day; the 31st plus a month is clamped to
 * the month's last day); hours and smaller move the instant.
 */
export function timeAdd(ms: Json, amount: Json, opts?: Json): number {
  const t = instant(ms, "time.add(ms)");
  const zone = zoneOf(options(opts, "time.add options"));
  const a = amountOf(amount);
  let out = t;
  const years = a.years ?? 0;
  const months = a.months ?? 0;
  const days = (a.days ?? 0) + 7 * (a.weeks ?? 0);
  if (years || months || days) {
    if (!Number.isInteger(years) || !Number.isInteger(months) || !Number.isInteger(days)) {
      invalid("time.add: years, months, weeks and days must be whole numbers");
    }
    const p = partsOf(t, zone);
    const total = p.year * 12 + (p.month - 1) + years * 12 + months;
    const year = Math.floor(total / 12);
    const month = total - year * 12 + 1;
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const day = Math.min(p.day, last);
    const base = Date.UTC(year, month - 1, day) + days * 86_400_000;
    const d = new Date(base);
    out = instantOf({
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: p.hour,
      minute: p.minute,
      second: p.second,
      ms: p.millisecond,
    }, zone);
  }
  for (const k of ["hours", "minutes", "seconds", "ms", "milliseconds"]) {
    if (a[k]) out += a[k] * UNIT_MS[k];
  }
  return out;
}

/**
 * `time.diff(a, b, unit?)`: `b - a` in `unit` (ms by default; seconds, minutes, hours, days,
 * weeks as fractions; months and years as whole calendar months/years in UTC).
 */
export function timeDiff(a: Json, b: Json, unit?: Json): number {
  const x = num(a, "time.diff(a)");
  const y = num(b, "time.diff(b)");
  const u = unit === undefined || unit === null ? "ms" : str(unit, "time.diff unit");
  if (u === "months" || u === "years") {
    const p = partsOf(x, "UTC");
    const q = partsOf(y, "UTC");
    let months = (q.year - p.year) * 12 + (q.month - p.month);
    const later = (s: TimeParts) => [s.day, s.hour, s.minute, s.second, s.millisecond];
    const [lp, lq] = [later(p), later(q)];
    const cmp = lq.findIndex((v, i) => v !== lp[i]);
    if (months > 0 && cmp >= 0 && lq[cmp] < lp[cmp]) months--;
    if (months < 0 && cmp >= 0 && lq[cmp] > lp[cmp]) months++;
    return u === "years" ? Math.trunc(months / 12) : months;
  }
  const size = UNIT_MS[u];
  if (!size) invalid("time.diff unit is ms, seconds, minutes, hours, days, weeks, months or years");
  return (y - x) / size;
}
