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

let pass = 0;
const NO_PARENTS: Tensor[] = [];

/** `loss.backward()`: seeds with ones (scalar losses only, like PyTorch without an explicit grad). */
export function backward(root: Tensor, seed?: Tensor): void {
  if (!root.requiresGrad) throw new Error('element 0 of tensors does not require grad and does not have a grad_fn');
  if (!seed && root.size !== 1) throw new Error(`grad can be implicitly created only for scalar outputs, got ${shapeStr(root.shape)}`);
  // Visited marks and pending gradients live on the tensors (this runs every step; a Set and a Map cost more
  // than the whole graph of a small model). Marking a tensor clears what an earlier, failed pass left on it.
  const mark = ++pass;
  const order: Tensor[] = [];
  // Iterative post-order DFS: graphs are shallow here, but a long chain must not blow the stack.
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  root.visitMark = mark;
  root.pendingGrad = null;
  while (stack.length) {
    const top = stack.length - 1;
    const t = stack[top];
    const parents = t.node ? t.node.parents : NO_PARENTS;
    const i = next[top];
    if (i < parents.length) {
      next[top] = i + 1;
      const p = parents[i];
      if (p.requiresGrad && p.visitMark !== mark) {
        p.visitMark = mark;
        p.pendingGrad = null;
        stack.push(p);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(t);
    }
  }
  const seedData = allocate(root.dtype, root.size);
  if (seed) seedData.set(seed.values());
  else seedData[0] = 1;
  root.pendingGrad = new Tensor(seedData, root.shape);
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const g = t.pendingGrad;
    t.pendingGrad = null;
    if (!g) continue;
    if (!t.node) {
      // A leaf: accumulate into .grad (PyTorch keeps accumulating until zero_grad).
      if (!sameShape(g.shape, t.shape)) throw new Error(`internal: grad ${shapeStr(g.shape)} for leaf ${shapeStr(t.shape)}`);
      if (t.grad) addInto(t.grad, g);
      else t.grad = new Tensor(g.values().slice(), t.shape);
      continue;
    }
    const pg = t.node.backward(g);
    const parents = t.node.parents;
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i];
      const gi = pg[i];
      if (!gi || !p.requiresGrad) continue;
      const prev = p.pendingGrad;
      if (prev) {
        const sum = new Tensor(prev.values().slice(), prev.shape);
        addInto(sum, gi);
        p.pendingGrad = sum;
      } else p.pendingGrad = gi;
    }
  }
}
