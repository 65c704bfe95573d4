import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFilterPolicy, matchesPattern } from '../../lib/dev/patterns';

// Edge cases of AWS's matching beyond the basics covered in test/devkit/patterns.test.ts.
const event = {
  source: 'app.orders',
  detail: { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }], state: null, empty: '', nested: { deep: { flag: true } }, count: 0 },
};

test('EventBridge patterns: arrays of objects, null, empty strings, booleans, zero and absent fields', () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['a field of one element of an array of objects', { detail: { items: { sku: ['b'] } } }, true],
    ['numeric on an element of an array of objects', { detail: { items: { qty: [{ numeric: ['>', 3] }] } } }, true],
    ['no element matches', { detail: { items: { sku: ['c'] } } }, false],
    ['both conditions on the same element', { detail: { items: { sku: ['a'], qty: [1] } } }, true],
    ['null matches null', { detail: { state: [null] } }, true],
    ['a null value exists', { detail: { state: [{ exists: true }] } }, true],
    ['empty string', { detail: { empty: [''] } }, true],
    ['boolean deep inside', { detail: { nested: { deep: { flag: [true] } } } }, true],
    ['zero is a number', { detail: { count: [{ numeric: ['=', 0] }] } }, true],
    ['an object is not a leaf for exists', { detail: { nested: [{ exists: true }] } }, false],
    ['anything-but does not match an absent field', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['an absent nested object satisfies exists:false', { detail: { other: { x: [{ exists: false }] } } }, true],
    ['a numeric matcher never matches a string', { source: [{ numeric: ['>', 0] }] }, false],
    ['$or inside a nested object', { detail: { $or: [{ empty: ['x'] }, { count: [0] }] } }, true],
  ];
  for (const [why, pattern, expected] of cases) assert.equal(matchesPattern(pattern, event), expected, why);
});

test('SNS attribute policies: a String attribute never matches numerically', () => {
  const message = { message: 'hi', attributes: { price: { Type: 'String', Value: '10' }, qty: { Type: 'Number', Value: '3' } } };
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['numeric on a String attribute', { price: [{ numeric: ['>', 5] }] }, false],
    ['the text of a String attribute', { price: ['10'] }, true],
    ['a string literal against a Number attribute', { qty: ['3'] }, false],
    ['anything-but on a number', { qty: [{ 'anything-but': [1, 2] }] }, true],
    ['every key must match', { price: ['10'], qty: [{ numeric: ['<', 3] }] }, false],
    ['$or of keys', { $or: [{ price: ['1'] }, { qty: [3] }] }, true],
  ];
  for (const [why, policy, expected] of cases) assert.equal(matchesFilterPolicy(policy, 'MessageAttributes', message), expected, why);
});
