# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Settings precedence of the job runner (jobrunner/config.py)."""
import dataclasses

import pure_import
import pytest

config = pure_import.load("jobrunner.config")
load_settings = config.load_settings

ODOO = {
    "http_interface": "10.0.0.5",
    "http_port": 8070,
    "db_host": "odoo-db",
    "db_port": 5433,
    "db_user": "odoo",
    "db_password": "odoo-pw",
}


def test_defaults():
    settings = load_settings({}, None, None)
    assert settings.channels == "root:1"
    assert settings.scheme == "http"
    assert settings.host == "localhost"
    assert settings.port == 8069
    assert settings.http_auth_user is None
    assert settings.http_auth_password is None
    assert settings.jobrunner_db_host is None
    assert settings.jobrunner_db_port is None
    assert settings.jobrunner_db_user is None
    assert settings.jobrunner_db_password is None
    assert dict(settings.extra) == {}
    assert settings.base_url == "http://localhost:8069"


def test_odoo_defaults_of_a_plain_server():
    # odoo.tools.config without those options set
    odoo = {
        "http_interface": "",
        "http_port": 8069,
        "db_host": False,
        "db_port": False,
        "db_user": False,
        "db_password": False,
    }
    settings = load_settings({}, {}, odoo)
    assert (settings.host, settings.port) == ("localhost", 8069)
    assert settings.jobrunner_db_host is None
    assert settings.jobrunner_db_port is None
    assert settings.jobrunner_db_password is None


def test_odoo_options_are_the_fallback():
    settings = load_settings({}, {}, ODOO)
    assert settings.host == "10.0.0.5"
    assert settings.port == 8070
    assert settings.jobrunner_db_host == "odoo-db"
    assert settings.jobrunner_db_port == 5433
    assert settings.jobrunner_db_user == "odoo"
    assert settings.jobrunner_db_password == "odoo-pw"
    assert settings.channels == "root:1"


SECTION = {
    "channels": "root:4,mail:2",
    "scheme": "https",
    "host": "web.internal",
    "port": "443",
    "http_auth_user": "runner",
    "http_auth_password": "secret",
    "jobrunner_db_host": "pgbouncer",
    "jobrunner_db_port": "6432",
    "jobrunner_db_user": "jobs",
    "jobrunner_db_password": "jobs-pw",
}


def test_section_wins_over_odoo_options():
    settings = load_settings({}, SECTION, ODOO)
    assert settings.channels == "root:4,mail:2"
    assert settings.scheme == "https"
    assert settings.host == "web.internal"
    assert settings.port == 443
    assert settings.http_auth_user == "runner"
    assert settings.http_auth_password == "secret"
    assert settings.jobrunner_db_host == "pgbouncer"
    assert settings.jobrunner_db_port == 6432
    assert settings.jobrunner_db_user == "jobs"
    assert settings.jobrunner_db_password == "jobs-pw"
    assert settings.base_url == "https://web.internal:443"


def test_environment_wins_over_section():
    environ = {
        "ODOO_QUEUE_JOB_CHANNELS": "root:8",
        "ODOO_QUEUE_JOB_SCHEME": "http",
        "ODOO_QUEUE_JOB_HOST": "env-host",
        "ODOO_QUEUE_JOB_PORT": "9000",
        "ODOO_QUEUE_JOB_HTTP_AUTH_USER": "env-user",
        "ODOO_QUEUE_JOB_HTTP_AUTH_PASSWORD": "env-pw",
        "ODOO_QUEUE_JOB_JOBRUNNER_DB_HOST": "env-db",
        "ODOO_QUEUE_JOB_JOBRUNNER_DB_PORT": "7000",
        "ODOO_QUEUE_JOB_JOBRUNNER_DB_USER": "env-dbuser",
        "ODOO_QUEUE_JOB_JOBRUNNER_DB_PASSWORD": "env-dbpw",
    }
    settings = load_settings(environ, SECTION, ODOO)
    assert settings.channels == "root:8"
    assert settings.scheme == "http"
    assert settings.host == "env-host"
    assert settings.port == 9000
    assert settings.http_auth_user == "env-user"
    assert settings.http_auth_password == "env-pw"
    assert settings.jobrunner_db_host == "env-db"
    assert settings.jobrunner_db_port == 7000
    assert settings.jobrunner_db_user == "env-dbuser"
    assert settings.jobrunner_db_password == "env-dbpw"


def test_empty_environment_variables_are_ignored():
    environ = {
        "ODOO_QUEUE_JOB_CHANNELS": "",
        "ODOO_QUEUE_JOB_HOST": "",
        "ODOO_QUEUE_JOB_PORT": "",
        "ODOO_QUEUE_JOB_JOBRUNNER_DB_HOST": "",
    }
    settings = load_settings(environ, SECTION, ODOO)
    assert settings.channels == "root:4,mail:2"
    assert settings.host == "web.internal"
    assert settings.port == 443
    assert settings.jobrunner_db_host == "pgbouncer"
    settings = load_settings(environ, {}, ODOO)
    assert settings.host == "10.0.0.5"
    assert settings.jobrunner_db_host == "odoo-db"
    assert load_settings(environ, {}, {}).channels == "root:1"


def test_empty_section_values_are_ignored():
    settings = load_settings({}, {"host": "", "port": "", "channels": ""}, ODOO)
    assert settings.host == "10.0.0.5"
    assert settings.port == 8070
    assert settings.channels == "root:1"


def test_environment_without_section_or_odoo():
    settings = load_settings({"ODOO_QUEUE_JOB_PORT": "8080"}, None, None)
    assert settings.port == 8080
    assert settings.host == "localhost"


def test_other_environment_variables_are_ignored():
    settings = load_settings({"PATH": "/bin", "ODOO_QUEUE_JOBS_X": "1"}, {}, {})
    assert dict(settings.extra) == {}


@pytest.mark.parametrize(
    "environ, section, fragments",
    [
        ({"ODOO_QUEUE_JOB_PORT": "80a"}, {}, ["'80a'", "ODOO_QUEUE_JOB_PORT"]),
        ({}, {"port": "eighty"}, ["'eighty'", "[queue_job] port"]),
        ({}, {"port": "0"}, ["'0'", "1 to 65535"]),
        ({}, {"port": "70000"}, ["'70000'"]),
        ({}, {"port": "-1"}, ["'-1'"]),
        ({}, {"jobrunner_db_port": "x"}, ["'x'", "[queue_job] jobrunner_db_port"]),
        (
            {"ODOO_QUEUE_JOB_JOBRUNNER_DB_PORT": "5432.0"},
            {},
            ["ODOO_QUEUE_JOB_JOBRUNNER_DB_PORT"],
        ),
        ({}, {"scheme": "ftp"}, ["invalid scheme 'ftp'", "[queue_job] scheme"]),
        ({"ODOO_QUEUE_JOB_SCHEME": "gopher"}, {}, ["ODOO_QUEUE_JOB_SCHEME"]),
    ],
)
def test_invalid_values(environ, section, fragments):
    with pytest.raises(ValueError) as caught:
        load_settings(environ, section, ODOO)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_invalid_odoo_port_names_the_option():
    with pytest.raises(ValueError) as caught:
        load_settings({}, {}, {"http_port": "abc"})
    assert "Odoo option http_port" in str(caught.value)


def test_port_with_spaces_and_scheme_case():
    settings = load_settings({}, {"port": " 8080 ", "scheme": "HTTPS"}, {})
    assert settings.port == 8080
    assert settings.scheme == "https"


def test_extra_keys():
    section = dict(SECTION, dispatch_timeout="3", Other_Key="x")
    environ = {
        "ODOO_QUEUE_JOB_DISPATCH_TIMEOUT": "7",
        "ODOO_QUEUE_JOB_NEW_OPTION": "on",
        "ODOO_QUEUE_JOB_EMPTY": "",
        "ODOO_QUEUE_JOB_": "nameless",
    }
    settings = load_settings(environ, section, ODOO)
    assert dict(settings.extra) == {
        "dispatch_timeout": "7",
        "new_option": "on",
        "other_key": "x",
    }
    settings = load_settings({"ODOO_QUEUE_JOB_DISPATCH_TIMEOUT": ""}, section, ODOO)
    assert settings.extra["dispatch_timeout"] == "3"


def test_settings_are_immutable():
    settings = load_settings({}, {"extra_key": "1"}, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1
    with pytest.raises(TypeError):
        settings.extra["extra_key"] = "2"
    assert hash(settings.port) == hash(8069)


@pytest.mark.parametrize(
    "channels, enabled",
    [
        ("root:0", False),
        ("root : 0", False),
        ("  root:0  ", False),
        ("\nroot:0,\nmail:2\n", False),
        ("root:4,root:0", False),
        ("root:00", False),
        ("root:05", True),
        ("root:1", True),
        ("root:4,root.mail:0", True),
        ("root.x:0", True),
        ("root0:0", True),
        ("root:0,root:2", True),
        ("root", True),
        ("mail:2", True),
        ("", True),
        (None, True),
    ],
)
def test_is_runner_enabled(channels, enabled):
    assert config.is_runner_enabled(channels) is enabled


@pytest.mark.parametrize("channels", ["root:x", "root:0:a=b=c", ":0"])
def test_is_runner_enabled_rejects_invalid_strings(channels):
    with pytest.raises(ValueError) as caught:
        config.is_runner_enabled(channels)
    assert "in channel entry" in str(caught.value)


def test_root_capacity():
    assert config.root_capacity("root:7,mail:2") == 7
    assert config.root_capacity("mail:2") == 1


def test_history_days_default_and_sources():
    assert config.load_settings({}).history_days == 14
    assert config.load_settings({}, {"history_days": "30"}).history_days == 30
    env = {"ODOO_QUEUE_JOB_HISTORY_DAYS": "3"}
    assert config.load_settings(env, {"history_days": "30"}).history_days == 3


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_history_days_invalid(value):
    with pytest.raises(ValueError, match=r"invalid number of days .*\[queue_job\]"):
        config.load_settings({}, {"history_days": value})


def test_job_workers_defaults_and_dispatch_port():
    settings = load_settings({}, {}, ODOO)
    assert settings.job_workers == 0
    assert settings.shutdown_grace == 30
    # beside the HTTP port by default
    assert settings.job_workers_port == 8072
    # no job workers: the runner sends jobs to the HTTP port
    assert settings.dispatch_port(prefork=True) == 8070


def test_job_workers_settings_precedence():
    settings = load_settings(
        {"ODOO_QUEUE_JOB_JOB_WORKERS": "3"},
        {"job_workers": "1", "job_workers_port": "9100", "shutdown_grace": "5"},
        ODOO,
    )
    assert settings.job_workers == 3
    assert settings.job_workers_port == 9100
    assert settings.shutdown_grace == 5
    assert settings.dispatch_port(prefork=True) == 9100
    # the threaded server has no job workers: jobs go over HTTP
    assert settings.dispatch_port(prefork=False) == 8070
    assert "job_workers" not in settings.extra


@pytest.mark.parametrize(
    "section, message",
    [
        ({"job_workers": "-1"}, "invalid job_workers '-1' (from [queue_job]"),
        ({"job_workers": "two"}, "invalid job_workers 'two'"),
        ({"shutdown_grace": "1.5"}, "invalid shutdown_grace '1.5'"),
        ({"job_workers_port": "70000"}, "invalid port '70000'"),
    ],
)
def test_job_workers_bad_values_are_named(section, message):
    with pytest.raises(ValueError) as caught:
        load_settings({}, section, ODOO)
    assert message in str(caught.value)
