/**
 * A random length in the second half of `ms`. Objects created in the same tick take one each
 * for their periodic work, so they drift apart instead of doing it all in one burst.
 */
export function jittered(ms: number): number {
  return ms * (0.5 + Math.random() / 2);
}
