/** The core against real PyTorch: 12 golden trajectories, default Linear init, NumPy's legacy randn. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, backward, kaimingUniformBound, Linear, losses, NumpyLegacyRandom, ops, RMSprop, SGD, Tensor, TorchGenerator, tracer } from '../../src/core';
import type { Optimizer } from '../../src/core';
import { FIXTURES, loadGolden, sharedGoldenText } from './goldenFixture';

const golden = loadGolden();
const flat = (v: unknown): number[] => (Array.isArray(v) ? (v as unknown[]).flatMap(flat) : [v as number]);

function close(actual: ArrayLike<number>, expected: number[], tol: number, scale: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(scale, 1e-30), `${what}[${i}]: got ${actual[i]}, PyTorch ${expected[i]} (|err| ${err}, allowed ${tol * scale})`);
  }
}

test('the shipped golden fixture equals ../shared/reference when that is present', (t) => {
  const shared = sharedGoldenText();
  if (shared === undefined) return t.skip('../shared/reference/torch-golden.json is not present here');
  assert.deepEqual(JSON.parse(readFileSync(join(FIXTURES, 'torch-golden.json'), 'utf8')), JSON.parse(shared));
});

for (const c of golden.cases) {
  test(`golden ${c.name}: 20 steps of loss, grad, weight and state match PyTorch`, () => {
    const dtype = c.dtype;
    const X = Tensor.from(c.X, dtype);
    const y = Tensor.from(c.y, dtype);
    const w = Tensor.from(c.w0 as never, dtype);
    w.requiresGrad = true;
    const a = c.optimizer_args;
    let opt: Optimizer;
    if (c.optimizer === 'SGD') opt = new SGD([w], { lr: a.lr as number, momentum: a.momentum as number, dampening: a.dampening as number, weight_decay: a.weight_decay as number, nesterov: a.nesterov as boolean });
    else if (c.optimizer === 'RMSprop') opt = new RMSprop([w], { lr: a.lr as number, alpha: a.alpha as number, eps: a.eps as number, weight_decay: a.weight_decay as number, momentum: a.momentum as number, centered: a.centered as boolean });
    else opt = new Adam([w], { lr: a.lr as number, betas: a.betas as [number, number], eps: a.eps as number, weight_decay: a.weight_decay as number, amsgrad: a.amsgrad as boolean });
    const tol = dtype === 'float32' ? 1e-5 : 1e-12;
    // Tolerance is relative to each quantity's largest magnitude over the 20 steps (see the reference README).
    const maxAbs = (sel: (s: (typeof c.steps)[number]) => unknown) => Math.max(...c.steps.flatMap((s) => flat(sel(s)).map(Math.abs)));
    const lossScale = maxAbs((s) => s.loss);
    const gradScale = maxAbs((s) => s.grad);
    const wScale = maxAbs((s) => s.weight);
    for (const s of c.steps) {
      opt.zeroGrad();
      tracer.begin();
      const pred = ops.linear(X, w);
      const loss = losses.mseLoss(pred, y);
      const trace = tracer.end();
      assert.deepEqual(pred.shape, c.pred_shape);
      const lossRec = trace.find((r) => r.loss)!;
      assert.deepEqual(lossRec.broadcast?.shape ?? lossRec.inputs[0], c.loss_elements_shape);
      backward(loss);
      close([loss.item()], [s.loss], tol, lossScale, `step ${s.step} loss`);
      close(w.grad!.values(), flat(s.grad), tol, gradScale, `step ${s.step} grad`);
      opt.step();
      close(w.values(), flat(s.weight), tol, wScale, `step ${s.step} weight`);
      const st = opt.state.get(w)!;
      for (const [k, v] of Object.entries(s.state)) {
        const mine = st[k];
        assert.ok(mine !== undefined, `state ${k} missing`);
        const exp = flat(v);
        const scale = Math.max(...c.steps.flatMap((q) => flat(q.state[k]).map(Math.abs)));
        close(typeof mine === 'number' ? [mine] : mine, exp, tol, scale, `step ${s.step} state.${k}`);
      }
    }
  });
}

test('torch.manual_seed(0); nn.Linear(2,1,bias=False) gives PyTorch\'s weight exactly', () => {
  const g = new TorchGenerator();
  g.manualSeed(0);
  const lin = new Linear(2, 1, { bias: false, generator: g });
  assert.deepEqual(lin.weight.shape, [1, 2]);
  assert.deepEqual(lin.weight.toArray(), golden.linear_default_init.observed_weight_after_torch_manual_seed_0.flat());
  assert.equal(kaimingUniformBound(2), golden.linear_default_init.bound_as_computed_by_torch);
});

test('np.random.seed(0); np.random.randn(20) is bit-identical to NumPy', () => {
  const r = new NumpyLegacyRandom(0);
  const got = Array.from(r.randn(20));
  assert.deepEqual(got, golden.numpy_randn_seed0.map(Number));
});

test('float64 uniform_ after torch.manual_seed(0) matches PyTorch', () => {
  // torch.manual_seed(0); torch.empty(2, dtype=torch.float64).uniform_(-b, b) with b = 0.7071067811865474
  const g = new TorchGenerator();
  g.manualSeed(0);
  const t = Tensor.zeros([2], 'float64');
  g.uniform_(t, -0.7071067811865474, 0.7071067811865474);
  assert.deepEqual(t.toArray(), [0.6647553301890121, 0.29390167076471757]);
});
