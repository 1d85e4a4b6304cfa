from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.errors import ConfigError
from callcenter.settings import Settings, SLPolicy, load_settings


def test_defaults_follow_domain_md() -> None:
    s = Settings()
    assert (s.sl_threshold_s, s.sl_target, s.short_abandon_s) == (20.0, 80.0, 20.0)
    assert s.sl_policy is SLPolicy.OFFERED and s.acw_in_occupancy
    assert "T = 20 s" in s.definitions()["service level"]


def test_toml_and_yaml_files(tmp_path: Path) -> None:
    t = tmp_path / "c.toml"
    t.write_text('timezone = "Asia/Jerusalem"\nsl_policy = "asterisk_sl2"\n[targets.abandon_rate]\nmax = 5\n')
    s = load_settings(t)
    assert s.timezone == "Asia/Jerusalem" and s.sl_policy is SLPolicy.ASTERISK_SL2
    assert s.targets == {"abandon_rate": {"max": 5.0}}
    y = tmp_path / "c.yaml"
    y.write_text("sl_threshold_s: 30\nacw_in_occupancy: false\n")
    s = load_settings(y)
    assert s.sl_threshold_s == 30 and not s.acw_in_occupancy


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('sl_policy = "bogus"', "sl_policy"),
        ('timezone = "Mars/Olympus"', "timezone"),
        ("interval_minutes = 7", "interval_minutes"),
        ("no_such_setting = 1", "no_such_setting"),
        ("sl_threshold_s = ", "not valid TOML"),
    ],
)
def test_bad_settings_say_what_and_where(tmp_path: Path, text: str, needle: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text + "\n")
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert needle in e.value.message and str(p) in e.value.message


def test_missing_explicit_file_is_an_error_but_missing_default_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "nope.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALLCENTER_CONFIG", raising=False)
    assert load_settings() == Settings()
