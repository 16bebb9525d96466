"""The setup doctor: is the Tencent Cloud account ready for cloud-native recording as this console is configured,
and (on request) create what is missing. Used by `manage.py tencent_setup` and the *Cloud setup* page.

`tencent_setup_run` checks, one `Check` per line (ok, or FAIL with what to do). With `apply` it creates what is
missing — a record template, a callback template, a callback rule — and never changes what exists unless `force`
is given too (then a wrong record or callback template is replaced by a new one, a wrong rule re-bound). Every
creation is audited. Nothing here is called by the recording path: reading the account is the user's decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from dashboard import audit
from dashboard.addresses import is_public_ip
from dashboard.audit import Actor
from tencent import car, cos, setup_api, vod
from tencent.errors import TencentError
from tencent.setup_api import CallbackTemplate, RecordTemplate

TEMPLATE_NAME = "cnr-console"
CALLBACK_TEMPLATE_NAME = "cnr-console-callbacks"
# The events the console depends on (push begin/end, files) must reach /callbacks/css/. RecordStatusNotifyUrl is
# set on creation too, but DescribeLiveCallbackTemplates does not return it (CallBackTemplateInfo has no such field).
REQUIRED_CALLBACKS = ("StreamBeginNotifyUrl", "StreamEndNotifyUrl", "RecordNotifyUrl")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str  # what was found, or what to do about it
    created: str = ""  # what --apply created for it

    @property
    def line(self) -> str:
        created = f" (created {self.created})" if self.created else ""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}{created}"


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, detail: str, created: str = "") -> None:
        self.checks.append(Check(name, ok, detail, created))


def callback_url() -> str:
    return settings.CONSOLE_BASE_URL.rstrip("/") + "/callbacks/css/"


def expected_formats() -> list[str]:
    return [fmt.strip().lower() for fmt in settings.CSS_RECORD_FORMATS.split(",") if fmt.strip()]


def _bucket_name() -> str:
    """COS_BUCKET without its -APPID suffix (a record template's CosBucketName leaves it out)."""
    return settings.COS_BUCKET.removesuffix(f"-{settings.TENCENT_APPID}")


def real_account() -> bool:
    return not settings.TENCENT_API_ENDPOINT


# --- settings that must be real on a real account (also Django system checks, tencent/checks.py) ----------------


def template_id_problem() -> str:
    if real_account() and not settings.CSS_RECORD_TEMPLATE_ID:
        return (
            "not set: set CSS_RECORD_TEMPLATE_ID to your record template (`tencent_setup --apply` creates one); "
            "without it Tencent records HLS into the VOD main application, kept forever"
        )
    return ""


# Settings with an emulator-only default (dashboard/settings.py emulator_default): empty on a real account, where
# a demo value would name someone else's domain, bucket or project.
REQUIRED_ON_A_REAL_ACCOUNT = {
    "TENCENT_APPID": "your account's APPID (VOD play URLs and COS bucket names carry it)",
    "CSS_PUSH_DOMAIN": "the CSS push domain bound to your CAR project",
    "CSS_PLAY_DOMAIN": "the CSS play domain the live pages play from",
    "CAR_PROJECT_ID": "the CAR project new client apps start in (cap-…)",
}


def required_setting_problems() -> list[tuple[str, str]]:
    """(setting, what to do) for every setting a real account must name; none with the emulator."""
    if not real_account():
        return []
    required = dict(REQUIRED_ON_A_REAL_ACCOUNT)
    if settings.CSS_RECORD_STORAGE == "cos":
        required["COS_BUCKET"] = "the COS bucket the record template writes into (name-APPID)"
    return [
        (name, f"not set: set {name} to {what}")
        for name, what in required.items()
        if not getattr(settings, name)
    ]


def user_ip_problem() -> str:
    value = settings.CAR_USER_IP
    if not real_account():
        return ""
    if not value:
        return (
            "not set: set CAR_USER_IP to the public IP of your users (CAR picks the nearest instance by it)"
        )
    try:
        public = is_public_ip(value)
    except ValueError:
        return f"{value!r} is not an IP address: set CAR_USER_IP to a public IP"
    if not public:
        return f"{value} is not a public address: CAR picks the nearest instance by it; set a public IP"
    return ""


# --- the checks -------------------------------------------------------------------------------------------------


def _record_template_problems(template: RecordTemplate) -> list[str]:
    problems = []
    missing = [fmt for fmt in expected_formats() if fmt not in template.enabled_formats]
    if missing:
        problems.append(f"does not record {', '.join(missing)}")
    to_cos = settings.CSS_RECORD_STORAGE.lower() == "cos"
    if template.cos_store != to_cos:
        problems.append("records into VOD, not COS" if to_cos else "records into COS, not VOD")
    for fmt in sorted(template.enabled_formats & set(expected_formats())):
        param = template.formats[fmt]
        if to_cos:
            wanted = (_bucket_name(), settings.COS_REGION, settings.COS_RECORD_PATH)
            found = (param.cos_bucket_name, param.cos_bucket_region, param.cos_bucket_path)
            if found != wanted:
                problems.append(f"{fmt} goes to COS {'/'.join(found)}, not {'/'.join(wanted)}")
        elif param.vod_sub_app_id != settings.VOD_SUBAPP_ID:
            where = (
                f"sub-application {param.vod_sub_app_id}" if param.vod_sub_app_id else "the main application"
            )
            problems.append(f"{fmt} goes to VOD {where}, not VOD_SUBAPP_ID={settings.VOD_SUBAPP_ID}")
    return problems


def _create_record_template() -> int:
    to_cos = settings.CSS_RECORD_STORAGE.lower() == "cos"
    return setup_api.create_record_template(
        name=TEMPLATE_NAME,
        formats=expected_formats(),
        vod_sub_app_id=0 if to_cos else settings.VOD_SUBAPP_ID,
        cos_bucket_name=_bucket_name() if to_cos else "",
        cos_bucket_region=settings.COS_REGION if to_cos else "",
        cos_bucket_path=settings.COS_RECORD_PATH if to_cos else "",
        description="Recordings of the CNR console",
    )


def _callback_template_problems(template: CallbackTemplate) -> list[str]:
    url = callback_url()
    problems = [
        f"{name} is {template.urls.get(name) or 'empty'}"
        for name in REQUIRED_CALLBACKS
        if template.urls.get(name) != url
    ]
    if template.callback_key != settings.CSS_CALLBACK_KEY:
        problems.append("its CallbackKey is not CSS_CALLBACK_KEY")
    return problems


class Doctor:
    def __init__(self, *, apply: bool, force: bool, actor: Actor) -> None:
        self.apply = apply
        self.force = force
        self.actor = actor
        self.report = Report()

    def _audit(self, action: str, changes: dict[str, object]) -> None:
        audit.record(actor=self.actor, action=f"tencent.setup.{action}", changes=changes, object_repr=action)

    def _guarded(self, name: str, check: Callable[[], None]) -> bool:
        try:
            check()
        except TencentError as error:
            self.report.add(name, False, f"{error.code}: {error.message} (see the Tencent API call log)")
            return False
        return True

    def run(self) -> Report:
        for name, problem in (
            *required_setting_problems(),
            ("CSS_RECORD_TEMPLATE_ID", template_id_problem()),
            ("CAR_USER_IP", user_ip_problem()),
        ):
            if problem:
                self.report.add(name, False, problem)
        self._guarded("CAR credentials and concurrency", self.check_car)
        if self._guarded("CSS credentials", self.check_css_credentials):
            self._guarded("push auth key", self.check_push_key)
            self._guarded("play auth key", self.check_play_key)
            self._guarded("record template", self.check_record_template)
            self._guarded("callback template and rule", self.check_callbacks)
        self._guarded("VOD sub-application", self.check_vod)
        self._guarded("VOD event queue", self.check_vod_events)
        self._guarded("COS bucket", self.check_cos)
        return self.report

    def check_car(self) -> None:
        count = car.describe_concurrent_count(project_id=settings.CAR_PROJECT_ID)
        name = "CAR credentials and concurrency"
        if count.total <= 0:
            self.report.add(
                name,
                False,
                f"project {settings.CAR_PROJECT_ID} has no concurrency: assign some in the CAR console",
            )
        else:
            self.report.add(
                name, True, f"project {settings.CAR_PROJECT_ID}: {count.running}/{count.total} running"
            )

    def check_css_credentials(self) -> None:
        domains = {domain.name: domain for domain in setup_api.describe_live_domains()}
        self.report.add("CSS credentials", True, f"{len(domains)} domain(s) on the account")
        for label, name, kind in (
            ("push domain", settings.CSS_PUSH_DOMAIN, 0),
            ("play domain", settings.CSS_PLAY_DOMAIN, 1),
        ):
            domain = domains.get(name)
            wanted = "push" if kind == 0 else "play"
            if domain is None:
                self.report.add(
                    label, False, f"{name} does not exist: add it as a {wanted} domain in the CSS console"
                )
            elif domain.type != kind:
                self.report.add(
                    label,
                    False,
                    f"{name} is not a {wanted} domain: set the right one in CSS_{wanted.upper()}_DOMAIN",
                )
            elif domain.status != 1:
                self.report.add(label, False, f"{name} is disabled: enable it in the CSS console")
            else:
                self.report.add(label, True, f"{name} exists, enabled")

    def _key_check(
        self, name: str, configured: str, enabled: bool, keys: tuple[str, ...], setting: str
    ) -> None:
        if not configured:
            ok = not enabled
            detail = "off, as configured" if ok else f"the domain requires a key: set {setting}"
        elif not enabled:
            ok, detail = (
                False,
                f"authentication is off on the domain but {setting} is set: turn it on with that key",
            )
        else:
            ok = configured in keys
            detail = (
                "equals the configured key"
                if ok
                else f"differs from {setting}: copy the domain's key into it"
            )
        self.report.add(name, ok, detail)

    def check_push_key(self) -> None:
        key = setup_api.describe_push_auth_key(domain_name=settings.CSS_PUSH_DOMAIN)
        self._key_check(
            "push auth key", settings.CSS_PUSH_KEY, key.enabled, (key.key, key.backup_key), "CSS_PUSH_KEY"
        )

    def check_play_key(self) -> None:
        key = setup_api.describe_play_auth_key(domain_name=settings.CSS_PLAY_DOMAIN)
        self._key_check(
            "play auth key", settings.CSS_PLAY_KEY, key.enabled, (key.key, key.backup_key), "CSS_PLAY_KEY"
        )

    def check_record_template(self) -> None:
        name = "record template"
        templates = {template.template_id: template for template in setup_api.describe_record_templates()}
        configured = settings.CSS_RECORD_TEMPLATE_ID
        template = templates.get(configured)
        if template is not None:
            problems = _record_template_problems(template)
            if not problems:
                self.report.add(
                    name, True, f"{configured} records {', '.join(expected_formats())} as configured"
                )
                return
            if not (self.apply and self.force):
                self.report.add(
                    name,
                    False,
                    f"{configured} {'; '.join(problems)}: fix it in the CSS console, or --apply --force for a new one",
                )
                return
        elif not self.apply:
            missing = f"{configured} does not exist" if configured else "none configured"
            self.report.add(name, False, f"{missing}: run `tencent_setup --apply` to create one")
            return
        match = next(
            (t for t in templates.values() if t.name == TEMPLATE_NAME and not _record_template_problems(t)),
            None,
        )
        if match is not None:
            template_id, created = match.template_id, ""
        else:
            template_id = _create_record_template()
            created = f"template {template_id}"
            self._audit("record_template.create", {"template_id": template_id, "formats": expected_formats()})
        if template_id == configured:
            self.report.add(
                name, True, f"{template_id} records {', '.join(expected_formats())} as configured", created
            )
        else:
            self.report.add(
                name, False, f"set CSS_RECORD_TEMPLATE_ID={template_id} (now {configured})", created
            )

    def check_callbacks(self) -> None:
        name = "callback template and rule"
        templates = {template.template_id: template for template in setup_api.describe_callback_templates()}
        rules = [
            rule
            for rule in setup_api.describe_callback_rules()
            if rule.domain_name == settings.CSS_PUSH_DOMAIN and rule.app_name in (settings.CSS_APP_NAME, "")
        ]
        bound = templates.get(rules[0].template_id) if rules else None
        if bound is not None and not _callback_template_problems(bound):
            self.report.add(
                name,
                True,
                f"template {bound.template_id} → {callback_url()}, bound to {settings.CSS_PUSH_DOMAIN}",
            )
            return
        if rules and not (self.apply and self.force):
            problems = _callback_template_problems(bound) if bound else ["its template does not exist"]
            self.report.add(
                name,
                False,
                f"the rule of {settings.CSS_PUSH_DOMAIN} uses template {rules[0].template_id}, whose {'; '.join(problems)}: "
                "fix it in the CSS console, or --apply --force",
            )
            return
        if not self.apply:
            self.report.add(
                name, False, f"no callback rule binds {settings.CSS_PUSH_DOMAIN}: run `tencent_setup --apply`"
            )
            return
        created = []
        good = next((t for t in templates.values() if not _callback_template_problems(t)), None)
        template_id = good.template_id if good else 0
        if not template_id:
            template_id = setup_api.create_callback_template(
                name=CALLBACK_TEMPLATE_NAME, url=callback_url(), callback_key=settings.CSS_CALLBACK_KEY
            )
            created.append(f"template {template_id}")
            self._audit("callback_template.create", {"template_id": template_id, "url": callback_url()})
        for rule in rules:  # only with --force: re-bind
            setup_api.delete_callback_rule(domain_name=rule.domain_name, app_name=rule.app_name)
            self._audit("callback_rule.delete", {"domain": rule.domain_name, "template_id": rule.template_id})
        setup_api.create_callback_rule(
            domain_name=settings.CSS_PUSH_DOMAIN, app_name=settings.CSS_APP_NAME, template_id=template_id
        )
        created.append(f"rule {settings.CSS_PUSH_DOMAIN} → {template_id}")
        self._audit("callback_rule.create", {"domain": settings.CSS_PUSH_DOMAIN, "template_id": template_id})
        self.report.add(name, True, f"template {template_id} → {callback_url()}", ", ".join(created))

    def check_vod(self) -> None:
        apps = {app.sub_app_id: app for app in setup_api.describe_sub_app_ids()}
        wanted = settings.VOD_SUBAPP_ID
        name = "VOD sub-application"
        if not wanted:
            self.report.add(
                name, True, "none configured: the main application (accounts since 2023-12-25 need one)"
            )
        elif wanted not in apps:
            self.report.add(
                name, False, f"{wanted} does not exist: create it in the VOD console or fix VOD_SUBAPP_ID"
            )
        elif apps[wanted].status != "On":
            self.report.add(name, False, f"{wanted} is {apps[wanted].status}: enable it in the VOD console")
        else:
            self.report.add(name, True, f"{wanted} ({apps[wanted].name}) is on")

    def check_vod_events(self) -> None:
        """The storage lifecycle learns what Tencent deleted at an ExpireTime from VOD's PULL queue (FileDeleted)."""
        name = "VOD event queue"
        config = vod.describe_event_config()
        if config.get("Mode") == "PULL" and config.get("DeleteMediaCompleteEventSwitch") == "ON":
            self.report.add(
                name, True, "PULL mode with FileDeleted: the console follows what Tencent deletes"
            )
            return
        pushing_elsewhere = config.get("Mode") == "PUSH" and bool(config.get("NotificationUrl"))
        if not self.apply or (pushing_elsewhere and not self.force):
            where = f" (events now go to {config['NotificationUrl']})" if pushing_elsewhere else ""
            flag = "--apply --force" if pushing_elsewhere else "--apply"
            self.report.add(name, False, f"not PULL with FileDeleted{where}: run tencent_setup {flag}")
            return
        vod.enable_event_queue()
        self._audit("vod_events.enable", {"before": config})
        self.report.add(name, True, "PULL mode with FileDeleted", created="PULL queue")

    def check_cos(self) -> None:
        cos.list_objects(max_keys=1)
        self.report.add("COS bucket", True, f"{settings.COS_BUCKET} in {settings.COS_REGION} answers")


def tencent_setup_run(*, apply: bool = False, force: bool = False, actor: Actor = None) -> Report:
    """Check the account (and with `apply` create what is missing); one Check per line."""
    return Doctor(apply=apply, force=force, actor=actor).run()
