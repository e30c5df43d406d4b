"""Which frames are the user's code, so every op and step is located at the user's own file:line."""
import os
import sys
import sysconfig

INTERNAL, LIBRARY, USER = 0, 1, 2

_TRACER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _library_roots():
    roots = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            roots.add(os.path.abspath(p))
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        roots.add(os.path.join(os.path.abspath(p), "lib"))
    try:
        import torch

        roots.add(os.path.dirname(os.path.abspath(torch.__file__)))
    except Exception:
        pass
    return tuple(r.rstrip(os.sep) + os.sep for r in roots)


class FrameClassifier:
    """Caches a verdict per code filename; a lookup is one dict access on the hot path."""

    def __init__(self, on_new_user_file=None):
        self._cache = {}
        self.known = self._cache  # filename -> kind, for the hot paths that inline user_frame
        self._roots = _library_roots()
        self._on_new_user_file = on_new_user_file
        self.user_files = set()

    def kind(self, filename):
        k = self._cache.get(filename)
        if k is None:
            k = self._classify(filename)
            self._cache[filename] = k
            if k == USER:
                path = os.path.abspath(filename)
                self.user_files.add(path)
                if self._on_new_user_file:
                    self._on_new_user_file(path)
        return k

    def _classify(self, filename):
        if not filename or filename.startswith("<"):
            return LIBRARY
        path = os.path.abspath(filename)
        if path.startswith(_TRACER_DIR + os.sep):
            return INTERNAL
        if os.path.basename(path) == "overrides.py" and os.sep + "torch" + os.sep in path:
            return INTERNAL
        if "site-packages" in path or "dist-packages" in path or path.startswith(self._roots):
            return LIBRARY
        return USER

    def user_frame(self, frame):
        """The nearest frame at or above `frame` in user code, or None."""
        cache = self._cache
        while frame is not None:
            k = cache.get(frame.f_code.co_filename)
            if k is None:
                k = self.kind(frame.f_code.co_filename)
            if k == USER:
                return frame
            frame = frame.f_back
        return None

    def first_outside(self, frame):
        """The first frame that is not the tracer's or torch's dispatch glue: who really called the op."""
        cache = self._cache
        while frame is not None:
            k = cache.get(frame.f_code.co_filename)
            if k is None:
                k = self.kind(frame.f_code.co_filename)
            if k != INTERNAL:
                return frame
            frame = frame.f_back
        return None
