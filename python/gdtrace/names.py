"""Names for parameters and modules as the user knows them (`layer1.weight`), found from the live objects."""
import gc
import sys


class Names:
    def __init__(self, torch):
        self._nn = torch.nn
        self.params = {}   # id(param) -> name
        self.modules = {}  # id(module) -> name
        self._keep = []    # the named objects stay alive while their ids are keys

    def _main_globals(self):
        main = sys.modules.get("__main__")
        return vars(main) if main is not None else {}

    def refresh(self):
        """Rebuilds the maps from every live nn.Module; called only when an unknown parameter shows up."""
        Module = self._nn.Module
        # type() rather than isinstance(): isinstance reads __class__, which some proxies (torch.distributed's
        # deprecated reduce_op) answer with a warning.
        modules = [o for o in gc.get_objects() if issubclass(type(o), Module)]
        children = set()
        for m in modules:
            for c in m.modules():
                if c is not m:
                    children.add(id(c))
        roots = [m for m in modules if id(m) not in children]
        var_of = {id(v): k for k, v in self._main_globals().items() if isinstance(v, Module)}
        with_params = [r for r in roots if next(r.parameters(), None) is not None]
        # Several models (a GAN) would give clashing names: prefix them with their variable or class name.
        prefix_roots = len(with_params) > 1
        for r in roots:
            root_name = var_of.get(id(r)) or type(r).__name__.lower()
            pre = root_name + "." if prefix_roots else ""
            for name, m in r.named_modules():
                self.modules.setdefault(id(m), (pre + name) if name else root_name)
            for name, p in r.named_parameters():
                self.params.setdefault(id(p), pre + name)
        self._keep = modules

    def param_name(self, p, index):
        n = self.params.get(id(p))
        if n is None:
            for k, v in self._main_globals().items():
                if v is p:
                    n = k
                    break
            if n is None:
                n = f"param{index}"
            self.params[id(p)] = n
        return n
