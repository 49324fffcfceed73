# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""Run the job runner on its own: python -m odoo.addons.queue_job.jobrunner

Takes Odoo's usual options (-c, --db_host, -d, ...) and the [queue_job]
section of the configuration file, like the runner started with the server.
Run it on one node only when Odoo itself does not load queue_job server-wide,
or let several run: one leads each database (docs/DESIGN.md, section 6).
"""
import signal
import sys

import odoo
from odoo.tools import config

from .runner import QueueJobRunner


def main():
    config.parse_config(sys.argv[1:])
    odoo.netsvc.init_logger()
    runner = QueueJobRunner.from_environ_or_config()

    def stop(_signum, _frame):
        runner.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.run()


if __name__ == "__main__":
    main()
