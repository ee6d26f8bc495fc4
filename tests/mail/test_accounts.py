"""Mail accounts: saved per user without the password, checked against real SMTP servers."""

from __future__ import annotations

import pytest

from desktop_crm.errors import PermissionDenied, ValidationError
from desktop_crm.models import MailAccount, User
from desktop_crm.models.enums import MailSecurity, Role
from desktop_crm.services.mail import accounts, transport
from desktop_crm.services.system import rights
from tests.mail_servers import PASSWORD, USER, SmtpServer


def account_for(server: SmtpServer, password: str = PASSWORD) -> accounts.MailAccountDTO:
    security = {"none": MailSecurity.NONE, "starttls": MailSecurity.STARTTLS,
                "ssl": MailSecurity.SSL}[server.security]
    return accounts.save_account(accounts.MailAccountInput(
        address=USER, display_name="Anna Rossi", username=USER, smtp_host="127.0.0.1",
        smtp_port=server.port, smtp_security=security, password=password))


def test_the_password_stays_out_of_the_database(mail_user, smtp_server):
    saved = account_for(smtp_server)
    assert saved.has_password and saved.user_id == mail_user.id
    assert accounts.account_of() == saved
    row = MailAccount.get_by_id(saved.id)
    assert PASSWORD not in repr(row.__data__)
    assert accounts.password_of(saved) == PASSWORD


@pytest.mark.parametrize("server_fixture", ["smtp_server", "smtp_starttls_server", "smtps_server"])
def test_connection_check_logs_in_for_real(mail_user, request, server_fixture):
    server = request.getfixturevalue(server_fixture)
    check = accounts.test_account(account_for(server))
    assert check.ok, check.smtp_error


def test_connection_check_says_what_failed(mail_user, smtp_starttls_server, monkeypatch):
    wrong = accounts.test_account(account_for(smtp_starttls_server, password="wrong"))
    assert wrong.smtp_error is not None and wrong.smtp_error.kind == transport.AUTH
    assert "refused the user name or password" in wrong.smtp_error.message
    monkeypatch.delenv("SSL_CERT_FILE")  # the throw-away certificate is no longer trusted
    untrusted = accounts.test_account(account_for(smtp_starttls_server))
    assert untrusted.smtp_error is not None and untrusted.smtp_error.kind == transport.TLS
    smtp_starttls_server.outage()
    gone = accounts.test_account(account_for(smtp_starttls_server))
    assert gone.smtp_error is not None and gone.smtp_error.kind == transport.UNREACHABLE
    assert gone.smtp_error.temporary


def test_only_a_user_manager_changes_another_users_account(db):
    anna = User.create(name="Anna", role=Role.SALES)
    boris = User.create(name="Boris", role=Role.SALES)
    data = accounts.MailAccountInput(address="b@example.test", smtp_host="mail.example.test")
    with rights.acting(rights.load_actor(anna.id)), pytest.raises(PermissionDenied):
        accounts.save_account(data, user=boris.id)
    admin = User.create(name="Admin", role=Role.ADMIN)
    with rights.acting(rights.load_actor(admin.id)):
        assert accounts.save_account(data, user=boris.id).user_id == boris.id


def test_bad_settings_are_refused_by_field(mail_user):
    with pytest.raises(ValidationError) as caught:
        accounts.save_account(accounts.MailAccountInput(address="not-an-address",
                                                        smtp_host="x"))
    assert caught.value.field == "address"
    with pytest.raises(ValidationError) as caught:
        accounts.save_account(accounts.MailAccountInput(address="a@b.test", smtp_host="x",
                                                        smtp_port=70000))
    assert caught.value.field == "smtp_port"
