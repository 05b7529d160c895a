// How large an inventory may be: checked while it is read, so a small hostile file (100 ranges of [0:9999], a
// chain of 5,000 groups) is refused before memory or the stack grows.
import type { Problem } from '../core/errors.js';

/** Host names after range expansion over the whole inventory; a name listed in two places counts twice. */
export const MAX_HOSTS = 100_000;
/** Groups, all and ungrouped included. */
export const MAX_GROUPS = 10_000;
/** The longest chain of groups from all down, and the nesting of children: sections in one file. */
export const MAX_GROUP_DEPTH = 100;

/** Reading stops at the first cap reached: the problem says which. */
export class InventoryTooLarge extends Error {
  constructor(readonly problem: Problem) {
    super(problem.rule);
  }
}
