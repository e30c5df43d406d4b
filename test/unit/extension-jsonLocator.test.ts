/** JSON path → line locator and the syntax-error offset used for experiment-file diagnostics. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findNode, locatePath, parseJsonTree, pathSegments, positionAt } from '../../src/extension/jsonLocator';

const spec = `{
  "name": "fixture: invalid epochs",
  "data": { "kind": "synthetic", "seed": 0, "weights": [5, 3] },
  "model": {
    "layers": { "layer1": { "type": "linear", "in": 2, "out": 1 } },
    "forward": ["layer1", { "op": "squeeze", "assign": false }]
  },
  "training": {
    "epochs": "ten",
    "batchSize": 16
  }
}
`;

test('path syntaxes: dotted, indexed, JSON pointer, root', () => {
  assert.deepEqual(pathSegments('model.layers.layer1.in'), ['model', 'layers', 'layer1', 'in']);
  assert.deepEqual(pathSegments('model.forward[1].assign'), ['model', 'forward', '1', 'assign']);
  assert.deepEqual(pathSegments('data.x[0][1]'), ['data', 'x', '0', '1']);
  assert.deepEqual(pathSegments('/training/epochs'), ['training', 'epochs']);
  assert.deepEqual(pathSegments('/a~1b/c~0d'), ['a/b', 'c~d']);
  assert.deepEqual(pathSegments(''), []);
  assert.deepEqual(pathSegments('$'), []);
});

test('a field is found at its own line, key through value', () => {
  const r = locatePath(spec, 'training.epochs');
  assert.deepEqual(r, { start: { line: 8, character: 4 }, end: { line: 8, character: 19 } });
  assert.equal(spec.split('\n')[8].slice(4, 19), '"epochs": "ten"');
});

test('array elements and nested values', () => {
  const r = locatePath(spec, 'model.forward[1].assign');
  const line = spec.split('\n')[r.start.line];
  assert.equal(r.start.line, 5);
  assert.equal(line.slice(r.start.character, r.end.character), '"assign": false');
  const w = locatePath(spec, 'data.weights[1]');
  assert.equal(w.start.line, 2);
  assert.equal(spec.split('\n')[2].slice(w.start.character, w.end.character), '3');
  assert.equal(locatePath(spec, '/model/layers/layer1/in').start.line, 4);
});

test('a missing field points at its parent; a multi-line parent only at its key', () => {
  const r = locatePath(spec, 'training.lr');
  assert.deepEqual(r, { start: { line: 7, character: 2 }, end: { line: 7, character: 12 } });
  const t = parseJsonTree(spec);
  assert.equal(findNode(t.root!, ['training', 'lr']).exact, false);
  assert.equal(findNode(t.root!, ['training', 'epochs']).exact, true);
  // The root itself (a problem with the whole file): its opening brace.
  assert.deepEqual(locatePath(spec, ''), { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } });
});

test('syntax errors carry their offset and a specific message', () => {
  const missingComma = '{\n  "a": 1\n  "b": 2\n}';
  const e1 = parseJsonTree(missingComma).error!;
  assert.deepEqual(positionAt(missingComma, e1.offset), { line: 2, character: 2 });
  assert.match(e1.message, /expected ',' or '}' after property "a"/);
  const trailing = '{"a": [1, 2,]}';
  const e2 = parseJsonTree(trailing).error!;
  assert.equal(e2.offset, 12);
  assert.match(e2.message, /expected a value, found "]"/);
  const unterminated = '{"a": "abc';
  assert.match(parseJsonTree(unterminated).error!.message, /unterminated string/);
  assert.match(parseJsonTree('{"a": 1} x').error!.message, /after the end of the JSON value/);
  assert.match(parseJsonTree('').error!.message, /found end of file/);
  assert.equal(parseJsonTree('{"a": 01}').error!.offset, 7);
});

test('the scanner accepts what JSON.parse accepts on real-looking input', () => {
  const samples = [spec, '[]', '{}', '"\\u00e9\\n"', '-1.5e-3', '[true, false, null, {"x": [[]]}]', '\ufeff{"bom": 1}'];
  for (const s of samples) {
    const t = parseJsonTree(s);
    assert.equal(t.error, undefined, s);
    assert.equal(t.root!.length, s.replace(/^\ufeff/, '').trimEnd().length, `root length of ${JSON.stringify(s)}`);
  }
});
