/**
 * Cron schedules and time zones as Kubernetes CronJobs take them: five fields
 * (minute hour day-of-month month day-of-week) with lists, ranges, steps and
 * names, or a macro such as @daily; an IANA time zone.
 */

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, offset: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, offset: 0 },
] as const;

type Field = (typeof FIELDS)[number];

function fieldValue(text: string, field: Field): number | undefined {
  const named = 'names' in field ? (field.names as readonly string[]).indexOf(text.toLowerCase()) : -1;
  if (named >= 0) return named + ('offset' in field ? field.offset : 0);
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The problem with one list entry of a field (a star, 5, 1-5, a step such as 0-30/15, mon-fri), or undefined. */
function partProblem(part: string, field: Field): string | undefined {
  const [range, step, extra] = part.split('/');
  if (extra !== undefined || (step !== undefined && !/^\d+$/.test(step))) return `'${part}' has a bad step`;
  if (range === '*' || range === '?') return undefined;
  const ends = (range ?? '').split('-');
  if (ends.length > 2) return `'${part}' is not a value or a range`;
  for (const end of ends) {
    const v = fieldValue(end, field);
    if (v === undefined) return `'${end}' is not a ${field.name}`;
    if (v < field.min || v > field.max) return `${field.name} ${v} is outside ${field.min}-${field.max}`;
  }
  return undefined;
}

/** The problem with one field, or undefined when it is valid. */
function fieldProblem(text: string, field: Field): string | undefined {
  for (const part of text.split(',')) {
    const problem = partProblem(part, field);
    if (problem) return problem;
  }
  return undefined;
}

/** Why a schedule is invalid, or undefined when Kubernetes will take it. */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim().replace(/^(CRON_)?TZ=\S+\s+/, '');
  if (MACROS.has(text)) return undefined;
  if (text.startsWith('@every ')) return undefined;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return `a schedule has 5 fields (minute hour day-of-month month day-of-week), this one has ${parts.length}`;
  for (const [i, part] of parts.entries()) {
    const problem = fieldProblem(part, FIELDS[i] as Field);
    if (problem) return problem;
  }
  return undefined;
}

/** Whether an IANA time zone name is known (by the ICU data of this runtime, as by the API server's). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return !/^(UTC|GMT)?[+-]d/.test(name);
  } catch {
    return false;
  }
}
