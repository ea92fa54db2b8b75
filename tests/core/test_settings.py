"""PERCHOIR_EMAIL_URL becomes Django's email settings; a mistake is refused at start-up."""

import pytest

from perchoir.settings import VAR_DIR, email_settings_from_url


def test_no_email_url_writes_emails_as_files_under_var():
    assert email_settings_from_url("") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(VAR_DIR / "mail"),
    }


def test_smtp_url_with_starttls_and_an_encoded_password():
    settings = email_settings_from_url("smtp://mailer:p%40ss%2Fword@mail.example:2525")
    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings["EMAIL_HOST"], settings["EMAIL_PORT"]) == ("mail.example", 2525)
    assert (settings["EMAIL_HOST_USER"], settings["EMAIL_HOST_PASSWORD"]) == ("mailer", "p@ss/word")
    assert settings["EMAIL_USE_TLS"] is True
    assert settings["EMAIL_USE_SSL"] is False


def test_smtps_url_uses_implicit_tls_on_port_465_by_default():
    settings = email_settings_from_url("smtps://mailer:secret@mail.example")
    assert settings["EMAIL_PORT"] == 465
    assert settings["EMAIL_USE_SSL"] is True
    assert settings["EMAIL_USE_TLS"] is False


def test_smtp_without_tls_when_asked():
    assert email_settings_from_url("smtp://relay.local:25?tls=0")["EMAIL_USE_TLS"] is False


def test_file_and_console_urls():
    assert email_settings_from_url("file:///srv/mail")["EMAIL_FILE_PATH"] == "/srv/mail"
    assert email_settings_from_url("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_an_unknown_scheme_is_refused_with_the_variable_named():
    with pytest.raises(ValueError, match="PERCHOIR_EMAIL_URL"):
        email_settings_from_url("pigeon://loft")
