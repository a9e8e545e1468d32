"""API tokens with scopes: admins write anything, curators only their own datasets, submitters
only submit predictions (to any benchmark).

Only a token's SHA-256 digest is stored; the secret is shown once, when the token is issued. Tokens
are long random strings, so a plain digest (no salt or stretching) is enough to make a stolen
database useless for writing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select

from astrobench.catalog.errors import Forbidden, InvalidParameter, Unauthorized
from astrobench.catalog.rows import utc_now
from astrobench.catalog.schema import TokenRow
from astrobench.catalog.store import Store

PREFIX = "abt_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


class Role(str, Enum):
    ADMIN = "admin"
    CURATOR = "curator"
    SUBMITTER = "submitter"


@dataclass(frozen=True)
class Principal:
    """Who a request acts as."""

    name: str
    role: Role
    datasets: tuple[str, ...] = ()

    def require_write(self, dataset: str) -> None:
        """Raise ``Forbidden`` unless this principal may change ``dataset``."""
        if self.role is Role.ADMIN or (self.role is Role.CURATOR and dataset in self.datasets):
            return
        if self.role is Role.SUBMITTER:
            raise Forbidden(
                f"token {self.name!r} may only submit predictions; writing needs a curator or "
                "admin token"
            )
        allowed = ", ".join(self.datasets) or "none"
        raise Forbidden(
            f"token {self.name!r} may not write dataset {dataset!r}; its datasets: {allowed}"
        )

    def require_admin(self) -> None:
        if self.role is not Role.ADMIN:
            raise Forbidden(
                f"token {self.name!r} is a {self.role.value} token; this needs an admin token"
            )

    def require_submit(self) -> None:
        """Raise ``Forbidden`` unless this principal may submit predictions."""
        if self.role not in (Role.SUBMITTER, Role.ADMIN):
            raise Forbidden(
                f"token {self.name!r} is a {self.role.value} token; submitting needs a token "
                "made with 'astrobench token create NAME --submit'"
            )


@dataclass(frozen=True)
class TokenInfo:
    name: str
    role: Role
    datasets: tuple[str, ...]
    created: datetime
    revoked: datetime | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(store: Store, name: str, role: Role, datasets: Sequence[str] = ()) -> str:
    """Create a token and return its secret (the only time it is available)."""
    if not _NAME.match(name):
        raise InvalidParameter(
            f"token name {name!r} is not valid; use letters, digits, '.', '_', '@' or '-'"
        )
    if role is Role.CURATOR and not datasets:
        raise InvalidParameter("a curator token needs at least one dataset")
    secret = PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as session:
        if session.get(TokenRow, name) is not None:
            raise InvalidParameter(
                f"a token named {name!r} exists already; revoke it or pick another name"
            )
        session.add(
            TokenRow(
                name=name,
                digest=digest(secret),
                role=role.value,
                datasets=sorted(set(datasets)),
                created=utc_now(),
            )
        )
    return secret


def authenticate(store: Store, authorization: str | None) -> Principal:
    """The principal of an ``Authorization: Bearer`` header; ``Unauthorized`` if there is none."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("writing needs an 'Authorization: Bearer <token>' header")
    secret = authorization[7:].strip()
    with store.session() as session:
        row = session.scalar(select(TokenRow).where(TokenRow.digest == digest(secret)))
    if row is None or row.revoked is not None:
        raise Unauthorized("the bearer token is not valid (unknown or revoked)")
    return Principal(row.name, Role(row.role), tuple(row.datasets))


def tokens(store: Store) -> list[TokenInfo]:
    with store.session() as session:
        rows = session.scalars(select(TokenRow).order_by(TokenRow.name)).all()
        return [
            TokenInfo(r.name, Role(r.role), tuple(r.datasets), r.created, r.revoked) for r in rows
        ]


def revoke(store: Store, name: str) -> None:
    with store.transaction() as session:
        row = session.get(TokenRow, name)
        if row is None:
            raise InvalidParameter(f"no token named {name!r}")
        row.revoked = utc_now()
