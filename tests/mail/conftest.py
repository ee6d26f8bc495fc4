"""The mail servers (``tests/mail_servers.py``) as fixtures of the mail tests."""

from collections.abc import Iterator

import pytest

from tests.mail_servers import (  # noqa: F401 - fixtures
    mail_certificate,
    smtp_server,
    smtp_starttls_server,
    smtps_server,
)


@pytest.fixture
def mail_user(db: object) -> Iterator[object]:
    """A manager signed in (a mail account belongs to a real user)."""
    from desktop_crm.models import User
    from desktop_crm.models.enums import Role
    from desktop_crm.services.system import rights

    user = User.create(name="Anna Rossi", role=Role.SALES, email="crm@example.test")
    with rights.acting(rights.load_actor(user.id)):
        yield user


from tests.cards.conftest import answer, context, typer  # noqa: E402, F401 - the screens' fixtures
