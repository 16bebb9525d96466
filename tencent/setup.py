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
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dashboard import audit
from dashboard.addresses import is_public_ip
from dashboard.audit import Actor
from tencent import car, cos, setup_api, vod
from tencent.errors import TencentError
from tencent.setup_api import CallbackTemplate, RecordTemplate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
    # Tencent's (or the transport's) own text, verbatim and untranslated: kept apart from `detail` so a page in
    # another language shows it as quoted data, not as an English sentence in the middle of a translated one.
    upstream: str = ""

    @property
    def line(self) -> str:
        created = f" (created {self.created})" if self.created else ""
        upstream = f" — {self.upstream}" if self.upstream else ""
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}{upstream}{created}"


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def add(self, name: str, ok: bool, detail: str, created: str = "", upstream: str = "") -> None:
        self.checks.append(Check(name, ok, detail, created, upstream))


# The checks' names, in the language of whoever reads the report (the page's user; LANGUAGE_CODE for the command).
NAMES = {
    "car": _("CAR credentials and concurrency"),
    "css": _("CSS credentials"),
    "push_domain": _("push domain"),
    "play_domain": _("play domain"),
    "push_key": _("push auth key"),
    "play_key": _("play auth key"),
    "record_template": _("record template"),
    "callbacks": _("callback template and rule"),
    "vod": _("VOD sub-application"),
    "vod_events": _("VOD event queue"),
    "cos": _("COS bucket"),
}


def _records_as_configured(template_id: object) -> str:
    return gettext("%(id)s records %(formats)s as configured") % {
        "id": template_id,
        "formats": ", ".join(expected_formats()),
    }


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
        return gettext(
            "not set: set CSS_RECORD_TEMPLATE_ID to your record template (`tencent_setup --apply` creates one); "
            "without it Tencent records HLS into the VOD main application, kept forever"
        )
    return ""


# Settings with an emulator-only default (dashboard/settings.py emulator_default): empty on a real account, where
# a demo value would name someone else's domain, bucket or project.
REQUIRED_ON_A_REAL_ACCOUNT: dict[str, StrOrPromise] = {
    "TENCENT_APPID": _("your account's APPID (VOD play URLs and COS bucket names carry it)"),
    "CSS_PUSH_DOMAIN": _("the CSS push domain bound to your CAR project"),
    "CSS_PLAY_DOMAIN": _("the CSS play domain the live pages play from"),
    "CAR_PROJECT_ID": _("the CAR project new client apps start in (cap-…)"),
}


def required_setting_problems() -> list[tuple[str, str]]:
    """(setting, what to do) for every setting a real account must name; none with the emulator."""
    if not real_account():
        return []
    required = dict(REQUIRED_ON_A_REAL_ACCOUNT)
    if settings.CSS_RECORD_STORAGE == "cos":
        required["COS_BUCKET"] = _("the COS bucket the record template writes into (name-APPID)")
    return [
        (name, gettext("not set: set %(setting)s to %(what)s") % {"setting": name, "what": what})
        for name, what in required.items()
        if not getattr(settings, name)
    ]


def user_ip_problem() -> str:
    value = settings.CAR_USER_IP
    if not real_account():
        return ""
    if not value:
        return gettext(
            "not set: set CAR_USER_IP to the public IP of your users (CAR picks the nearest instance by it)"
        )
    try:
        public = is_public_ip(value)
    except ValueError:
        return gettext("%(value)s is not an IP address: set CAR_USER_IP to a public IP") % {
            "value": repr(value)
        }
    if not public:
        return gettext(
            "%(value)s is not a public address: CAR picks the nearest instance by it; set a public IP"
        ) % {"value": value}
    return ""


# --- the checks -------------------------------------------------------------------------------------------------


def _record_template_problems(template: RecordTemplate) -> list[str]:
    problems = []
    missing = [fmt for fmt in expected_formats() if fmt not in template.enabled_formats]
    if missing:
        problems.append(gettext("does not record %(formats)s") % {"formats": ", ".join(missing)})
    to_cos = settings.CSS_RECORD_STORAGE.lower() == "cos"
    if template.cos_store != to_cos:
        problems.append(
            gettext("records into VOD, not COS") if to_cos else gettext("records into COS, not VOD")
        )
    for fmt in sorted(template.enabled_formats & set(expected_formats())):
        param = template.formats[fmt]
        if to_cos:
            wanted = (_bucket_name(), settings.COS_REGION, settings.COS_RECORD_PATH)
            found = (param.cos_bucket_name, param.cos_bucket_region, param.cos_bucket_path)
            if found != wanted:
                problems.append(
                    gettext("%(format)s goes to COS %(found)s, not %(wanted)s")
                    % {"format": fmt, "found": "/".join(found), "wanted": "/".join(wanted)}
                )
        elif param.vod_sub_app_id != settings.VOD_SUBAPP_ID:
            where = (
                gettext("sub-application %(id)s") % {"id": param.vod_sub_app_id}
                if param.vod_sub_app_id
                else gettext("the main application")
            )
            problems.append(
                gettext("%(format)s goes to VOD %(where)s, not VOD_SUBAPP_ID=%(id)s")
                % {"format": fmt, "where": where, "id": settings.VOD_SUBAPP_ID}
            )
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
        gettext("%(callback)s is %(url)s")
        % {"callback": name, "url": template.urls.get(name) or gettext("empty")}
        for name in REQUIRED_CALLBACKS
        if template.urls.get(name) != url
    ]
    if template.callback_key != settings.CSS_CALLBACK_KEY:
        problems.append(gettext("its CallbackKey is not CSS_CALLBACK_KEY"))
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
            self.report.add(
                name,
                False,
                gettext("%(code)s (see the Tencent API call log)") % {"code": error.code},
                upstream=error.message,
            )
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
        self._guarded(str(NAMES["car"]), self.check_car)
        if self._guarded(str(NAMES["css"]), self.check_css_credentials):
            self._guarded(str(NAMES["push_key"]), self.check_push_key)
            self._guarded(str(NAMES["play_key"]), self.check_play_key)
            self._guarded(str(NAMES["record_template"]), self.check_record_template)
            self._guarded(str(NAMES["callbacks"]), self.check_callbacks)
        self._guarded(str(NAMES["vod"]), self.check_vod)
        self._guarded(str(NAMES["vod_events"]), self.check_vod_events)
        self._guarded(str(NAMES["cos"]), self.check_cos)
        return self.report

    def check_car(self) -> None:
        count = car.describe_concurrent_count(project_id=settings.CAR_PROJECT_ID)
        name, project = str(NAMES["car"]), settings.CAR_PROJECT_ID
        if count.total <= 0:
            detail = gettext("project %(project)s has no concurrency: assign some in the CAR console")
            self.report.add(name, False, detail % {"project": project})
        else:
            detail = gettext("project %(project)s: %(running)s/%(total)s running")
            self.report.add(
                name, True, detail % {"project": project, "running": count.running, "total": count.total}
            )

    def check_css_credentials(self) -> None:
        domains = {domain.name: domain for domain in setup_api.describe_live_domains()}
        self.report.add(
            str(NAMES["css"]),
            True,
            ngettext("%(count)s domain on the account", "%(count)s domains on the account", len(domains))
            % {"count": len(domains)},
        )
        for label, name, kind, setting in (
            (str(NAMES["push_domain"]), settings.CSS_PUSH_DOMAIN, 0, "CSS_PUSH_DOMAIN"),
            (str(NAMES["play_domain"]), settings.CSS_PLAY_DOMAIN, 1, "CSS_PLAY_DOMAIN"),
        ):
            domain = domains.get(name)
            found = {"domain": name, "setting": setting}
            if domain is None:
                detail = (
                    gettext("%(domain)s does not exist: add it as a push domain in the CSS console")
                    if kind == 0
                    else gettext("%(domain)s does not exist: add it as a play domain in the CSS console")
                )
                self.report.add(label, False, detail % found)
            elif domain.type != kind:
                detail = (
                    gettext("%(domain)s is not a push domain: set the right one in %(setting)s")
                    if kind == 0
                    else gettext("%(domain)s is not a play domain: set the right one in %(setting)s")
                )
                self.report.add(label, False, detail % found)
            elif domain.status != 1:
                detail = gettext("%(domain)s is disabled: enable it in the CSS console")
                self.report.add(label, False, detail % found)
            else:
                self.report.add(label, True, gettext("%(domain)s exists, enabled") % found)

    def _key_check(
        self, name: str, configured: str, enabled: bool, keys: tuple[str, ...], setting: str
    ) -> None:
        if not configured:
            ok = not enabled
            detail = (
                gettext("off, as configured") if ok else gettext("the domain requires a key: set %(setting)s")
            )
        elif not enabled:
            ok = False
            detail = gettext(
                "authentication is off on the domain but %(setting)s is set: turn it on with that key"
            )
        else:
            ok = configured in keys
            detail = (
                gettext("equals the configured key")
                if ok
                else gettext("differs from %(setting)s: copy the domain's key into it")
            )
        self.report.add(name, ok, detail % {"setting": setting})  # a mapping: unused keys are fine

    def check_push_key(self) -> None:
        key = setup_api.describe_push_auth_key(domain_name=settings.CSS_PUSH_DOMAIN)
        self._key_check(
            str(NAMES["push_key"]),
            settings.CSS_PUSH_KEY,
            key.enabled,
            (key.key, key.backup_key),
            "CSS_PUSH_KEY",
        )

    def check_play_key(self) -> None:
        key = setup_api.describe_play_auth_key(domain_name=settings.CSS_PLAY_DOMAIN)
        self._key_check(
            str(NAMES["play_key"]),
            settings.CSS_PLAY_KEY,
            key.enabled,
            (key.key, key.backup_key),
            "CSS_PLAY_KEY",
        )

    def check_record_template(self) -> None:
        name = str(NAMES["record_template"])
        templates = {template.template_id: template for template in setup_api.describe_record_templates()}
        configured = settings.CSS_RECORD_TEMPLATE_ID
        template = templates.get(configured)
        if template is not None:
            problems = _record_template_problems(template)
            if not problems:
                self.report.add(name, True, _records_as_configured(configured))
                return
            if not (self.apply and self.force):
                detail = gettext(
                    "%(template)s %(problems)s: fix it in the CSS console, or --apply --force for a new one"
                )
                self.report.add(
                    name, False, detail % {"template": configured, "problems": "; ".join(problems)}
                )
                return
        elif not self.apply:
            detail = (
                gettext("%(template)s does not exist: run `tencent_setup --apply` to create one")
                if configured
                else gettext("none configured: run `tencent_setup --apply` to create one")
            )
            self.report.add(name, False, detail % {"template": configured})
            return
        match = next(
            (t for t in templates.values() if t.name == TEMPLATE_NAME and not _record_template_problems(t)),
            None,
        )
        if match is not None:
            template_id, created = match.template_id, ""
        else:
            template_id = _create_record_template()
            created = gettext("template %(id)s") % {"id": template_id}
            self._audit("record_template.create", {"template_id": template_id, "formats": expected_formats()})
        if template_id == configured:
            self.report.add(name, True, _records_as_configured(template_id), created)
        else:
            detail = gettext("set CSS_RECORD_TEMPLATE_ID=%(id)s (now %(configured)s)")
            self.report.add(name, False, detail % {"id": template_id, "configured": configured}, created)

    def check_callbacks(self) -> None:
        name = str(NAMES["callbacks"])
        templates = {template.template_id: template for template in setup_api.describe_callback_templates()}
        rules = [
            rule
            for rule in setup_api.describe_callback_rules()
            if rule.domain_name == settings.CSS_PUSH_DOMAIN and rule.app_name in (settings.CSS_APP_NAME, "")
        ]
        bound = templates.get(rules[0].template_id) if rules else None
        if bound is not None and not _callback_template_problems(bound):
            detail = gettext("template %(id)s → %(url)s, bound to %(domain)s")
            self.report.add(
                name,
                True,
                detail % {"id": bound.template_id, "url": callback_url(), "domain": settings.CSS_PUSH_DOMAIN},
            )
            return
        if rules and not (self.apply and self.force):
            problems = (
                _callback_template_problems(bound) if bound else [gettext("its template does not exist")]
            )
            detail = gettext(
                "the rule of %(domain)s uses template %(id)s, whose %(problems)s: "
                "fix it in the CSS console, or --apply --force"
            )
            found = {
                "domain": settings.CSS_PUSH_DOMAIN,
                "id": rules[0].template_id,
                "problems": "; ".join(problems),
            }
            self.report.add(name, False, detail % found)
            return
        if not self.apply:
            detail = gettext("no callback rule binds %(domain)s: run `tencent_setup --apply`")
            self.report.add(name, False, detail % {"domain": settings.CSS_PUSH_DOMAIN})
            return
        created = []
        good = next((t for t in templates.values() if not _callback_template_problems(t)), None)
        template_id = good.template_id if good else 0
        if not template_id:
            template_id = setup_api.create_callback_template(
                name=CALLBACK_TEMPLATE_NAME, url=callback_url(), callback_key=settings.CSS_CALLBACK_KEY
            )
            created.append(gettext("template %(id)s") % {"id": template_id})
            self._audit("callback_template.create", {"template_id": template_id, "url": callback_url()})
        for rule in rules:  # only with --force: re-bind
            setup_api.delete_callback_rule(domain_name=rule.domain_name, app_name=rule.app_name)
            self._audit("callback_rule.delete", {"domain": rule.domain_name, "template_id": rule.template_id})
        setup_api.create_callback_rule(
            domain_name=settings.CSS_PUSH_DOMAIN, app_name=settings.CSS_APP_NAME, template_id=template_id
        )
        created.append(
            gettext("rule %(domain)s → %(id)s") % {"domain": settings.CSS_PUSH_DOMAIN, "id": template_id}
        )
        self._audit("callback_rule.create", {"domain": settings.CSS_PUSH_DOMAIN, "template_id": template_id})
        detail = gettext("template %(id)s → %(url)s") % {"id": template_id, "url": callback_url()}
        self.report.add(name, True, detail, ", ".join(created))

    def check_vod(self) -> None:
        apps = {app.sub_app_id: app for app in setup_api.describe_sub_app_ids()}
        wanted = settings.VOD_SUBAPP_ID
        name = str(NAMES["vod"])
        if not wanted:
            detail = gettext("none configured: the main application (accounts since 2023-12-25 need one)")
            self.report.add(name, True, detail)
        elif wanted not in apps:
            detail = gettext("%(id)s does not exist: create it in the VOD console or fix VOD_SUBAPP_ID")
            self.report.add(name, False, detail % {"id": wanted})
        elif apps[wanted].status != "On":
            detail = gettext("%(id)s is %(status)s: enable it in the VOD console")
            self.report.add(name, False, detail % {"id": wanted, "status": apps[wanted].status})
        else:
            detail = gettext("%(id)s (%(name)s) is on")
            self.report.add(name, True, detail % {"id": wanted, "name": apps[wanted].name})

    def check_vod_events(self) -> None:
        """The storage lifecycle learns what Tencent deleted at an ExpireTime from VOD's PULL queue (FileDeleted)."""
        name = str(NAMES["vod_events"])
        config = vod.describe_event_config()
        if config.get("Mode") == "PULL" and config.get("DeleteMediaCompleteEventSwitch") == "ON":
            detail = gettext("PULL mode with FileDeleted: the console follows what Tencent deletes")
            self.report.add(name, True, detail)
            return
        pushing_elsewhere = config.get("Mode") == "PUSH" and bool(config.get("NotificationUrl"))
        if not self.apply or (pushing_elsewhere and not self.force):
            if pushing_elsewhere:
                detail = gettext(
                    "not PULL with FileDeleted (events now go to %(url)s): run tencent_setup --apply --force"
                ) % {"url": config["NotificationUrl"]}
            else:
                detail = gettext("not PULL with FileDeleted: run tencent_setup --apply")
            self.report.add(name, False, detail)
            return
        vod.enable_event_queue()
        self._audit("vod_events.enable", {"before": config})
        self.report.add(name, True, gettext("PULL mode with FileDeleted"), created=gettext("PULL queue"))

    def check_cos(self) -> None:
        cos.list_objects(max_keys=1)
        detail = gettext("%(bucket)s in %(region)s answers")
        self.report.add(
            str(NAMES["cos"]), True, detail % {"bucket": settings.COS_BUCKET, "region": settings.COS_REGION}
        )


def tencent_setup_run(*, apply: bool = False, force: bool = False, actor: Actor = None) -> Report:
    """Check the account (and with `apply` create what is missing); one Check per line."""
    return Doctor(apply=apply, force=force, actor=actor).run()
