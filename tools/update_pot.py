"""Regenerate queue_job/i18n/queue_job.pot from the code, views and data.

Usage (after `make bootstrap`): tools/update_pot.sh. Installs queue_job in a
throw-away database cloned from the base template, exports the template of
its terms with Odoo's own exporter, and writes it over the committed file.
queue_job/tests/test_i18n.py fails while the committed file is not what
this writes.
"""
import os
import subprocess
import sys

import qjdev

POT = os.path.join(qjdev.ROOT, "queue_job", "i18n", "queue_job.pot")


def main():
    db = qjdev.new_db("qj_pot", ["queue_job"])
    try:
        # Odoo's exporter picks the format from the file name's extension
        proc = subprocess.run(
            qjdev.odoo_cmd(
                "--addons-path=%s" % qjdev.addons_path(),
                "--data-dir=%s" % qjdev.DATA_DIR,
                "-d",
                db,
                "--modules=queue_job",
                "--i18n-export=%s" % POT,
                "--stop-after-init",
                "--log-level=warn",
                "--http-port=%d" % qjdev.free_port(),
                *qjdev.db_options(),
            )
        )
    finally:
        qjdev.drop_db(db)
    if proc.returncode:
        print("error: exporting the terms of queue_job failed", file=sys.stderr)
        return 1
    print("wrote %s" % os.path.relpath(POT, qjdev.ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
