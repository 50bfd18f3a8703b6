from pathlib import Path

import pytest

from community.settings import documented_settings, load_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_need_no_environment(tmp_path):
    s = load_settings({}, data_dir=str(tmp_path))
    assert s.effective_database_url == f"sqlite:///{tmp_path / 'kith.db'}"
    assert s.captures_mail and s.redis_url == ""
    assert s.inbound_port == 2525 and s.inbound_max_bytes == 25 * 1024 * 1024


def test_environment_values_are_coerced(tmp_path):
    s = load_settings(
        {
            "KITH_DATA_DIR": str(tmp_path),
            "KITH_INBOUND_PORT": "2626",
            "KITH_DEV_OUTBOX_PAGE": "no",
            "KITH_SMTP_TIMEOUT": "2.5",
            "DATABASE_URL": "postgresql://db/kith",
        }
    )
    assert s.inbound_port == 2626 and s.dev_outbox_page is False and s.smtp_timeout == 2.5
    assert s.effective_database_url == "postgresql+psycopg://db/kith"


def test_overrides_win_over_environment(tmp_path):
    s = load_settings({"KITH_DOMAIN": "a.example"}, data_dir=str(tmp_path), domain="b.example")
    assert s.domain == "b.example"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({}, data_dir=str(tmp_path)).secret_key
    second = load_settings({}, data_dir=str(tmp_path)).secret_key
    assert len(first) > 40 and first == second
    assert load_settings({"SECRET_KEY": "given"}, data_dir=str(tmp_path)).secret_key == "given"


def test_bad_number_in_environment_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        load_settings({"KITH_INBOUND_PORT": "lots"}, data_dir=str(tmp_path))


def test_every_setting_is_documented_in_the_readme():
    readme = README.read_text()
    missing = [env for env, _default, _help in documented_settings() if f"`{env}`" not in readme]
    assert not missing, f"settings missing from README's configuration table: {missing}"
