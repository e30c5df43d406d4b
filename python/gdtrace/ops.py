"""Sees every torch call the script makes (a TorchFunctionMode) and hands the interesting ones to the tracer.

The hot path is a dict lookup and a flag test: on steps that are not recorded only losses, backward(),
zero_() and the methods the source scan flagged as possibly discarded get any further look.
"""
import functools
import sys
import types

K_IGNORE, K_OP, K_ELEM, K_SUB, K_LOSS, K_BACKWARD, K_ZERO, K_LINEAR = range(8)

LOSSES = {
    "mse_loss": "MSELoss", "l1_loss": "L1Loss", "smooth_l1_loss": "SmoothL1Loss", "huber_loss": "HuberLoss",
    "gaussian_nll_loss": "GaussianNLLLoss", "poisson_nll_loss": "PoissonNLLLoss", "kl_div": "KLDivLoss",
    "binary_cross_entropy": "BCELoss", "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "soft_margin_loss": "SoftMarginLoss",
}
SUBTRACT = {"sub", "__sub__", "__rsub__", "rsub", "subtract"}
ELEMENTWISE = {
    "add", "__add__", "__radd__", "mul", "__mul__", "__rmul__", "div", "__truediv__", "__rtruediv__", "true_divide",
    "pow", "__pow__", "__rpow__", "maximum", "minimum", "where", "add_", "sub_", "mul_", "div_", "__iadd__",
    "__isub__", "__imul__", "__itruediv__", "eq", "ne", "lt", "le", "gt", "ge", "atan2", "hypot", "fmod",
    "remainder",
}
LINEAR = {"linear", "matmul", "__matmul__", "mm", "addmm"}
IGNORED = {
    "size", "dim", "numel", "item", "tolist", "__len__", "__repr__", "__format__", "__bool__", "__hash__",
    "is_floating_point", "__iter__", "__array__", "stride", "data_ptr", "element_size", "retain_grad",
    "register_hook", "__setstate__", "__reduce_ex__", "__deepcopy__", "__reversed__", "__contains__", "storage",
    "_is_view", "is_contiguous", "nelement", "ndimension", "__index__", "__int__", "__float__", "__getstate__",
    "grad", "data", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn", "ndim", "is_cuda",
    "_version", "names", "layout", "_base", "__torch_function__", "__get__", "__set__", "__setitem__",
    "get_device", "untyped_storage", "_typed_storage", "__dlpack__", "is_sparse", "is_quantized",
    "requires_grad_", "__array_wrap__",
    # module construction, not the forward pass
    "empty", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_", "uniform_", "normal_",
    "constant_", "zeros_", "ones_", "orthogonal_", "trunc_normal_", "_calculate_fan_in_and_fan_out",
}

_kinds = {}


def _func_name(func):
    name = getattr(func, "__name__", None)
    if name == "__get__":  # a property such as `x.T`: name it after the property
        name = getattr(getattr(func, "__self__", None), "__name__", name)
    return name or type(func).__name__


def classify(func):
    name = _func_name(func)
    if name in IGNORED:
        k = K_IGNORE
    elif name == "backward":
        k = K_BACKWARD
    elif name == "zero_":
        k = K_ZERO
    elif name in LOSSES:
        k = K_LOSS
    elif name in SUBTRACT:
        k = K_SUB
    elif name in ELEMENTWISE:
        k = K_ELEM
    elif name in LINEAR:
        k = K_LINEAR
    else:
        k = K_OP
    v = (k, name)
    try:
        _kinds[func] = v
    except TypeError:
        pass
    return v


def _make_handler(torch, tracer):
    Tensor = torch.Tensor
    getframe = sys._getframe
    kinds = _kinds

    def handle(func, args, kwargs, depth):
        out = func(*args, **kwargs) if kwargs else func(*args)
        tr = tracer
        if tr.suspended:
            return out
        try:
            kind, name = kinds.get(func) or classify(func)
            if kind == K_IGNORE:
                return out
            if kind == K_BACKWARD:
                tr.on_backward(args[0] if args else None, getframe(depth))
            elif tr.recording:
                if kind == K_ZERO:
                    tr.zero_count += 1
                tr.on_op(kind, name, args, kwargs, out, getframe(depth))
            elif kind == K_LOSS:
                tr.loss_out = out
            elif kind == K_ZERO:
                tr.zero_count += 1
            elif name in tr.discard_names and isinstance(out, Tensor):
                tr.check_discard(name, args, out, getframe(depth), None)
        except Exception as e:  # the tracer must never break the user's script
            tr.internal_error(e)
        return out

    return handle


def _direct_entries(torch, C, handle, set_mode, fast):
    """torch 1.13: the losses and Tensor.backward are Python functions that reach a mode only through
    torch.overrides.handle_torch_function (argument scan, context manager, a second run of the function's own
    check), about 3 us a call. Every training step calls them, so they call the handler directly instead:
    the same handler, with the mode off while the original runs, exactly as the mode path would. Returns
    (owner, attr, original) for stop()."""
    mode_on = getattr(C, "_is_torch_function_mode_enabled", None)
    if mode_on is None:
        return []
    F = torch.nn.functional
    targets = [(F, name) for name in LOSSES] + [(torch.Tensor, "backward")]
    patched = []
    for owner, attr in targets:
        orig = owner.__dict__.get(attr)
        if not isinstance(orig, types.FunctionType):
            continue

        def make(orig):
            def direct(*args, **kwargs):
                if not mode_on():  # inside the tracer, the optimizer, or the handler itself: not the user's call
                    return orig(*args, **kwargs)
                set_mode(None)
                try:
                    return handle(orig, args, kwargs, 1)
                finally:
                    set_mode(fast)

            return functools.update_wrapper(direct, orig)

        setattr(owner, attr, make(orig))
        patched.append((owner, attr, orig))
    return patched


def _nothing():
    pass


class Interceptor:
    """Routes torch calls to the tracer. `suspended()` turns it off for the tracer's own bookkeeping and the
    optimizer's internals, which are slow to intercept and are not ops the user wrote."""

    def __init__(self, torch, tracer):
        self.torch = torch
        self.tracer = tracer
        self.kind = None
        self._restore = None
        # Turn interception off and back on (set by start()); suspend()/resume() keep the tracer's flag too.
        self.off = self.on = _nothing

    def start(self):
        torch, tracer = self.torch, self.tracer
        ov, C = torch.overrides, torch._C
        handle = _make_handler(torch, tracer)
        if hasattr(ov, "_TorchFunctionStackMode") and hasattr(ov, "_no_torch_function_mode") \
                and hasattr(C, "_set_torch_function_mode"):
            # torch 1.13: its mode stack goes through Python context managers on every call (about 6 us). We set
            # a mode object of our own at the C level, and have torch.overrides' Python path (F.mse_loss and the
            # other functions written in Python) find the same object.
            set_mode = C._set_torch_function_mode
            orig_stack_mode = ov._TorchFunctionStackMode

            class FastMode:
                def __torch_function__(self, func, types, args=(), kwargs=None):
                    set_mode(None)
                    try:
                        return handle(func, args, kwargs, 1)
                    finally:
                        set_mode(self)

            fast = FastMode()
            ov._TorchFunctionStackMode = lambda: fast
            # handle_torch_function (F.mse_loss, Tensor.backward) wraps every call in this generator-based
            # context manager (about 3 us); the same steps as a plain class, for the same behaviour.
            orig_no_mode = getattr(ov, "_no_torch_function_mode", None)
            stack_len = getattr(C, "_len_torch_function_stack", None)
            if orig_no_mode is not None and stack_len is not None:
                class NoMode:
                    __slots__ = ()

                    def __enter__(self):
                        set_mode(None)

                    def __exit__(self, *exc):
                        if stack_len() > 0:
                            set_mode(ov._TorchFunctionStackMode())
                        return False

                no_mode = NoMode()
                ov._no_torch_function_mode = lambda: no_mode
            patched = _direct_entries(torch, C, handle, set_mode, fast)
            set_mode(fast)
            self.kind = "c-mode"

            def stop():
                set_mode(None)
                ov._TorchFunctionStackMode = orig_stack_mode
                if orig_no_mode is not None:
                    ov._no_torch_function_mode = orig_no_mode
                for owner, attr, orig in patched:
                    setattr(owner, attr, orig)

            self._restore = stop
            # partials of a C function: no Python frame on the optimizer's and zero_grad's every call
            self.off = functools.partial(set_mode, None)
            self.on = functools.partial(set_mode, fast)
            return
        from torch.overrides import TorchFunctionMode

        class OpMode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                return handle(func, args, kwargs, 1)

        mode = OpMode()
        mode.__enter__()
        self.kind = "torch-function-mode"
        self._restore = lambda: mode.__exit__(None, None, None)
        disable = getattr(C, "DisableTorchFunction", None)
        if disable is not None:
            holder = []

            def off():
                d = disable()
                d.__enter__()
                holder.append(d)

            def on():
                holder.pop().__exit__(None, None, None)

            self.off, self.on = off, on
        else:
            self.off = self.on = _nothing

    def stop(self):
        if self._restore:
            self._restore()
            self._restore = None

    def suspend(self):
        """Returns a token for resume(); nesting is allowed."""
        tr = self.tracer
        if tr.suspended:
            return False
        tr.suspended = True
        self.off()
        return True

    def resume(self, token):
        if token:
            self.on()
            self.tracer.suspended = False
