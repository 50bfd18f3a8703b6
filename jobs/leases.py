"""Keeping a job's ledger leases alive while it works, so a dead job's rows free up fast."""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from community import outbox

from .runtime import Runtime

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews every lease its owner holds, from a thread, until the block ends.

    A killed worker stops renewing, and its rows are free again one lease later;
    a live one can take as long as a slow relay needs.
    """

    def __init__(self, rt: Runtime, owner: str | None = None) -> None:
        self.rt = rt
        self.owner = owner or outbox.new_lease_owner()
        self.every = outbox.LEASE.total_seconds() / 3  # two renewals may fail in a row
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kith-lease-keeper", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.rt.engine.connect() as conn:
                    outbox.renew_leases(conn, self.owner, self.rt.clock.now())
            except Exception as exc:  # the next round tries again; the lease is 3x this
                log.warning("could not renew leases of %s: %s", self.owner, exc)
