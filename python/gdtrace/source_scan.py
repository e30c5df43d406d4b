"""Static reading of the user's files with the stdlib `ast`: statements that drop a tensor method's result,
and the exact text edits behind the quick fixes (the tracer only proposes an edit it can place exactly)."""
import ast
import tokenize

# Tensor methods that return a new tensor and leave the receiver unchanged (their in-place twins end in `_`).
NON_INPLACE = frozenset(
    """squeeze unsqueeze to float double half bfloat16 long int short bool byte char cpu cuda detach reshape
    view view_as reshape_as expand expand_as flatten unflatten t transpose permute contiguous clone type_as
    abs neg clamp clip add sub mul div pow exp log sqrt sigmoid tanh relu softmax log_softmax masked_fill
    index_select narrow repeat round floor ceil sign nan_to_num""".split()
)


class DiscardSite:
    __slots__ = ("method", "line", "receiver", "text", "edit")

    def __init__(self, method, line, receiver, text, edit):
        self.method = method
        self.line = line
        self.receiver = receiver
        self.text = text
        self.edit = edit


def _char_col(line_text, byte_col):
    # ast columns count UTF-8 bytes; editors count characters.
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))


def _is_plain_target(node):
    # Only a name or attribute chain can safely be assigned back to (`x`, `self.h`).
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


class SourceFile:
    def __init__(self, path):
        self.path = path
        self.lines = []
        self.tree = None
        try:
            with tokenize.open(path) as f:
                text = f.read()
            self.lines = text.splitlines()
            self.tree = ast.parse(text, filename=path)
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
            self.tree = None

    def segment(self, node):
        if node.lineno != node.end_lineno:
            return None
        line = self.lines[node.lineno - 1]
        b = line.encode("utf-8")
        return b[node.col_offset:node.end_col_offset].decode("utf-8", errors="replace")

    def span(self, node):
        line = self.lines[node.lineno - 1]
        end_line = self.lines[node.end_lineno - 1]
        return {
            "editLine": node.lineno,
            "editCol": _char_col(line, node.col_offset),
            "editEndLine": node.end_lineno,
            "editEndCol": _char_col(end_line, node.end_col_offset),
        }

    def discard_sites(self):
        """{line: DiscardSite} for every expression statement `recv.method(...)` with a non-inplace method."""
        sites = {}
        if self.tree is None:
            return sites
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
                continue
            call = node.value
            if not isinstance(call.func, ast.Attribute) or call.func.attr not in NON_INPLACE:
                continue
            text = self.segment(node)
            recv = self.segment(call.func.value) if call.func.value.lineno == call.func.value.end_lineno else None
            edit = None
            if text is not None and recv is not None and _is_plain_target(call.func.value):
                edit = dict(self.span(node), editText=f"{recv} = {text}")
            site = DiscardSite(call.func.attr, node.lineno, recv, text, edit)
            for ln in range(node.lineno, node.end_lineno + 1):
                sites[ln] = site
        return sites

    def _calls_on_line(self, line):
        if self.tree is None:
            return []
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and n.lineno <= line <= n.end_lineno]
        # innermost first
        calls.sort(key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))
        return calls

    def loss_argument_edit(self, line, which):
        """Edit adding `.squeeze(-1)` to argument `which` (0 prediction, 1 target) of the loss call on `line`."""
        for call in self._calls_on_line(line):
            if len(call.args) < 2:
                continue
            return self._squeeze_edit(call.args[which])
        return None

    def sub_operand_edit(self, line, which):
        """Edit adding `.squeeze(-1)` to operand `which` of the subtraction on `line` (a hand-written loss)."""
        if self.tree is None:
            return None
        subs = [n for n in ast.walk(self.tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub)
                and n.lineno <= line <= n.end_lineno]
        if not subs:
            return None
        sub = min(subs, key=lambda n: (n.end_lineno - n.lineno, n.end_col_offset - n.col_offset))  # the innermost
        return self._squeeze_edit(sub.left if which == 0 else sub.right)

    def _squeeze_edit(self, arg):
        """Edit turning expression `arg` into `arg.squeeze(-1)` (parenthesised unless it is an atom)."""
        text = self.segment(arg)
        if text is None:
            return None
        atom = isinstance(arg, (ast.Name, ast.Attribute, ast.Call, ast.Subscript))
        new = f"{text}.squeeze(-1)" if atom else f"({text}).squeeze(-1)"
        return dict(self.span(arg), editText=new, argText=text)

    def receiver_of(self, line, method):
        """Source text of `recv` in `recv.method(...)` on `line`, e.g. the optimizer of `optimizer.step()`."""
        for call in self._calls_on_line(line):
            if isinstance(call.func, ast.Attribute) and call.func.attr == method:
                return self.segment(call.func.value)
        return None

    def statement_start(self, line):
        """First line of the statement containing `line`, when it is a simple one-line statement."""
        if self.tree is None:
            return None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.stmt) and not hasattr(node, "body") and node.lineno <= line <= node.end_lineno:
                return node.lineno
        return None

    def insert_before_edit(self, line, text):
        start = self.statement_start(line)
        if start is None or start > len(self.lines):
            return None
        src = self.lines[start - 1]
        indent = src[: len(src) - len(src.lstrip())]
        return {"editLine": start, "editCol": 0, "editEndLine": start, "editEndCol": 0, "editText": f"{indent}{text}\n"}


class SourceCache:
    def __init__(self):
        self._files = {}

    def get(self, path):
        f = self._files.get(path)
        if f is None:
            f = SourceFile(path)
            self._files[path] = f
        return f
