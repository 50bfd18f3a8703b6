"""Domain errors. Entry points map each to a page, an exit code or an SMTP reply."""

from __future__ import annotations


class CommunityError(Exception):
    """Base class: a request that the domain refuses, with a message fit for a person."""


class InvalidAddress(CommunityError):
    pass


class InvalidCommunitySettings(CommunityError):
    pass


class SlugTaken(CommunityError):
    pass


class UnknownCommunity(CommunityError):
    pass


class UnknownMember(CommunityError):
    pass


class InvalidLink(CommunityError):
    """A signed link that is forged, tampered with, revoked or for someone else."""


class ExpiredLink(InvalidLink):
    """A genuine link that is too old to use."""
