import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenName } from '../../../src/runs/verify/verify-host.js';

test('tokenName: a plain host name stays; anything else is percent-encoded, so the probe line stays one line', () => {
  assert.equal(tokenName('web-01.prod_a'), 'web-01.prod_a');
  assert.equal(tokenName('web\n[x] "y"'), 'web%0A%5Bx%5D%20%22y%22');
  assert.equal(tokenName('웹\u001b'), '%EC%9B%B9%1B');
  assert.match(tokenName('a\u2028b%'), /^[A-Za-z0-9._%-]+$/);
});
