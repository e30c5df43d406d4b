/**
 * Reverse-mode autograd over the GradNode graph. Leaf tensors that require grad accumulate into `.grad`
 * exactly like PyTorch: a second backward without zero_grad adds to the old gradient.
 */
import { allocate, Tensor } from './tensor';
import { sameShape, shapeStr } from './shape';

let gradEnabled = true;

/** Runs `fn` without building a graph, like `torch.no_grad()`. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Attaches a GradNode to `out` when any parent needs a gradient and grad mode is on. */
export function attach(out: Tensor, op: string, parents: Tensor[], backward: (g: Tensor) => (Tensor | null)[]): Tensor {
  if (gradEnabled && parents.some((p) => p.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, parents, backward };
  }
  return out;
}

function addInto(acc: Tensor, g: Tensor): void {
  const a = acc.data;
  const b = g.values();
  for (let i = 0; i < a.length; i++) a[i] = a[i] + b[i];
}

/** `loss.backward()`: seeds with ones (scalar losses only, like PyTorch without an explicit grad). */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) throw new Error('element 0 of tensors does not require grad and does not have a grad_fn');
  if (!seed && root.size !== 1) throw new Error(`grad can be implicitly created only for scalar outputs, got ${shapeStr(root.shape)}`);
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative post-order DFS: graphs are shallow here, but a long chain must not blow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const parents = t.node?.parents ?? [];
    if (i < parents.length) {
      top[1]++;
      const p = parents[i];
      if (p.requiresGrad && !seen.has(p)) {
        seen.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  const seedData = allocate(root.dtype, root.size);
  if (seed) seedData.set(seed.values());
  else seedData[0] = 1;
  grads.set(root, new Tensor(seedData, root.shape));
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = grads.get(t);
    if (!g) continue;
    if (!t.node) {
      // A leaf: accumulate into .grad (PyTorch keeps accumulating until zero_grad).
      if (!sameShape(g.shape, t.shape)) throw new Error(`internal: grad ${shapeStr(g.shape)} for leaf ${shapeStr(t.shape)}`);
      if (t.grad) addInto(t.grad, g);
      else t.grad = new Tensor(g.values().slice(), t.shape);
      continue;
    }
    const pg = t.node.backward(g);
    t.node.parents.forEach((p, i) => {
      const gi = pg[i];
      if (!gi || !p.requiresGrad) return;
      const prev = grads.get(p);
      if (prev) {
        const sum = new Tensor(prev.values().slice(), prev.shape);
        addInto(sum, gi);
        grads.set(p, sum);
      } else grads.set(p, gi);
    });
    grads.delete(t);
  }
}
