/**
 * The complexity EventBridge measures for a field's wildcard patterns: the most pattern
 * positions a single event value can keep alive at once. Each `*` followed by characters that
 * repeat multiplies the positions a matcher must track, so EventBridge refuses a rule above
 * its limit with "Rule is too complex".
 */

/** Above this many simultaneously live positions EventBridge refuses the rule. */
export const WILDCARD_COMPLEXITY_LIMIT = 10;

const ANY = Symbol('any');
type Token = string | typeof ANY;

/** A wildcard pattern as the bytes it is matched against, quotes included (`"a*b"`). */
const tokensOf = (glob: string): Token[] => {
  const tokens: Token[] = ['"'];
  for (let at = 0; at < glob.length; at += 1) {
    const char = glob[at] as string;
    if (char === '*') tokens.push(ANY);
    else if (char === '\\') {
      tokens.push(glob[at + 1] as string);
      at += 1;
    } else tokens.push(char);
  }
  tokens.push('"');
  return tokens;
};

/** Adds the positions an empty `*` lets a pattern skip to. */
const closure = (tokens: readonly Token[], positions: Set<number>): Set<number> => {
  for (const position of positions) if (tokens[position] === ANY) positions.add(position + 1);
  return positions;
};

/** The worst case over every input, capped just above the limit (the answer is then "too complex"). */
export const wildcardComplexity = (globs: readonly string[]): number => {
  const patterns = globs.map(tokensOf);
  const alphabet = new Set<string>(['\u0000']);
  for (const tokens of patterns) for (const token of tokens) if (token !== ANY) alphabet.add(token);
  const start = patterns.map((tokens) => closure(tokens, new Set([0])));
  const key = (state: Set<number>[]) =>
    state.map((positions) => [...positions].sort().join(',')).join('|');
  const seen = new Set([key(start)]);
  const pending = [start];
  let worst = 0;
  for (let state = pending.pop(); state !== undefined; state = pending.pop()) {
    for (const char of alphabet) {
      const next = state.map((positions, at) => {
        const tokens = patterns[at] as Token[];
        const moved = new Set<number>();
        for (const position of positions) {
          const token = tokens[position];
          if (token === ANY) moved.add(position);
          else if (token === char) moved.add(position + 1);
        }
        return closure(tokens, moved);
      });
      // A pattern matched to its end is no longer a prefix being tracked.
      const live = next.reduce(
        (sum, positions, at) =>
          sum + positions.size - (positions.has((patterns[at] as Token[]).length) ? 1 : 0),
        0,
      );
      if (live > WILDCARD_COMPLEXITY_LIMIT) return live;
      worst = Math.max(worst, live);
      const nextKey = key(next);
      if (live > 0 && !seen.has(nextKey)) {
        seen.add(nextKey);
        pending.push(next);
      }
    }
  }
  return worst;
};
