"""The catalog: client apps uploaded to CAR, and the rooms a cloud app instance enters and pushes from.

A `ClientApp` is one application in a CAR project (APK, EXE or a WEB page) plus the video settings and the
launch-parameter template that tells an instance which room to enter. A `Room` is one business-backend room:
its key, the CSS stream it is pushed to, and the parameters that make the cloud app enter it.
"""

from __future__ import annotations

import re
import string
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A CSS record task may last at most 24 hours (CreateRecordTask: EndTime - StartTime <= 24 h).
RECORDING_MINUTES_LIMIT = 24 * 60
STREAM_NAME_MAX_LENGTH = 64

car_project_id_validator = RegexValidator(
    r"^cap-[a-z0-9]{8,32}$", _("A CAR project id looks like cap-1a2b3c4d (lowercase letters and digits).")
)
car_application_id_validator = RegexValidator(
    r"^app-[a-z0-9]{8,32}$", _("A CAR application id looks like app-1a2b3c4d (lowercase letters and digits).")
)
car_version_id_validator = RegexValidator(
    r"^ver-[a-z0-9]{8,32}$", _("A CAR version id looks like ver-1a2b3c4d (lowercase letters and digits).")
)
http_url_validator = URLValidator(schemes=["http", "https"], message=_("Enter an http:// or https:// URL."))
resolution_validator = RegexValidator(
    r"^[1-9][0-9]{1,3}x[1-9][0-9]{1,3}$", _("Write the resolution as WIDTHxHEIGHT, e.g. 1920x1080.")
)
stream_name_validator = RegexValidator(
    r"^[A-Za-z0-9_-]+$", _("Use only letters, digits, '-' and '_' (CSS stream names allow nothing else).")
)
room_key_validator = RegexValidator(
    r"^[A-Za-z0-9_.:@=+-]+$",
    _("Use letters, digits and _ . : @ = + - (the key appears in URLs and launch parameters)."),
)
domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    _("Enter a domain name such as push.example.com (lowercase, no scheme, no path)."),
)
css_app_name_validator = RegexValidator(r"^[A-Za-z0-9_-]{1,32}$", _("Use letters, digits, '-' and '_'."))
TAG_MAX_LENGTH = 32

# The values a launch-parameter template may use; `Room.template_values` supplies each of them.
LAUNCH_PLACEHOLDERS = (
    "room_key",
    "room_name",
    "stream_name",
    "entry_parameters",
    "push_domain",
    "play_domain",
    "app_name",
)


def validate_launch_template(template: str) -> None:
    """Only `{known_name}` placeholders, no format specs or attribute access; `{{`/`}}` are literal braces."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationError(
            _("Unbalanced braces: write a placeholder as {room_key} and a literal brace as {{ or }}.")
        ) from exc
    unknown = []
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in LAUNCH_PLACEHOLDERS or spec or conversion:
            unknown.append(
                "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in LAUNCH_PLACEHOLDERS)
        raise ValidationError(
            _("Unknown placeholder %(unknown)s. Allowed: %(allowed)s."),
            params={"unknown": ", ".join(unknown), "allowed": allowed},
        )


def normalize_tag(text: str) -> str:
    """One tag as it is stored and searched: NFC, trimmed, lowercase, inner spaces as '-' ('Live  Show' → 'live-show',
    '直播' stays '直播'). The form, the API and the filters all go through this, so they agree."""
    return re.sub(r"\s+", "-", unicodedata.normalize("NFC", text).strip().lower())


def is_valid_tag(tag: str) -> bool:
    """Letters of any script (with their combining marks), digits, '-' and '_'; starting with a letter or digit."""
    if not tag or len(tag) > TAG_MAX_LENGTH or unicodedata.category(tag[0])[0] not in {"L", "N"}:
        return False
    return all(_is_tag_word_char(char) for char in tag)


def _is_tag_word_char(char: str) -> bool:
    return char in "-_" or unicodedata.category(char)[0] in {"L", "M", "N"}


def normalize_tags(raw: str | list[str] | tuple[str, ...]) -> str:
    """'Sports, Live  show,sports, 直播' → 'live-show,sports,直播' (normalize_tag each, deduplicated, sorted)."""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    tags = {normalize_tag(item) for item in items}
    tags.discard("")
    bad = sorted(tag for tag in tags if not is_valid_tag(tag))
    if bad:
        raise ValidationError(
            _(
                "Invalid tag %(tags)s: a tag has up to %(limit)d letters (of any language), digits, '-' or '_', "
                "and starts with a letter or digit; separate tags with commas."
            ),
            params={"tags": ", ".join(bad), "limit": TAG_MAX_LENGTH},
        )
    return ",".join(sorted(tags))


def suggest_stream_name(room_key: str) -> str:
    """A CSS-safe stream name derived from a room key: slugified, other characters replaced by '_'."""
    slug = slugify(re.sub(r"[.:@=+]", "-", room_key))
    slug = re.sub(r"[^A-Za-z0-9_-]", "_", slug).strip("-_")
    return (slug or "room")[:STREAM_NAME_MAX_LENGTH]


def default_push_domain() -> str:
    return settings.CSS_PUSH_DOMAIN


def default_play_domain() -> str:
    return settings.CSS_PLAY_DOMAIN


def default_css_app_name() -> str:
    return settings.CSS_APP_NAME


class ClientAppKind(models.TextChoices):
    APK = "APK", _("Android app (APK)")
    EXE = "EXE", _("Windows app (EXE)")
    WEB = "WEB", _("Web page")


class ConcurrencySpec(models.TextChoices):
    S = "S", _("S (GPU, small)")
    M = "M", _("M (GPU, medium)")
    L = "L", _("L (GPU, large)")
    CPU4 = "CPU4", _("CPU 4 cores")
    CPU8 = "CPU8", _("CPU 8 cores")
    CPU16 = "CPU16", _("CPU 16 cores")


class ClientAppQuerySet(models.QuerySet["ClientApp"]):
    def active(self) -> ClientAppQuerySet:
        return self.filter(is_active=True)

    def listing(self) -> ClientAppQuerySet:
        return self.annotate(room_count=models.Count("rooms")).order_by("name")

    def filtered(self, *, q: str = "", kind: str = "", active: bool | None = None) -> ClientAppQuerySet:
        """The apps page's filters: text in the name, a CAR id or the notes, the kind, active or not."""
        apps: ClientAppQuerySet = self
        if q.strip():
            text = q.strip()
            apps = apps.filter(
                Q(name__icontains=text)
                | Q(car_project_id__icontains=text)
                | Q(car_application_id__icontains=text)
                | Q(notes__icontains=text)
            )
        if kind:
            apps = apps.filter(kind=kind)
        if active is not None:
            apps = apps.filter(is_active=active)
        return apps


class ClientApp(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=3, choices=ClientAppKind.choices)
    car_project_id = models.CharField(
        _("CAR project id"), max_length=36, validators=[car_project_id_validator], help_text="cap-…"
    )
    car_application_id = models.CharField(
        _("CAR application id"),
        max_length=36,
        blank=True,
        validators=[car_application_id_validator],
        help_text=_("app-… (optional; CAR picks the project's app when empty)"),
    )
    car_version_id = models.CharField(
        _("CAR version id"),
        max_length=36,
        blank=True,
        validators=[car_version_id_validator],
        help_text=_("ver-… (optional; the current version when empty)"),
    )
    url = models.CharField(
        "URL",
        max_length=500,
        blank=True,
        validators=[http_url_validator],
        help_text=_("The page a WEB app opens (required for WEB apps)."),
    )
    launch_parameters = models.CharField(
        _("launch parameters"),
        max_length=1000,
        blank=True,
        validators=[validate_launch_template],
        help_text=format_lazy(
            _(
                "Becomes CAR ApplicationParameters, e.g. <code>--room={{room_key}} --stream={{stream_name}}</code>. "
                "Placeholders: {placeholders}. Empty: the room's entry parameters are passed as they are."
            ),
            placeholders=", ".join("{" + p + "}" for p in LAUNCH_PLACEHOLDERS),
        ),
    )
    concurrency_spec = models.CharField(
        _("concurrency spec"), max_length=5, choices=ConcurrencySpec.choices, default=ConcurrencySpec.S
    )
    target_resolution = models.CharField(
        _("target resolution"),
        max_length=9,
        default="1920x1080",
        validators=[resolution_validator],
        help_text=_("WIDTHxHEIGHT"),
    )
    frame_rate = models.PositiveSmallIntegerField(
        _("frame rate"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("frames per second"),
    )
    bitrate_kbps = models.PositiveIntegerField(
        _("bitrate (kbps)"), default=6000, validators=[MinValueValidator(100), MaxValueValidator(50_000)]
    )
    max_recording_minutes = models.PositiveIntegerField(
        _("max recording minutes"),
        default=360,
        validators=[MinValueValidator(1), MaxValueValidator(RECORDING_MINUTES_LIMIT)],
        help_text=_("Hard maximum length of one recording (at most 1440: a CSS record task lasts ≤ 24 h)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientAppQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("client app")
        verbose_name_plural = _("client apps")
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="clientapp_name_not_empty",
                violation_error_message=_("A client app needs a name."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ClientAppKind.WEB) | ~Q(url=""),
                name="clientapp_web_needs_url",
                violation_error_message=_("A WEB app needs the URL of its page."),
            ),
            models.CheckConstraint(
                condition=Q(frame_rate__gte=1, frame_rate__lte=120),
                name="clientapp_frame_rate_range",
                violation_error_message=_("The frame rate is from 1 to 120 frames per second."),
            ),
            models.CheckConstraint(
                condition=Q(bitrate_kbps__gt=0),
                name="clientapp_bitrate_positive",
                violation_error_message=_("The bitrate must be more than 0 kbps."),
            ),
            models.CheckConstraint(
                condition=Q(max_recording_minutes__gte=1, max_recording_minutes__lte=RECORDING_MINUTES_LIMIT),
                name="clientapp_max_minutes_range",
                violation_error_message=_("The maximum recording length is from 1 to 1440 minutes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def get_absolute_url(self) -> str:
        return reverse("recordings:app_detail", args=[self.pk])

    def clean(self) -> None:
        if self.kind == ClientAppKind.WEB and not self.url:
            raise ValidationError({"url": gettext("A WEB app needs the URL of its page.")})


class RoomQuerySet(models.QuerySet["Room"]):
    def active(self) -> RoomQuerySet:
        return self.filter(is_active=True)

    def listing(self) -> RoomQuerySet:
        return self.select_related("client_app").order_by("name", "room_key")

    def with_tag(self, tag: str) -> RoomQuerySet:
        # Tags are stored normalised as "a,b,c", so a tag is a whole comma-separated item.
        tag = normalize_tag(tag)
        return self.filter(
            Q(tags=tag)
            | Q(tags__startswith=f"{tag},")
            | Q(tags__endswith=f",{tag}")
            | Q(tags__contains=f",{tag},")
        )

    def filtered(
        self,
        *,
        q: str = "",
        app: ClientApp | None = None,
        kind: str = "",
        tag: str = "",
        active: bool | None = None,
    ) -> RoomQuerySet:
        """The one room filter, shared by the rooms page (RoomFilterForm) and the rooms API: text in the name,
        key or stream; the client app or its kind; a tag (normalised as stored, so 'Sports' finds 'sports');
        active or not."""
        rooms: RoomQuerySet = self
        if q.strip():
            rooms = rooms.search(q.strip())
        if app is not None:
            rooms = rooms.filter(client_app=app)
        if kind:
            rooms = rooms.filter(client_app__kind=kind)
        if normalize_tag(tag):
            rooms = rooms.with_tag(tag)
        if active is not None:
            rooms = rooms.filter(is_active=active)
        return rooms

    def search(self, text: str) -> RoomQuerySet:
        return self.filter(
            Q(name__icontains=text) | Q(room_key__icontains=text) | Q(stream_name__icontains=text)
        )

    def free_stream_name(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`, … whichever no room uses yet."""
        base = base[:STREAM_NAME_MAX_LENGTH]
        taken = set(self.filter(stream_name__startswith=base[:56]).values_list("stream_name", flat=True))
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            suffix = f"-{n}"
            candidate = base[: STREAM_NAME_MAX_LENGTH - len(suffix)] + suffix
        return candidate

    def all_tags(self) -> list[str]:
        tags: set[str] = set()
        for value in self.exclude(tags="").values_list("tags", flat=True).distinct():
            tags.update(value.split(","))
        return sorted(tags)


class Room(models.Model):
    name = models.CharField(_("name"), max_length=100)
    room_key = models.CharField(
        _("room key"),
        max_length=128,
        unique=True,
        validators=[room_key_validator],
        help_text=_("The id of this room in the business backend."),
    )
    client_app = models.ForeignKey(
        ClientApp, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("client app")
    )
    stream_name = models.CharField(
        _("CSS stream name"),
        max_length=STREAM_NAME_MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[stream_name_validator],
        help_text=_("Letters, digits, '-' and '_'. Leave empty to derive it from the room key."),
    )
    push_domain = models.CharField(
        _("push domain"), max_length=253, default=default_push_domain, validators=[domain_validator]
    )
    play_domain = models.CharField(
        _("play domain"), max_length=253, default=default_play_domain, validators=[domain_validator]
    )
    app_name = models.CharField(
        _("CSS app name"), max_length=32, default=default_css_app_name, validators=[css_app_name_validator]
    )
    entry_parameters = models.CharField(
        _("entry parameters"),
        max_length=1000,
        blank=True,
        help_text=_(
            "What the cloud app needs to enter this room (a token, a seat, …); "
            "the app's launch template can use it as {entry_parameters}."
        ),
    )
    tags = models.CharField(
        _("tags"), max_length=255, blank=True, help_text=_("Comma-separated, e.g. sports, vip.")
    )
    auto_record = models.BooleanField(
        _("auto record"), default=False, help_text=_("Record automatically whenever the anchor is live.")
    )
    max_recording_minutes = models.PositiveIntegerField(
        _("max recording minutes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(RECORDING_MINUTES_LIMIT)],
        help_text=_("Optional: a lower maximum than the app's for this room."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["name", "room_key"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.CheckConstraint(
                condition=~Q(room_key=""),
                name="room_key_not_empty",
                violation_error_message=_("A room needs its room key."),
            ),
            models.CheckConstraint(
                condition=~Q(stream_name=""),
                name="room_stream_name_not_empty",
                violation_error_message=_(
                    "A room needs a CSS stream name: enter one, or a valid room key to derive it from."
                ),
            ),
            models.CheckConstraint(
                condition=Q(max_recording_minutes__isnull=True)
                | Q(max_recording_minutes__gte=1, max_recording_minutes__lte=RECORDING_MINUTES_LIMIT),
                name="room_max_minutes_range",
                violation_error_message=_(
                    "The room's maximum recording length is empty or from 1 to 1440 minutes."
                ),
            ),
        ]
        indexes = [models.Index(fields=["is_active", "client_app"])]

    def __str__(self) -> str:
        return f"{self.name} [{self.room_key}]"

    def get_absolute_url(self) -> str:
        return reverse("recordings:room_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        try:
            self.tags = normalize_tags(self.tags)
        except ValidationError as exc:
            errors["tags"] = exc.messages[0]
        if not self.stream_name and self.room_key:
            self.stream_name = Room.objects.exclude(pk=self.pk).free_stream_name(
                suggest_stream_name(self.room_key)
            )
        app = self._client_app_or_none()
        if app is not None and self.is_active and not app.is_active:
            errors["is_active"] = gettext(
                "The client app “%(name)s” is inactive: activate it first, or pick another app."
            ) % {"name": app.name}
        if (
            app is not None
            and self.max_recording_minutes
            and self.max_recording_minutes > app.max_recording_minutes
        ):
            errors["max_recording_minutes"] = gettext(
                "At most the app's own maximum (%(minutes)d minutes)."
            ) % {"minutes": app.max_recording_minutes}
        if errors:
            raise ValidationError(errors)

    def _client_app_or_none(self) -> ClientApp | None:
        try:
            return self.client_app
        except ClientApp.DoesNotExist:
            return None

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @property
    def effective_max_recording_minutes(self) -> int:
        app_max = self.client_app.max_recording_minutes
        return min(self.max_recording_minutes, app_max) if self.max_recording_minutes else app_max

    def template_values(self) -> dict[str, str]:
        return {
            "room_key": self.room_key,
            "room_name": self.name,
            "stream_name": self.stream_name,
            "entry_parameters": self.entry_parameters,
            "push_domain": self.push_domain,
            "play_domain": self.play_domain,
            "app_name": self.app_name,
        }

    def application_parameters(self) -> str:
        """The CAR ApplicationParameters that make a cloud app instance enter this room."""
        template = self.client_app.launch_parameters
        if not template:
            return self.entry_parameters
        return template.format_map(self.template_values())

    def push_url_preview(self) -> str:
        """The push URL without hotlink-protection parameters (those are signed per push)."""
        return f"rtmp://{self.push_domain}/{self.app_name}/{self.stream_name}"
