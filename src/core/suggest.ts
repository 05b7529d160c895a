// "Did you mean …?": the closest known name to a mistyped one, as commander does for flags.
import { distance } from 'fastest-levenshtein';

/**
 * The candidate nearest to `typed` by edit distance, when it is near enough to be a typo (at most a third of
 * the longer name's length, and at most 3 edits); undefined otherwise. Case is ignored.
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  const t = typed.toLowerCase();
  for (const name of candidates) {
    if (name === typed) continue;
    const d = distance(t, name.toLowerCase());
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(t.length, name.length) / 3)));
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** ` (did you mean NAME?)`, or '' when nothing is near. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const name = closest(typed, candidates);
  return name === undefined ? '' : ` (did you mean ${name}?)`;
}
