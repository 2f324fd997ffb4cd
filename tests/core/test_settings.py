"""Starting without the settings an operator must give says so in one sentence; DEBUG without a
key signs with a key of its own machine, never one anyone can read in the source."""

import os
import subprocess
import sys
from pathlib import Path

from cuncun import settings as settings_module
from cuncun.core.crypto import development_master_key


def _run(code_or_args: list[str], tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "CUNCUN_DEBUG"}}
    environment.update(CUNCUN_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        code_or_args, capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=120
    )


def test_a_missing_secret_key_is_one_sentence_not_a_traceback(tmp_path):
    result = _run([sys.executable, "-m", "cuncun.manage", "check"], tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().startswith("cuncun: SECRET_KEY is not set")
    assert "Traceback" not in result.stderr


def test_debug_without_a_key_signs_with_one_made_on_this_machine(tmp_path):
    show_key = [sys.executable, "-c", "from cuncun import settings; print(settings.SECRET_KEY)"]

    first = _run(show_key, tmp_path, CUNCUN_DEBUG="1").stdout.strip()
    again = _run(show_key, tmp_path, CUNCUN_DEBUG="1").stdout.strip()
    (tmp_path / "other").mkdir()
    elsewhere = _run(show_key, tmp_path / "other", CUNCUN_DEBUG="1").stdout.strip()

    assert len(first) >= 50 and first == again  # the server and the task worker agree
    assert elsewhere and elsewhere != first
    assert first not in Path(settings_module.__file__).read_text()


def test_the_content_security_policy_is_read_from_the_environment(tmp_path):
    show_policy = [sys.executable, "-c", "from cuncun import settings; print(settings.CUNCUN_CSP)"]
    policy = "default-src 'self'; img-src 'self' https://tiles.example.org"

    given = _run(show_policy, tmp_path, SECRET_KEY="k", CUNCUN_CSP=policy).stdout.strip()
    default = _run(show_policy, tmp_path, SECRET_KEY="k").stdout.strip()

    assert given == policy
    assert default.startswith("default-src 'self'; script-src 'self'; style-src 'self';")


def test_debug_without_a_personal_data_key_derives_one_from_the_machines_secret_key(tmp_path):
    show = [sys.executable, "-c", "from cuncun import settings; print(settings.CUNCUN_PII_KEY)"]
    environment = {k: v for k, v in os.environ.items() if k != "CUNCUN_PII_KEY"}

    result = subprocess.run(
        show,
        capture_output=True,
        text=True,
        env={**environment, "CUNCUN_DEBUG": "1", "SECRET_KEY": "one machine's key"},
        cwd=tmp_path,
        timeout=120,
    )

    assert result.stdout.strip() == development_master_key("one machine's key"), result.stderr


def test_a_media_accel_path_without_its_slashes_is_refused_in_one_sentence(tmp_path):
    result = _run(
        [sys.executable, "-m", "cuncun.manage", "check"],
        tmp_path,
        CUNCUN_DEBUG="1",
        CUNCUN_MEDIA_ACCEL="protected-media",
    )

    assert result.returncode == 1
    assert result.stderr.strip().startswith("cuncun: CUNCUN_MEDIA_ACCEL must be a path")
