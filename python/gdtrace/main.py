"""Runs the user's script as __main__ under the tracer and reports how it ended on the trace channel."""
import os
import platform
import runpy
import sys
import traceback

from . import PROTOCOL_VERSION
from .channel import Channel

EXIT_NO_TORCH = 3
EXIT_BAD_SCRIPT = 4


def _open_channel():
    fd = os.environ.pop("GD_TRACE_FD", None)
    path = os.environ.pop("GD_TRACE_FILE", None)
    if fd is not None:
        try:
            return Channel(fd=int(fd))
        except (ValueError, OSError) as e:
            print(f"gradient-debugger tracer: cannot open trace fd {fd}: {e}", file=sys.stderr)
    return Channel(path=path)


def _user_traceback(exc):
    # Drop the tracer's and runpy's frames so the traceback starts in the user's script, as python would.
    tb = exc.__traceback__
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while tb is not None and (tb.tb_frame.f_code.co_filename.startswith(here)
                              or "runpy" in os.path.basename(tb.tb_frame.f_code.co_filename)):
        tb = tb.tb_next
    return tb


def _relocate_warnings(tracer):
    """A warning raised inside a traced op would name the tracer's file; name the user's line instead."""
    import warnings

    orig = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if tracer.frames.kind(filename) != 2:
            f = tracer.frames.user_frame(sys._getframe(1))
            if f is not None:
                filename, lineno, line = f.f_code.co_filename, f.f_lineno, None
        return orig(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def main(argv):
    ch = _open_channel()
    every = os.environ.pop("GD_TRACE_EVERY", "1")
    if not argv:
        print("usage: gd_trace.py <script.py> [args...]", file=sys.stderr)
        ch.send({"t": "fatal", "kind": "usage", "message": "no script given"})
        ch.close()
        return 2
    script = os.path.abspath(argv[0])
    if not os.path.isfile(script):
        msg = f"script not found: {script}"
        print(f"gradient-debugger tracer: {msg}", file=sys.stderr)
        ch.send({"t": "fatal", "kind": "no-script", "message": msg})
        ch.close()
        return EXIT_BAD_SCRIPT
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install raising something else
        msg = (f"PyTorch is not importable by {sys.executable} ({type(e).__name__}: {e}). Install it for this "
               "interpreter, or set gradientDebugger.pythonPath / --python to one that has it.")
        print(f"gradient-debugger tracer: {msg}", file=sys.stderr)
        ch.send({"t": "fatal", "kind": "no-torch", "message": msg, "python": sys.executable})
        ch.close()
        return EXIT_NO_TORCH

    from .ops import Interceptor
    from .optim_hooks import install
    from .tracer import Tracer

    tracer = Tracer(torch, ch, every=int(every) if every.isdigit() else 1)
    ch.send({"t": "hello", "protocol": PROTOCOL_VERSION, "torch": torch.__version__,
             "python": platform.python_version(), "executable": sys.executable, "script": script,
             "argv": argv[1:], "cwd": os.getcwd(), "every": tracer.every, "pid": os.getpid()})
    tracer.ch.flush()
    _relocate_warnings(tracer)
    interceptor = Interceptor(torch, tracer)
    install(torch, tracer, interceptor)
    tracer.frames.kind(script)  # scans the script for discarded results before it runs

    sys.argv = [argv[0]] + list(argv[1:])
    sys.path.insert(0, os.path.dirname(script))
    status, code, error = "ok", 0, None
    interceptor.start()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except KeyboardInterrupt:
        status, code = "stopped", 130
    except BaseException as e:
        status, code = "error", 1
        tb = _user_traceback(e)
        traceback.print_exception(type(e), e, tb)
        where = None
        for fs in reversed(traceback.extract_tb(tb)):
            if tracer.frames.kind(fs.filename) == 2:
                where = {"file": os.path.abspath(fs.filename), "line": fs.lineno}
                break
        error = {"type": type(e).__name__, "message": str(e)[:2000], "location": where,
                 "traceback": "".join(traceback.format_exception(type(e), e, tb))[-8000:]}
    finally:
        try:
            interceptor.stop()
        except Exception:
            pass
        try:
            tracer.queue.flush()
            tracer.series.finish()
        except Exception as e:
            tracer.internal_error(e)
        sys.stdout.flush()
        sys.stderr.flush()
        end = {"t": "end", "status": status, "exitCode": code, "steps": tracer.step,
               "internalErrors": tracer.internal_errors}
        if error:
            end["error"] = error
        ch.send(end)
        ch.close()
    return code
