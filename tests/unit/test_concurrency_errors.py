# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl.html)
"""queue_job/concurrency.py: the one test of "is this a concurrency error",
with Odoo's own list of the errors worth retrying."""
import os
import subprocess
import sys

import psycopg2
import psycopg2.errors
import pure_import
import pytest

concurrency = pure_import.load("concurrency")
ODOO_SRC = os.environ.get("ODOO_SRC", "/var/cache/queue_job/odoo-15.0")


def test_codes_are_odoos():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY as c;"
        "print(' '.join(sorted(c)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, ODOO_SRC], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(concurrency.CONCURRENCY_ERRORS)


@pytest.mark.parametrize(
    "sql, expected",
    [
        # errors raised by the server, as the jobs and the claims meet them
        ("SELECT 1/0", False),
        ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$", True),
        ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$", True),
        ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '55P03'; END $$", True),
        ("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '23505'; END $$", False),
    ],
)
def test_errors_raised_by_postgresql(sql, expected):
    conn = psycopg2.connect(dbname="postgres")  # the cluster of make test
    try:
        with pytest.raises(psycopg2.Error) as raised:
            with conn.cursor() as cr:
                cr.execute(sql)
        assert concurrency.is_concurrency_error(raised.value) is expected
    finally:
        conn.close()


def test_other_exceptions_are_not():
    assert concurrency.is_concurrency_error(ValueError("40001")) is False
    assert concurrency.is_concurrency_error(psycopg2.OperationalError()) is False
