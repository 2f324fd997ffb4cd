"""The production shape: `cuncun check --deploy` is clean with the environment deploy/ documents,
the gunicorn configuration loads, and the units start what the README says."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cuncun.core.files import UPLOAD_POLICY

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def production_environment(tmp_path) -> dict:
    """What deploy/cuncun.env.example sets, with values of this machine."""
    # Not the test run's own settings (DJANGO_ALLOW_ASYNC_UNSAFE is for Playwright only).
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("CUNCUN_", "SECURE_", "DJANGO_"))
    }
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        CUNCUN_PII_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'cuncun.sqlite3'}",
        CUNCUN_REDIS_URL="redis://127.0.0.1:6379/0",
        ALLOWED_HOSTS="cuncun.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://cuncun.example.gov.cn",
        SECURE_SSL_REDIRECT="1",
        CUNCUN_VAR_DIR=str(tmp_path),
        CUNCUN_STATIC_ROOT=str(tmp_path / "static"),
        CUNCUN_MEDIA_ACCEL="/protected-media/",
    )
    return environment


def test_check_deploy_is_clean_with_the_production_environment(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "cuncun.manage", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=production_environment(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_production_environment_shares_cache_and_sessions_through_redis(tmp_path):
    show = (
        "from django.conf import settings; import django; django.setup(); "
        "print(settings.CACHES['default']['BACKEND']); print(settings.SESSION_ENGINE)"
    )
    environment = {**production_environment(tmp_path), "DJANGO_SETTINGS_MODULE": "cuncun.settings"}

    result = subprocess.run(
        [sys.executable, "-c", show], capture_output=True, text=True, env=environment, timeout=60
    )

    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ], result.stderr


def test_the_env_example_names_every_setting_the_production_check_needs(tmp_path):
    example = (DEPLOY / "cuncun.env.example").read_text()

    for name in (
        "SECRET_KEY",
        "CUNCUN_PII_KEY",
        "DATABASE_URL",
        "CUNCUN_REDIS_URL",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT",
        "CUNCUN_STATIC_ROOT",
        "CUNCUN_MEDIA_ACCEL",
    ):
        assert f"{name}=" in example


def gunicorn_settings(environment: dict) -> list[str]:
    """bind, workers, worker_class and the metrics folder, as deploy/gunicorn.conf.py reads
    them from this environment."""
    show = (
        "import runpy; c = runpy.run_path('deploy/gunicorn.conf.py'); "
        "print(c['bind'], c['workers'], c['worker_class'], c['multiproc_dir'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", show],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=60,
    )
    return result.stdout.split()


def test_the_gunicorn_configuration_loads_and_binds_from_the_environment(tmp_path):
    environment = {
        **os.environ,
        "GUNICORN_BIND": "127.0.0.1:8123",
        "GUNICORN_WORKERS": "3",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }

    assert gunicorn_settings(environment) == [
        "127.0.0.1:8123",
        "3",
        "gthread",
        str(tmp_path / "metrics"),
    ]
    assert gunicorn_settings({**environment, "GUNICORN_THREADS": "1"})[2] == "sync"


def test_the_units_run_gunicorn_with_the_config_and_the_task_worker():
    web = (DEPLOY / "systemd" / "cuncun-web.service").read_text()
    worker = (DEPLOY / "systemd" / "cuncun-worker@.service").read_text()

    assert "gunicorn -c /opt/cuncun/deploy/gunicorn.conf.py cuncun.wsgi" in web
    assert "cuncun db_worker" in worker and "EnvironmentFile=/etc/cuncun/cuncun.env" in worker


def test_the_env_example_says_how_to_make_the_personal_data_key():
    example = (DEPLOY / "cuncun.env.example").read_text()

    assert "base64.b64encode(secrets.token_bytes(32))" in example
    assert "CUNCUN_PII_OLD_KEYS" in example


def test_without_the_personal_data_key_the_production_check_refuses_in_one_sentence(tmp_path):
    environment = production_environment(tmp_path)
    del environment["CUNCUN_PII_KEY"]

    result = subprocess.run(
        [sys.executable, "-m", "cuncun.manage", "check", "--deploy"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )

    assert result.returncode == 1
    assert result.stderr.strip().startswith("cuncun: CUNCUN_PII_KEY is not set")
    assert "secrets.token_bytes(32)" in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_personal_data_key_is_refused_saying_what_it_must_be(tmp_path):
    environment = {**production_environment(tmp_path), "CUNCUN_PII_KEY": "too-short"}

    result = subprocess.run(
        [sys.executable, "-m", "cuncun.manage", "check", "--deploy"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=120,
    )

    assert result.returncode == 1
    assert "CUNCUN_PII_KEY must be the base64 of 32 random bytes" in result.stderr


def test_uploads_are_sent_by_nginx_only_from_its_internal_location():
    site = (DEPLOY / "nginx" / "cuncun.conf").read_text()
    example = (DEPLOY / "cuncun.env.example").read_text()

    assert "location /media/" not in site  # no public folder of uploads
    accel = next(
        line.split("=", 1)[1] for line in example.splitlines() if line.startswith("CUNCUN_MEDIA_")
    )
    internal = site.split(f"location {accel} {{", 1)[1].split("}", 1)[0]
    assert "internal;" in internal and "alias /var/lib/cuncun/media/;" in internal
    assert "X-Content-Type-Options nosniff" in internal
    assert f'Content-Security-Policy "{UPLOAD_POLICY}" always' in internal  # as the app sends it
