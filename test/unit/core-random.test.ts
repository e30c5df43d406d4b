/** The generator ports against real NumPy and PyTorch (fixtures by scripts/make-fixtures.py): bit for bit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crLog, fma, glibcLog, Linear, NumpyLegacyRandom, TorchGenerator } from '../../src/core';
import type { DType } from '../../src/core';
import { FIXTURES } from './goldenFixture';

const np = JSON.parse(readFileSync(join(FIXTURES, 'numpy-randn-seed0-40000.json'), 'utf8'));
const torchFix = JSON.parse(readFileSync(join(FIXTURES, 'broadcast-table.json'), 'utf8'));

test('np.random.seed(0); randn(40000): every float64 bit-identical (0 mismatches)', () => {
  const buf = Buffer.from(np.randn_seed0_40000_f64le_base64, 'base64');
  const expected = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  assert.equal(expected.length, 40000);
  assert.deepEqual(Array.from(expected.subarray(0, 3)), np.randn_seed0_first3.map(Number), 'fixture decodes as little-endian float64');
  const got = new NumpyLegacyRandom(0).randn(40000);
  const bad: number[] = [];
  for (let i = 0; i < expected.length; i++) if (!Object.is(got[i], expected[i])) bad.push(i);
  assert.equal(bad.length, 0, `${bad.length} of 40000 mismatch, first at ${bad.slice(0, 5).map((i) => `${i}: ${got[i]} vs ${expected[i]}`).join('; ')}`);
});

const f64s = (b64: string): Float64Array => {
  const buf = Buffer.from(b64, 'base64');
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

test('glibcLog equals glibc log bit for bit (incl. the r² where glibc is not correctly rounded)', () => {
  const xy = f64s(np.glibc_log_x_y);
  const bad: string[] = [];
  let notExact = 0;
  for (let i = 0; i < xy.length; i += 2) {
    if (!Object.is(glibcLog(xy[i]), xy[i + 1])) bad.push(`log(${xy[i]}) = ${glibcLog(xy[i])}, glibc ${xy[i + 1]}`);
    if (crLog(xy[i]) !== xy[i + 1]) notExact++;
  }
  assert.equal(bad.length, 0, bad.slice(0, 5).join('; '));
  assert.ok(notExact >= 4, `the fixture holds inputs where glibc differs from the exact log (${notExact})`);
});

test('fma is one rounding: equals libm fma on cancellations and half-ulp ties', () => {
  const q = f64s(np.fma_a_b_c_r);
  let naiveDiffers = 0;
  for (let i = 0; i < q.length; i += 4) {
    const [a, b, c, r] = [q[i], q[i + 1], q[i + 2], q[i + 3]];
    assert.ok(Object.is(fma(a, b, c), r), `fma(${a}, ${b}, ${c}) = ${fma(a, b, c)}, libm ${r}`);
    if (a * b + c !== r) naiveDiffers++;
  }
  assert.ok(naiveDiffers > 100, `fixture exercises double rounding (${naiveDiffers} differ from a*b+c)`);
});

test('np.random.seed(0); permutation(10) and seed(5); shuffle(arange(1000)) match NumPy', () => {
  assert.deepEqual(Array.from(new NumpyLegacyRandom(0).permutation(10)), np.permutation_seed0_10);
  const a = Array.from({ length: 1000 }, (_, i) => i);
  new NumpyLegacyRandom(5).shuffle(a);
  assert.deepEqual(a, np.shuffle_seed5_arange1000);
});

test('seed(0); randn(7) then permutation(33) continues the same MT stream as NumPy', () => {
  const r = new NumpyLegacyRandom(0);
  r.randn(7);
  assert.deepEqual(Array.from(r.permutation(33)), np.seed0_randn7_then_permutation33);
});

interface LinearInit { seed: number; dtype: DType; in: number; out: number; weight: number[]; bias: number[] | null }
for (const c of torchFix.linear_init as (LinearInit & { sequence?: LinearInit[] })[]) {
  const layers = c.sequence ?? [c];
  test(`torch.manual_seed(${c.seed}); ${layers.map((l) => `Linear(${l.in},${l.out})`).join(', ')} ${c.dtype}: weight and bias exact`, () => {
    const g = new TorchGenerator();
    g.manualSeed(c.seed);
    for (const l of layers) {
      const lin = new Linear(l.in, l.out, { bias: l.bias !== null, dtype: c.dtype, generator: g });
      assert.equal(lin.weight.dtype, c.dtype);
      assert.deepEqual(lin.weight.shape, [l.out, l.in]);
      assert.deepEqual(lin.weight.toArray(), l.weight);
      assert.deepEqual(lin.bias?.toArray() ?? null, l.bias);
    }
  });
}

test('TorchGenerator: a seed above 2**32 keeps its low 32 bits, like mt19937(uint64) does', () => {
  const a = new TorchGenerator();
  a.manualSeed(2 ** 32 + 42);
  const b = new TorchGenerator();
  b.manualSeed(42);
  assert.equal(a.random(), b.random());
});
