"""Where the signature learned from each member's mail is kept."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .models import MemberSignature
from .uow import UnitOfWork


def learned(session: Session, member_id: int) -> tuple[str, str]:
    """(signature, how their last message ended) for a member; empty when unknown."""
    row = session.get(MemberSignature, member_id)
    return (row.signature, row.tail) if row else ("", "")


def remember(uow: UnitOfWork, member_id: int, signature: str, tail: str) -> None:
    """Store what was learned from the member's latest message."""
    row = uow.session.get(MemberSignature, member_id)
    if row is None:
        row = MemberSignature(member_id=member_id, signature="", tail="", updated_at=uow.now)
        uow.session.add(row)
    row.signature, row.tail, row.updated_at = signature, tail, uow.now
    uow.session.flush()
