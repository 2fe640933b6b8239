"""Where triton_server.py and mlserver_server.py find their packages.

nvidia-pytriton 0.7.0 and mlserver 1.7.1 need numpy<2 and fastapi<0.116, which
clash with requirements.txt (fastapi==0.165.0, numpy 2), so they live in a
virtual environment of their own: $FERRY_SERVERS_VENV, default
~/.cache/ferry/servers-venv, made by .ci/install from requirements-servers.txt.
A server script run with an interpreter that lacks its package re-runs itself
(os.execv: same process id, so a caller's SIGTERM still reaches it) with that
environment's python.
"""
import importlib.util
import os
import sys
import sysconfig


def servers_venv():
    return os.environ.get("FERRY_SERVERS_VENV") or os.path.join(os.path.expanduser("~"), ".cache", "ferry",
                                                                 "servers-venv")


def installed(module):
    """True when `module` is a real installed package (the folder mlserver/ beside this file is not one)."""
    spec = importlib.util.find_spec(module)
    return spec is not None and spec.origin is not None


def reexec_if_needed(module, script, libdir=True):
    """Re-runs `script` under the servers venv when `module` is missing here, then (libdir) with the
    interpreter's LIBDIR in LD_LIBRARY_PATH (Triton's Python backend stub links libpython)."""
    # A parent that blocks SIGTERM (a test runner does) passes the mask on: unblock it, so a
    # SIGTERM always reaches the handler that stops the server and cleans its workspace.
    import signal
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if not installed(module):
        python = os.path.join(servers_venv(), "bin", "python")
        if os.environ.get("FERRY_SERVERS_REEXEC") == "venv" or not os.path.exists(python):
            sys.exit(f"{os.path.basename(script)}: no {module} in {sys.executable} nor a servers venv at "
                     f"{servers_venv()} (run .ci/install, or pip install -r Benchmarks/upstream/requirements-servers.txt "
                     "in a venv and point FERRY_SERVERS_VENV at it)")
        os.environ["FERRY_SERVERS_REEXEC"] = "venv"
        os.execv(python, [python, script] + sys.argv[1:])
    if not libdir:
        return
    libdir = sysconfig.get_config_var("LIBDIR")
    paths = [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
    if libdir and libdir not in paths:
        if os.environ.get("FERRY_SERVERS_REEXEC") == "libdir":
            sys.exit(f"{os.path.basename(script)}: LD_LIBRARY_PATH still lacks {libdir} after re-running")
        os.environ["LD_LIBRARY_PATH"] = ":".join([libdir] + paths)
        os.environ["FERRY_SERVERS_REEXEC"] = "libdir"
        os.execv(sys.executable, [sys.executable, script] + sys.argv[1:])
