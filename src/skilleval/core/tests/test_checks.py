"""`check --deploy` in production refuses to pass without a shared data key."""

from django.core.checks import run_checks
from django.test import override_settings

from skilleval.core.crypto import new_key_entry


def _ids():
    return {message.id for message in run_checks(include_deployment_checks=True)
            if message.id.startswith("skilleval.")}


@override_settings(SKILLEVAL_ENV="production")
def test_production_without_a_data_key_fails_the_deploy_check(monkeypatch):
    monkeypatch.delenv("SKILLEVAL_DATA_KEY", raising=False)
    assert "skilleval.E001" in _ids()
    monkeypatch.setenv("SKILLEVAL_DATA_KEY", "not-a-key")
    assert "skilleval.E002" in _ids()
    monkeypatch.setenv("SKILLEVAL_DATA_KEY", new_key_entry())
    assert not _ids() & {"skilleval.E001", "skilleval.E002"}


def test_the_embedded_default_needs_no_data_key(monkeypatch):
    monkeypatch.delenv("SKILLEVAL_DATA_KEY", raising=False)
    assert not _ids() & {"skilleval.E001", "skilleval.E002"}
