"""The rights tests' team (an administrator, a head with one manager, a manager outside the team,
an accountant), each manager with a deal, a contact and a lead."""

from __future__ import annotations

import pytest

from tests.rights.conftest import Team, build_team


@pytest.fixture
def team(any_db: object) -> Team:
    return build_team()
