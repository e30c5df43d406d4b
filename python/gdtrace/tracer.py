"""The tracer's state: the ops of the running step, the step counter, and the diagnoses already raised."""
import contextlib
import os
import time
import traceback

from . import ops as O
from .ops import K_LOSS
from .diagnose import SeriesDiagnoser
from .frames import USER, FrameClassifier
from .names import Names
from .shapes import broadcast, broadcast_info, fmt, numel
from .source_scan import SourceCache
from .step_queue import StepQueue

_MISS = object()
_MODULES_DIR = os.sep + os.path.join("torch", "nn", "modules") + os.sep


class Tracer:
    def __init__(self, torch, channel, every=1):
        self.torch = torch
        self._Tensor = torch.Tensor
        self._no_torch_function = getattr(torch._C, "DisableTorchFunction", None) or contextlib.nullcontext
        self.ch = channel
        self.every = max(1, int(every))
        self.sources = SourceCache()
        self.discard_sites = {}  # (path, line) -> DiscardSite
        self.discard_names = set()
        self.frames = FrameClassifier(self._scan_file)
        self._frame_kinds = self.frames.known
        self.names = Names(torch)
        self.series = SeriesDiagnoser(self)
        self.queue = StepQueue(self)
        self.suspended = False
        self.recording = True  # step 1 is always recorded
        self.step = 0
        self.ops = []
        self.zero_count = 0
        self.backward_tensor = None
        self.backward_loc = None
        self.loss_out = None
        self.loss_io = None
        self.loss_loc = None
        self.linear_checked = False
        self.raised = set()  # (code, file, line) already reported
        self.diagnoses = []
        self.internal_errors = 0
        self.in_step = False
        self.prev_ops = None
        self._op_cache = {}
        self._locs = {}
        self._discard_at = {}  # (co_filename, line) -> (path, DiscardSite) or None
        self.prev_ops_step = 0
        self._last_progress = 0.0
        self._unknown_modules = set()

    # ------------------------------------------------------------------ source and locations
    def _scan_file(self, path):
        sites = self.sources.get(path).discard_sites()
        for line, site in sites.items():
            self.discard_sites[(path, line)] = site
            self.discard_names.add(site.method)

    def location(self, frame):
        f = self.frames.user_frame(frame)
        if f is None:
            return None
        return self._loc_of((f.f_code.co_filename, f.f_lineno))

    def _label(self, frame):
        """The name of the torch module whose forward made this call (`layer1`), if any."""
        f = frame
        while f is not None:
            code = f.f_code
            k = self.frames.kind(code.co_filename)
            if k == USER:
                return None
            if code.co_name == "forward" and _MODULES_DIR in code.co_filename:
                m = f.f_locals.get("self")
                if m is None:
                    return None
                n = self.names.modules.get(id(m))
                if n is None and id(m) not in self._unknown_modules:
                    self._unknown_modules.add(id(m))
                    self.names.refresh()
                    n = self.names.modules.get(id(m))
                return n
            f = f.f_back
        return None

    # ------------------------------------------------------------------ diagnoses
    def diagnose(self, code, severity, message, evidence, loc, fix=None, op_index=None, step=None, once_key=None):
        key = (code,) + ((loc["file"], loc["line"]) if loc else ()) if once_key is None else (code, once_key)
        if key in self.raised:
            return
        self.raised.add(key)
        d = {"code": code, "severity": severity, "step": step if step is not None else self.step + 1,
             "message": message, "evidence": evidence}
        if fix:
            d["fix"] = fix
        if op_index is not None:
            d["opIndex"] = op_index
        if loc:
            d["location"] = loc
        self.diagnoses.append(d)
        self.ch.send({"t": "diagnosis", "diagnosis": d})

    def internal_error(self, e):
        self.internal_errors += 1
        if self.internal_errors <= 3:
            self.ch.send({"t": "warning", "message": f"tracer internal error: {type(e).__name__}: {e}",
                          "detail": traceback.format_exc(limit=4)})

    # ------------------------------------------------------------------ ops
    def on_backward(self, t, frame):
        self.backward_tensor = t
        self.backward_loc = self.location(frame)

    def on_op(self, kind, name, args, kwargs, out, frame):
        # The hot path of a recorded step (every op the user calls): one pass over the arguments and a
        # dict lookup; the record itself is built once per (op, line, shapes).
        Tensor = self._Tensor
        if isinstance(out, Tensor):
            out_t = out
        elif isinstance(out, (tuple, list)) and out and isinstance(out[0], Tensor):
            out_t = out[0]
        else:
            return
        # sig: (name, code_line, output shape, input shapes...), built in the same pass as the inputs
        sig = [name, None, out_t.shape]
        tensors = []
        for a in args:
            if isinstance(a, Tensor):
                tensors.append(a)
                sig.append(a.shape)
            elif isinstance(a, (list, tuple)):
                for b in a:
                    if isinstance(b, Tensor):
                        tensors.append(b)
                        sig.append(b.shape)
        if kwargs:
            for v in kwargs.values():
                if isinstance(v, Tensor):
                    tensors.append(v)
                    sig.append(v.shape)
        # frames.user_frame, inlined: the nearest frame in the user's code
        kinds = self._frame_kinds
        uf = frame
        while uf is not None:
            fn = uf.f_code.co_filename
            k = kinds.get(fn)
            if k is None:
                k = self.frames.kind(fn)
            if k == USER:
                break
            uf = uf.f_back
        code_line = (uf.f_code.co_filename, uf.f_lineno) if uf is not None else None
        if kind == K_LOSS:
            self.loss_out = out_t
            if len(tensors) >= 2:
                self.loss_io = (tensors[0], tensors[1])
        # An op seen before with the same shapes at the same line gives the same record: build it once.
        sig[1] = code_line
        sig = tuple(sig)
        op = self._op_cache.get(sig)
        if op is None:
            # A tensor subclass's __torch_function__ must not run inside the tracer's own bookkeeping.
            with self._no_torch_function():
                op = self._build_op(kind, name, tensors, kwargs, out_t, frame, code_line, args)
            if len(self._op_cache) < 10000:
                self._op_cache[sig] = op
        if kind == K_LOSS:
            self.loss_loc = op.get("source")
        if self.recording:
            self.ops.append(op)

    def _loc_of(self, code_line):
        if code_line is None:
            return None
        loc = self._locs.get(code_line)
        if loc is None:
            loc = {"file": os.path.abspath(code_line[0]), "line": code_line[1]}
            self._locs[code_line] = loc
        return loc

    def _build_op(self, kind, name, tensors, kwargs, out_t, frame, code_line, args):
        loc = self._loc_of(code_line)
        shapes = [list(t.shape) for t in tensors]
        op = {"op": name, "inputs": shapes, "output": list(out_t.shape), "dtype": str(out_t.dtype).replace("torch.", "")}
        if loc:
            op["source"] = loc
        index = len(self.ops) if self.recording else None
        if kind == O.K_LOSS:
            op["loss"] = True
            op["inputNames"] = ["input", "target", "var"][: len(shapes)] if name == "gaussian_nll_loss" else ["input", "target"][: len(shapes)]
            red = (kwargs or {}).get("reduction")
            if isinstance(red, str):
                op["args"] = {"reduction": red}
            if len(tensors) >= 2:
                grid = broadcast(shapes[0], shapes[1])
                if grid is not None and shapes[0] != shapes[1]:
                    op["broadcast"] = broadcast_info(shapes[:2], grid)
                    self._loss_broadcast(name, shapes[0], shapes[1], grid, loc, index)
        elif kind in (O.K_ELEM, O.K_SUB) and len(shapes) >= 2 and shapes[0] != shapes[1]:
            grid = broadcast(*shapes)
            if grid is not None:
                info = broadcast_info(shapes, grid)
                if info:
                    op["broadcast"] = info
                    if kind == O.K_SUB and len(tensors) == 2 and all(info["expanded"][:2]) \
                            and tensors[0].requires_grad != tensors[1].requires_grad:
                        self._sub_broadcast(tensors, shapes, grid, loc, index)
        elif kind == O.K_LINEAR and not self.linear_checked and len(tensors) >= 2 and tensors[1].requires_grad:
            # Only a layer's input counts (its other operand is trained); `x @ w_true` making data does not.
            self._check_scale(name, tensors[0], loc, index, frame)
        if name in self.discard_names:
            self.check_discard(name, args, out_t, frame, op)
        label = self._label(frame)
        if label:
            op["label"] = label
        elif kind == O.K_LOSS:
            op["label"] = "loss"
        return op

    def _discard_site(self, code_line):
        """(path, DiscardSite) of the statement at `code_line`, or None; cached, as this runs for every call
        of a flagged method name (`squeeze`) anywhere, most of them not at a flagged statement."""
        hit = self._discard_at.get(code_line, _MISS)
        if hit is _MISS:
            hit = None
            if self.frames.kind(code_line[0]) == USER:  # scans a new user file before the lookup below
                path = os.path.abspath(code_line[0])
                site = self.discard_sites.get((path, code_line[1]))
                if site is not None:
                    hit = (path, site)
            if len(self._discard_at) < 10000:
                self._discard_at[code_line] = hit
        return hit

    def check_discard(self, name, args, out, frame, op):
        f = self.frames.first_outside(frame)
        if f is None:
            return
        hit = self._discard_site((f.f_code.co_filename, f.f_lineno))
        if hit is None:
            return
        path, site = hit
        if site.method != name:
            return
        if op is not None:
            op["discarded"] = True
        if ("discarded-result", path, site.line) in self.raised:
            return
        recv = args[0] if args and isinstance(args[0], self.torch.Tensor) else None
        in_shape = list(recv.shape) if recv is not None else None
        out_shape = list(out.shape)
        who = f"`{site.receiver}`" if site.receiver else "the tensor"
        text = site.text or f"{name}()"
        msg = (f"`{text}` returns a new tensor" + (f" of shape {fmt(out_shape)}" if in_shape != out_shape else "")
               + f" and the result is thrown away; {who} keeps "
               + (f"its shape {fmt(in_shape)}" if in_shape is not None else "its old value")
               + ". Tensor methods without a trailing underscore never change the tensor in place.")
        ev = {"method": name, "statement": text, "inputShape": in_shape, "resultShape": out_shape}
        fix = {"description": f"assign the result: `{site.receiver} = {text}`" if site.receiver else "assign the result",
               "specFix": "assign-discarded"}
        if site.edit:
            ev.update(site.edit)
        loc = {"file": path, "line": site.line}
        self.diagnose("discarded-result", "warning", msg, ev, loc, fix, len(self.ops) if self.recording else None)

    def _raised_at(self, code, loc):
        return (code,) + ((loc["file"], loc["line"]) if loc else ()) in self.raised

    def _loss_broadcast(self, name, ip, tp, grid, loc, index):
        if self._raised_at("loss-broadcast", loc):
            return
        lname = O.LOSSES.get(name, name)
        every = numel(grid) > max(numel(ip), numel(tp))
        msg = (f"{lname} compared a {fmt(ip)} prediction with a {fmt(tp)} target; they broadcast to {fmt(grid)}"
               + (", so every prediction is compared with every target." if every else
                  ", so values are compared with the wrong partners.")
               + ("" if name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss")
                  else " PyTorch gives no warning for this loss."))
        ev = {"loss": lname, "inputShape": ip, "targetShape": tp, "broadcastShape": grid,
              "elements": numel(grid), "expectedElements": numel(tp)}
        edit = None
        if loc and ip == tp + [1]:
            edit = self.sources.get(loc["file"]).loss_argument_edit(loc["line"], 0)
            what = f"squeeze the prediction (`{edit['argText']}.squeeze(-1)`)" if edit else "squeeze the prediction (`pred.squeeze(-1)`)"
        elif loc and tp == ip + [1]:
            edit = self.sources.get(loc["file"]).loss_argument_edit(loc["line"], 1)
            what = f"squeeze the target (`{edit['argText']}.squeeze(-1)`)" if edit else "squeeze the target (`y.squeeze(-1)`)"
        else:
            what = "make the prediction and the target the same shape"
        if edit:
            ev.update({k: v for k, v in edit.items() if k != "argText"})
        fix = {"description": what + (" or give the target a column (`y.unsqueeze(1)`)" if ip == tp + [1] else ""),
               "specFix": "squeeze-prediction"}
        self.diagnose("loss-broadcast", "error", msg, ev, loc, fix, index)

    def _sub_broadcast(self, tensors, shapes, grid, loc, index):
        if self._raised_at("loss-broadcast", loc):
            return
        pi = 0 if tensors[0].requires_grad else 1
        ip, tp = shapes[pi], shapes[1 - pi]
        msg = (f"A hand-written loss subtracts a {fmt(tp)} target from a {fmt(ip)} prediction; both are expanded "
               f"to {fmt(grid)}, so every prediction is compared with every target.")
        ev = {"loss": "hand-written", "inputShape": ip, "targetShape": tp, "broadcastShape": grid,
              "elements": numel(grid), "expectedElements": numel(tp)}
        fix = {"description": "squeeze the prediction (`pred.squeeze(-1)`) or give the target a column (`y.unsqueeze(1)`)",
               "specFix": "squeeze-prediction"}
        if loc and ip == tp + [1]:
            edit = self.sources.get(loc["file"]).sub_operand_edit(loc["line"], pi)
            if edit:
                fix["description"] = f"squeeze the prediction (`{edit['argText']}.squeeze(-1)`)"
                ev.update({k: v for k, v in edit.items() if k != "argText"})
        self.diagnose("loss-broadcast", "error", msg, ev, loc, fix, index)

    def _check_scale(self, name, x, loc, index, frame):
        torch = self.torch
        if x.requires_grad or not x.is_floating_point() or x.dim() < 2 or x.numel() < 2:
            return
        self.linear_checked = True
        feats = x.detach().reshape(-1, x.shape[-1]).double()
        rms = feats.pow(2).mean(0).sqrt().tolist()
        std = feats.std(0, unbiased=False).tolist() if feats.shape[0] > 1 else rms
        nz = [r for r in rms if r > 0]
        if not nz:
            return
        hi, lo = max(nz), min(nz)
        if hi > 10 or hi / lo > 100:
            msg = (f"The inputs of `{name}` have feature scales (RMS) from {lo:.3g} to {hi:.3g}, "
                   f"about {hi:.3g}× the unit scale that default initialisation and usual learning rates assume"
                   + (f" (largest/smallest ratio {hi / lo:.3g})" if hi / lo > 10 else "") + ".")
            ev = {"featureRms": [round(r, 6) for r in rms], "featureStd": [round(s, 6) for s in std],
                  "maxScale": hi, "minScale": lo, "ratio": hi / lo}
            fix = {"description": "standardize each feature: (x - x.mean(0)) / x.std(0)", "specFix": "standardize-features"}
            self.diagnose("unscaled-features", "warning", msg, ev, loc, fix, index)

    # ------------------------------------------------------------------ step boundary helpers
    def take_ops(self):
        o = self.ops
        self.ops = []
        return o

    def progress(self, n):
        now = time.monotonic()
        if now - self._last_progress > 0.25:
            self._last_progress = now
            self.ch.send({"t": "progress", "step": n})

    def begin_next_step(self):
        self.recording = (self.step % self.every) == 0
        self.backward_tensor = None
        self.loss_io = None
