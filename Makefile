# CNR Console. Two commands matter: `make demo` (run it) and `make test` (the whole suite, as CI runs it).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export NO_PROXY := 127.0.0.1,localhost,::1
export no_proxy := 127.0.0.1,localhost,::1

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cnr
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
PROD_SMOKE_DATABASE_URL ?= $(TEST_DATABASE_URL)_prod_smoke
PROD_SMOKE_REDIS_URL ?= redis://127.0.0.1:6379/11

.PHONY: demo test install install-test static lint format typecheck services chromium xvfb \
        bench bench-callbacks bench-orchestration bench-steady bench-costs bench-webhooks bench-pages clean cloud-smoke prod-smoke test-long \
        messages messages-root gettext

## demo: install, build static assets, migrate the SQLite database under var/, seed, and run everything
demo: install messages static
	@$(MAKE) --no-print-directory chromium xvfb || echo "Chromium, Xvfb or PulseAudio could not be installed" \
		"(not root?): the emulator pushes its test picture for WEB client apps (or their page without sound)."
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py rundemo

## test: install test dependencies, make sure PostgreSQL, Redis and Chromium are there, lint, run the suite
test: install-test messages services chromium xvfb
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(BIN)/pytest -n 2 --dist loadgroup -m "not long" $(PYTEST_ARGS)

## test-long: the whole-system runs kept out of `make test` for its 10-minute budget (CI runs both): the
## production deployment (prod-smoke), then the tests marked `long` — every page through axe-core and at phone
## width for every role, 20 recordings under the chaos profile, the fault matrix, the demo end to end
test-long: install-test messages services chromium xvfb
	PROD_SMOKE_DATABASE_URL=$(PROD_SMOKE_DATABASE_URL) PROD_SMOKE_REDIS_URL=$(PROD_SMOKE_REDIS_URL) \
		$(BIN)/python scripts/prod_smoke.py
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DJANGO_ALLOW_ASYNC_UNSAFE=true \
		$(BIN)/pytest -n 2 --dist loadgroup -m long $(PYTEST_ARGS)

## prod-smoke: README "Scaling out" run for real (gunicorn 2 workers, 2 RQ workers, cron; DEBUG=0, PostgreSQL,
## Redis, JSON logs) against the emulator: 20 recordings through the API, /readyz, /metrics checked against the
## database, one RQ worker and one gunicorn worker SIGKILLed, readiness and every recording recover (~50 s)
prod-smoke: install services
	PROD_SMOKE_DATABASE_URL=$(PROD_SMOKE_DATABASE_URL) PROD_SMOKE_REDIS_URL=$(PROD_SMOKE_REDIS_URL) \
		$(BIN)/python scripts/prod_smoke.py

## cloud-smoke: with real TENCENT_* credentials in the environment, one 60 s recording end to end and its
## clean-up, each step printed (costs a few cents); skipped without credentials
cloud-smoke: install
	$(BIN)/python scripts/cloud_smoke.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.package-lock.json messages
install-test: $(VENV)/.installed-test node_modules/.package-lock.json messages

## messages: compile every locale/*.po into the .mo Django reads (the .mo files are not committed); needs GNU
## gettext's msgfmt (Debian's gettext package, installed when missing)
messages: gettext | $(VENV)/.installed
	$(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules --ignore=var

## messages-root: extract templates/ and static/js/ into the root locale/ (each app extracts in its own directory).
## On a scratch copy: makemessages run at the root would also walk every app (and -i dashboard skips
## templates/dashboard too).
messages-root: | $(VENV)/.installed
	@scratch=$$(mktemp -d) && mkdir -p $$scratch/static && cp -r templates $$scratch/ && cp -r static/js $$scratch/static/ \
		&& cp -r locale $$scratch/ && cd $$scratch \
		&& env -u DJANGO_SETTINGS_MODULE $(CURDIR)/$(BIN)/django-admin makemessages -l zh_Hans --no-location \
		&& env -u DJANGO_SETTINGS_MODULE $(CURDIR)/$(BIN)/django-admin makemessages -l zh_Hans --no-location -d djangojs \
		&& cp locale/zh_Hans/LC_MESSAGES/*.po $(CURDIR)/locale/zh_Hans/LC_MESSAGES/ && rm -rf $$scratch

gettext:
	@command -v msgfmt >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext)

static: install
	$(BIN)/python manage.py collectstatic --noinput -v0

services:
	scripts/ensure-services.sh

## chromium: Debian's Chromium for the browser tests, and its CJK fonts (fonts-noto-cjk) so the Chinese interface
## renders as characters rather than empty boxes
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	@test -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk)

## xvfb: the virtual display the emulator renders WEB client apps on, and the sound server whose null sink carries
## a rendered page's sound (Debian's xvfb and pulseaudio, installed when missing)
xvfb:
	@test -x /usr/bin/Xvfb || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb)
	@test -x /usr/bin/pulseaudio || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pulseaudio)

lint: install-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

typecheck: install-test
	$(BIN)/mypy .

bench: bench-callbacks bench-orchestration bench-costs bench-webhooks bench-pages

clean:
	rm -rf $(VENV) node_modules var/static

## bench-orchestration: 200 recordings due at once, 2 RQ workers (DEBUG off, light pushes), the emulator enforcing
## Tencent's rate limits; best of 3 against the bound computed from the limiter's rates and the 3 s push gap
bench-orchestration: install-test services
	$(BIN)/python bench/orchestration.py --recordings 200 --workers 2 --runs 3

## bench-steady: the console's own CPU and database writes per live recording per minute, 1,000 live recordings
## for 10 minutes (light pushes; STEADY_SECONDS=120 for a quick check), target ≤ 2 % of one core in total
bench-steady: install-test services
	$(BIN)/python bench/steady.py --recordings 1000

## bench-costs: the month's cost report (GET /costs/, DEBUG off) for 1,000 rooms and 50,000 sessions a month over
## 90 days of history, cold (report and Tencent usage uncached) and warm, p50/p95 of 10 runs (bound: cold p95 <= 1 s)
bench-costs: install-test services
	$(BIN)/python bench/costs.py --rooms 1000 --sessions 50000 --runs 10

## bench-pages: every list and overview page at 1,000 rooms / 100,000 recordings / 200,000 files (its own
## PostgreSQL database, COPY-seeded, dropped after), gunicorn with DEBUG off: p50/p95, queries, cold first request
bench-pages: install services
	$(BIN)/python bench/pages.py --requests 30

## bench-callbacks: CSS callback ingest through gunicorn (DEBUG=0) + PostgreSQL + 2 production RQ workers, on the
## streams of 200 seeded recording sessions: p50/p99 at a fixed 200 req/s, the maximum acked rate, the rate the
## workers apply a backlog at; 0 lost, 0 duplicated, 0 unapplied (the targets of issue #15 printed beside)
bench-callbacks: install services
	$(BIN)/python bench/callbacks.py --rate 200 --fixed-seconds 30 --seconds 30 --backlog 6000 --workers 4 --rq-workers 2

## bench-webhooks: 10,000 events to five loopback endpoints (one failing half its requests, one answering after
## 2 s) through 2 RQ workers: deliveries/s to the healthy ones, lost and doubled (must be 0), the slow one's delay
bench-webhooks: install services
	$(BIN)/python bench/webhook_delivery.py --events 10000 --workers 2
