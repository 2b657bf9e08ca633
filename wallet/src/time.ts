/** Times for the student: in the campus's time zone, always with its offset, so no one guesses. */

/** The zone used until the gateway has said which one the campus is in. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** The zone's offset at a time, as people read it: "UTC+8", "UTC", "UTC-3:30". */
export function zoneLabel(ms: number, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'shortOffset' }).formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const label = name.replace(/^GMT/, 'UTC');
  return label === 'UTC+0' ? 'UTC' : label;
}

function parts(ms: number, timeZone: string): Record<'day' | 'month' | 'year' | 'hour' | 'minute', string> {
  const list = new Intl.DateTimeFormat('en-GB', {
    timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): string => list.find((p) => p.type === type)?.value ?? '';
  return { day: get('day'), month: get('month'), year: get('year'), hour: get('hour'), minute: get('minute') };
}

/** A time in the campus's zone: "3 Dec 2026, 12:04 UTC+8". */
export function formatTime(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${zoneLabel(ms, timeZone)}`;
}

/** A time without its zone, for sentences under a heading that names the zone: "3 Dec 12:04". */
export function formatShortTime(ms: number, timeZone: string): string {
  const p = parts(ms, timeZone);
  return `${p.day} ${p.month} ${p.hour}:${p.minute}`;
}

/** Whether `timeZone` is an IANA zone this browser knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}
