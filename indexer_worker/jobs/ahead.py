"""A job's CPU-bound reading done in a second process, ahead of the work that writes.

An import spends about as long checking its rows (phone numbers above all) as it spends writing them,
and the two need not wait for each other: the checks of chunk N+1 depend only on the file and the
job's plan, never on what chunk N wrote. `produced_ahead` runs a generator in a forked child and
hands its items to the caller in order, so one core checks while the other writes (and PostgreSQL
works) instead of one core doing both in turn.

- **Order and memory.** Items come in the order the generator yields them, pickled through a pipe
  that holds at most about one item: the child blocks in its write until the caller has read, so an
  import of a million rows never holds more than a chunk or two ahead.
- **Errors.** An exception in the child is sent and raised again in the caller, at the point of the
  stream where it happened: the items before it have reached the caller (an import's chunks before
  a failing row have landed).
- **Stopping.** When the caller stops reading (a cancel, a failed chunk, the generator closed), the
  child is killed. When the caller dies (a worker killed mid-import), the child's next write meets a
  closed pipe and it exits.
- **Fork, not spawn.** A spawned child would import the rules again (about 0.9 s before its first
  item); a forked one starts at once. It is `os.fork` itself, not multiprocessing: a Celery worker's
  pool process counts as a daemon, and multiprocessing refuses to start children from one. The child
  never touches what it inherited besides the generator (no database connection, client or log
  handler of the parent's is used), and it ends with `os._exit`, so nothing inherited is flushed or
  closed twice.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable, Generator, Iterator
from typing import IO, Any, TypeVar

T = TypeVar("T")
_ITEM, _ERROR, _END = "item", "error", "end"


class ProducerDied(RuntimeError):
    """The child process ended without saying why (killed, out of memory)."""


def _send(out: IO[bytes], message: tuple[str, Any]) -> None:
    out.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()


def _produce(produce: Callable[[], Iterator[Any]], out: IO[bytes]) -> None:
    try:
        for item in produce():
            _send(out, (_ITEM, item))
        _send(out, (_END, None))
    except BrokenPipeError:  # the caller has gone: nothing to say to anyone
        return
    except BaseException as exc:  # every failure goes to the caller, who decides
        try:
            _send(out, (_ERROR, exc))
        except BrokenPipeError:
            return
        except Exception:  # an exception that does not pickle: its words still reach the caller
            _send(out, (_ERROR, RuntimeError(f"{type(exc).__name__}: {exc}")))


def _child(produce: Callable[[], Iterator[Any]], read_end: int, write_end: int) -> None:
    """In the forked process: never returns."""
    code = 1
    try:
        os.close(read_end)
        # The parent's handlers (a Celery worker's) are not this process's business.
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        with os.fdopen(write_end, "wb") as out:
            _produce(produce, out)
        code = 0
    finally:
        os._exit(code)


def _exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def produced_ahead(produce: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """The items of `produce()`, computed in a forked child process while the caller works."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(produce, read_end, write_end)
    os.close(write_end)  # the child holds the only writing end: its death reads as EOF here
    exit_code: int | None = None
    try:
        with os.fdopen(read_end, "rb") as incoming:
            while True:
                try:
                    kind, item = pickle.load(incoming)  # noqa: S301 (written by our own fork)
                except (EOFError, pickle.UnpicklingError):
                    exit_code = _exit_code(pid)
                    raise ProducerDied(
                        f"the process reading ahead ended without a word (exit code {exit_code})"
                    ) from None
                if kind == _END:
                    return
                if kind == _ERROR:
                    raise item
                yield item
    finally:
        if exit_code is None:
            with contextlib.suppress(ProcessLookupError):  # it may have ended already
                os.kill(pid, signal.SIGKILL)
            _exit_code(pid)
