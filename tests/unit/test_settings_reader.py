# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Every reader of the settings (the runner, its start with the server, the
monitoring routes) goes through queue_job/settings.py and honours
server_environment's ``[queue_job]`` section, in a real Odoo process.

server_environment is not installed here: a small addon of that name,
placed on the addons path, gives ``serv_config`` as the real one does (a
ConfigParser); the import goes through Odoo's addons path as in production.
"""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ODOO_SRC = os.environ.get("ODOO_SRC", "/var/cache/queue_job/odoo-15.0")

CHECK = textwrap.dedent(
    """
    import os, sys
    sys.path.insert(0, sys.argv[1])
    import odoo
    odoo.tools.config.parse_config(["-c", sys.argv[3], "--addons-path", sys.argv[2]])
    from odoo.addons.queue_job import settings
    from odoo.addons.queue_job.controllers import monitoring
    from odoo.addons.queue_job import jobrunner
    from odoo.addons.queue_job.jobrunner.runner import QueueJobRunner

    runner = QueueJobRunner.from_environ_or_config()
    print("runner", runner.channel_config_string, runner.port)
    print("enabled", jobrunner._is_runner_enabled())
    print("token", monitoring._token())
    print("section", sorted(settings.section()))
    """
)


def _run(tmp_path, odoo_conf, serv_conf=None, env=None):
    paths = [ROOT, os.path.join(ODOO_SRC, "odoo", "addons")]
    if serv_conf is not None:
        module = tmp_path / "addons" / "server_environment"
        module.mkdir(parents=True)
        (module / "__manifest__.py").write_text("{'name': 'server_environment'}\n")
        (module / "__init__.py").write_text(
            "import configparser, os\n"
            "serv_config = configparser.ConfigParser()\n"
            "serv_config.read(os.path.join(os.path.dirname(__file__), 'env.conf'))\n"
        )
        (module / "env.conf").write_text(serv_conf)
        paths.insert(0, str(tmp_path / "addons"))
    conf = tmp_path / "odoo.conf"
    conf.write_text(odoo_conf)
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("ODOO_QUEUE_JOB")
    }
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-c", CHECK, ODOO_SRC, ",".join(paths), str(conf)],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())


ODOO_CONF = """
[options]
http_port = 8123

[queue_job]
channels = root:2
metrics_token = from-odoo-conf
"""


def test_server_environment_section_wins_for_every_reader(tmp_path):
    out = _run(
        tmp_path,
        ODOO_CONF,
        serv_conf="[queue_job]\nchannels = root:0\nmetrics_token = from-server-env\n",
    )
    assert out["runner"] == "root:0 8123"  # Odoo's http_port still applies
    assert out["enabled"] == "False"
    assert out["token"] == "from-server-env"
    assert out["section"] == "['channels', 'metrics_token']"


def test_configuration_file_without_server_environment(tmp_path):
    out = _run(tmp_path, ODOO_CONF)
    assert out["runner"] == "root:2 8123"
    assert out["enabled"] == "True"
    assert out["token"] == "from-odoo-conf"


def test_server_environment_without_the_section_leaves_the_file(tmp_path):
    out = _run(tmp_path, ODOO_CONF, serv_conf="[other]\nkey = value\n")
    assert out["runner"] == "root:2 8123"
    assert out["token"] == "from-odoo-conf"


def test_environment_wins_over_both(tmp_path):
    out = _run(
        tmp_path,
        ODOO_CONF,
        serv_conf="[queue_job]\nchannels = root:0\n",
        env={
            "ODOO_QUEUE_JOB_CHANNELS": "root:5",
            "ODOO_QUEUE_JOB_METRICS_TOKEN": "from-env",
        },
    )
    assert out["runner"] == "root:5 8123"
    assert out["enabled"] == "True"
    assert out["token"] == "from-env"
