/**
 * `--ts-window 2h`-style durations. Ollama's real window is unknown (docs/protocol.md §2.4: somewhere
 * between ~2 h and ~48 h), so it is a knob, and a knob needs an unambiguous spelling.
 */
import { OacError } from '../errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(?:\d+[smhd])+$/;

/**
 * Seconds in `90`, `90s`, `15m`, `2h`, `1d` or a sum like `1h30m`. A bare number is seconds.
 * Throws `emulator/bad-duration` for anything else (negative, fractional, unknown unit, empty).
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return checkSafe(Number(trimmed), text);
  if (!DURATION.test(trimmed)) {
    throw new OacError('emulator/bad-duration',
      `expected a duration like 90, 90s, 15m, 2h, 1d or 1h30m (whole numbers; units s, m, h, d), got ${JSON.stringify(text)}`);
  }
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) total += Number(amount) * UNIT_SECONDS[unit!]!;
  return checkSafe(total, text);
}

function checkSafe(seconds: number, text: string): number {
  if (!Number.isSafeInteger(seconds)) {
    throw new OacError('emulator/bad-duration', `duration ${JSON.stringify(text)} is too large to be a number of seconds`);
  }
  return seconds;
}
