"""Entry point: `python gd_trace.py <script.py> [args...]` runs the script as __main__ under the tracer.

The trace goes to the file descriptor named by GD_TRACE_FD (or the file GD_TRACE_FILE) as JSON lines;
the script's own stdout/stderr are left alone. Only the stdlib and torch are used.
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _here)
from gdtrace.main import main  # noqa: E402

# The script must see the same sys.path it would see when run directly: its own folder first, not ours.
sys.path.remove(_here)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
