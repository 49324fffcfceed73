# Two commands matter: `make run` and `make test` (see README.rst).
SHELL := /bin/bash

.PHONY: run stop test bench bootstrap status lint

run:            ## Odoo + queue_job + its runner on a demo database
	@tools/run.sh start

stop:           ## stop what `make run` started
	@tools/run.sh stop

status:
	@tools/run.sh status

test:           ## every test: Odoo's, then pytest's; ends with "N passed, N failed"
	@tools/test.sh

bench:          ## the benchmarks of bench/, as a table of ratios to their floors
	@tools/bench.sh

bootstrap:      ## only prepare the virtualenv and the Odoo source
	@tools/bootstrap.sh

lint:           ## OCA's pre-commit hooks, checks only (FIX=1 rewrites; HOOKS="id ..." picks)
	@tools/lint.sh
