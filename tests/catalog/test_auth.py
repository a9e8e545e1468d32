"""API tokens: hashed at rest, scoped, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from astrobench.catalog import auth
from astrobench.catalog.errors import Forbidden, InvalidParameter, Unauthorized
from astrobench.catalog.store import Store


def test_tokens_are_stored_hashed_and_scoped(store: Store) -> None:
    admin = auth.issue(store, "ops", auth.Role.ADMIN)
    curator = auth.issue(store, "sn-team", auth.Role.CURATOR, ["sn-spectra"])
    with store.session() as session:
        stored = " ".join(str(row) for row in session.execute(text("SELECT * FROM tokens")))
    assert admin not in stored and curator not in stored
    assert auth.digest(admin) in stored

    ops = auth.authenticate(store, f"Bearer {admin}")
    ops.require_write("anything")
    ops.require_admin()
    team = auth.authenticate(store, f"bearer {curator}")
    team.require_write("sn-spectra")
    with pytest.raises(Forbidden, match="its datasets: sn-spectra"):
        team.require_write("ogle3-variables")
    with pytest.raises(Forbidden, match="admin"):
        team.require_admin()


def test_missing_unknown_and_revoked_tokens(store: Store) -> None:
    secret = auth.issue(store, "temp", auth.Role.ADMIN)
    with pytest.raises(Unauthorized, match="Bearer"):
        auth.authenticate(store, None)
    with pytest.raises(Unauthorized, match="not valid"):
        auth.authenticate(store, "Bearer abt_guess")
    auth.revoke(store, "temp")
    with pytest.raises(Unauthorized, match="revoked"):
        auth.authenticate(store, f"Bearer {secret}")
    assert [t.revoked is not None for t in auth.tokens(store)] == [True]


def test_bad_token_requests(store: Store) -> None:
    auth.issue(store, "ops", auth.Role.ADMIN)
    with pytest.raises(InvalidParameter, match="exists already"):
        auth.issue(store, "ops", auth.Role.ADMIN)
    with pytest.raises(InvalidParameter, match="at least one dataset"):
        auth.issue(store, "nobody", auth.Role.CURATOR)
    with pytest.raises(InvalidParameter, match="not valid"):
        auth.issue(store, "has space", auth.Role.ADMIN)
