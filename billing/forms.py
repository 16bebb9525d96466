"""Forms shared by the what-if calculator page and the estimates API (same inputs, same errors)."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import formset_factory
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from billing.documents import Path, dotted, leaves, with_leaf
from billing.estimator import EstimateInput, PlannedRecording, Prices, PricesError
from billing.estimator.inputs import FORMATS, STORAGE_TARGETS, policy_problems
from billing.estimator.prices import CAR_REGIONS, COS_CLASSES, CSS_REGIONS, SPECS, VOD_CLASSES
from billing.estimator.timeline import BILLING_TZ
from billing.list_prices import LIST_PRICES_2024
from billing.models import Budget
from billing.policy import StoragePlan
from billing.regions import REGION_LABELS
from dashboard.params import MomentField
from dashboard.timezones import zone_description, zone_label
from recordings.models import ClientApp

MAX_RECORDINGS = 200
MAX_DURATION_MINUTES = 24 * 60  # a CSS record task lasts at most 24 hours
CSS_REGION_LABELS = {key: REGION_LABELS[key] for key in CSS_REGIONS}
COS_REGIONS = tuple(LIST_PRICES_2024["cos_storage_usd_per_gb_month"]["STANDARD"])


def _choices(values: tuple[str, ...], labels: dict[str, Any] | None = None) -> list[tuple[str, Any]]:
    labels = REGION_LABELS if labels is None else labels
    return [(v, labels.get(v, v.replace("-", " ").title() if v.islower() else v)) for v in values]


class MonthField(forms.CharField):
    """A month written YYYY-MM (what <input type=month> sends), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:  # date() has no year 0
            raise forms.ValidationError(gettext("Write the month as YYYY-MM, e.g. 2026-12."))
        return date(int(match[1]), int(match[2]), 1)

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class PlanForm(forms.Form):
    month = MonthField(label=pgettext_lazy("billing", "Month"))
    car_region = forms.ChoiceField(label=_("CAR region"), choices=_choices(CAR_REGIONS))
    css_region = forms.ChoiceField(label=_("CSS region"), choices=_choices(CSS_REGIONS, CSS_REGION_LABELS))
    vod_area = forms.ChoiceField(
        label=_("VOD storage area"),
        choices=[("outside", REGION_LABELS["outside"]), ("mainland", REGION_LABELS["mainland"])],
    )
    cos_region = forms.ChoiceField(label=_("COS region"), choices=_choices(COS_REGIONS))
    downstream_gb_per_day = forms.DecimalField(
        label=_("Playback GB per day"),
        min_value=Decimal(0),
        max_value=Decimal(10_000_000),
        decimal_places=6,
        help_text=_("Expected downstream (viewer) traffic per day."),
    )

    def to_input(self, recordings: list[PlannedRecording]) -> EstimateInput:
        data = self.cleaned_data
        return EstimateInput(
            month=data["month"],
            car_region=data["car_region"],
            css_region=data["css_region"],
            vod_area=data["vod_area"],
            cos_region=data["cos_region"],
            downstream_gb_per_day=data["downstream_gb_per_day"],
            recordings=tuple(recordings),
        )


POLICY_MOVES = (
    ("standard_ia_after_days", "STANDARD_IA"),
    ("archive_after_days", "ARCHIVE"),
    ("deep_archive_after_days", "DEEP_ARCHIVE"),
)


# The estimator (framework-free) words its policy rules in English; the calculator shows them in the user's language.
POLICY_PROBLEMS = {
    "each move must come at least a day later than the one before": _(
        "each move must come at least a day later than the one before"
    ),
    "each move must go to a colder class": _("each move must go to a colder class"),
    "a move must come before the file is deleted": _("a move must come before the file is deleted"),
}


def _policy_days(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=3650, help_text=help_text)


class RecordingForm(forms.Form):
    start = MomentField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Without an offset, the console's time zone."),
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=MAX_DURATION_MINUTES)
    spec = forms.ChoiceField(label=pgettext_lazy("CAR", "Spec"), choices=_choices(SPECS))
    push_mbps = forms.DecimalField(
        label=_("Push Mbps"),
        min_value=Decimal("0.1"),
        max_value=Decimal(200),
        decimal_places=3,
        initial=Decimal(8),
    )
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        choices=_choices(FORMATS, {f: f.upper() for f in FORMATS}),
        widget=forms.CheckboxSelectMultiple,
    )
    storage = forms.ChoiceField(
        label=pgettext_lazy("billing component", "Storage"),
        choices=_choices(STORAGE_TARGETS, {"vod": "VOD", "cos": "COS"}),
    )
    storage_class = forms.ChoiceField(
        label=pgettext_lazy("storage class", "Class"), choices=_choices(VOD_CLASSES)
    )
    # The retention policy the files will live under (the app's or room's policy, where the estimate is for one).
    standard_ia_after_days = _policy_days(_("IA after days"))
    archive_after_days = _policy_days(_("Archive after days"))
    deep_archive_after_days = _policy_days(_("Deep archive after days"))
    retention_days = _policy_days(
        _("Delete after days"), _("Empty: kept forever (its first year is priced).")
    )
    playback_gb = forms.DecimalField(
        label=_("Playback GB"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(10_000_000),
        decimal_places=3,
        help_text=_("Expected playback of the recording's files (VOD CDN traffic or COS egress)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A value without an offset is read in the active zone (the user's, else the console's): say which.
        start = self.fields["start"]
        start.label = gettext("Start (%(zone)s)") % {"zone": zone_label()}
        start.help_text = gettext("In %(zone)s unless it carries an offset.") % {"zone": zone_description()}

    def clean_formats(self) -> list[str]:
        formats: list[str] = self.cleaned_data["formats"]
        if len(set(formats)) != len(formats):
            raise forms.ValidationError(gettext("Name each format once."))
        return formats

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("storage") == "cos" and data.get("storage_class") not in (None, *COS_CLASSES):
            self.add_error(
                "storage_class",
                gettext("COS stores recordings as %(classes)s.") % {"classes": " / ".join(COS_CLASSES)},
            )
        # The estimator's own rules (colder each time, later each time, before the deletion), each problem on
        # the field of the first move that breaks them.
        given: list[tuple[int, str]] = []
        for name, storage_class in POLICY_MOVES:
            if data.get(name) is None or name in self.errors:
                continue
            given.append((data[name], storage_class))
            problems = policy_problems(
                data.get("storage_class") or "STANDARD", data.get("retention_days"), tuple(given)
            )
            if problems:
                problem = problems["transitions"]
                self.add_error(name, str(POLICY_PROBLEMS.get(problem, problem)))
                break
        return data

    def transitions(self) -> tuple[tuple[int, str], ...]:
        data = self.cleaned_data
        return tuple((data[name], cls) for name, cls in POLICY_MOVES if data.get(name) is not None)

    def to_planned(self) -> PlannedRecording:
        data = self.cleaned_data
        return PlannedRecording(
            start=data["start"],
            duration=timedelta(minutes=data["duration_minutes"]),
            spec=data["spec"],
            push_mbps=data["push_mbps"],
            formats=tuple(data["formats"]),
            storage=data["storage"],
            storage_class=data["storage_class"],
            retention_days=data.get("retention_days"),
            transitions=self.transitions(),
            playback_gb=data.get("playback_gb") or Decimal(0),
        )


RecordingFormSet = formset_factory(
    RecordingForm, extra=0, min_num=0, max_num=MAX_RECORDINGS, validate_max=True, absolute_max=MAX_RECORDINGS
)


def default_recording(month: date, storage: StoragePlan | None = None) -> dict[str, Any]:
    """A new calculator row: a two-hour evening recording on the month's first day, its files under `storage`
    (an app's or room's retention policy), else kept 30 days."""
    storage = storage or StoragePlan(retention_days=30, transitions=())
    return {
        "start": datetime.combine(month, time(20, 0), tzinfo=BILLING_TZ).astimezone(
            timezone.get_current_timezone()
        ),
        "duration_minutes": 120,
        "spec": "S",
        "push_mbps": Decimal(8),
        "formats": ["mp4", "hls"],
        "storage": "vod",
        "storage_class": "STANDARD",
        "standard_ia_after_days": storage.standard_ia_after_days or "",
        "archive_after_days": storage.archive_after_days or "",
        "deep_archive_after_days": storage.deep_archive_after_days or "",
        "retention_days": "" if storage.retention_days is None else storage.retention_days,
        "playback_gb": Decimal(0),
    }


def default_plan(today: date) -> dict[str, Any]:
    return {
        "month": today.replace(day=1),
        "car_region": "singapore",
        "css_region": "AP1",
        "vod_area": "outside",
        "cos_region": "singapore",
        "downstream_gb_per_day": Decimal(40),
    }


def flag_recordings_outside_month(plan: EstimateInput, forms_: list[RecordingForm]) -> bool:
    """Add an error to every recording that does not overlap the plan's month; True when none does."""
    ok = True
    for form in forms_:
        start, minutes = form.cleaned_data["start"], form.cleaned_data["duration_minutes"]
        if start + timedelta(minutes=minutes) <= plan.starts_at or start >= plan.ends_at:
            form.add_error(
                "start",
                gettext("Outside %(month)s (billing days are UTC+8 days).")
                % {"month": f"{plan.month:%Y-%m}"},
            )
            ok = False
    return ok


class EstimateRequestForm:
    """The API's JSON body: the plan fields plus `recordings`, a list of recording objects.

    Errors are keyed by field, recordings' as `recordings[i].field`, so the 400 names exactly what is wrong.
    """

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.errors: dict[str, list[str]] = {}
        self.plan: EstimateInput | None = None

    def is_valid(self) -> bool:
        plan_form = PlanForm({k: v for k, v in self.body.items() if k != "recordings"})
        plan_ok = plan_form.is_valid()
        self.errors.update({k: [str(e) for e in v] for k, v in plan_form.errors.items()})
        raw = self.body.get("recordings", [])
        if not isinstance(raw, list):
            self.errors["recordings"] = [gettext("Send a list of recordings.")]
            return False
        if len(raw) > MAX_RECORDINGS:
            self.errors["recordings"] = [
                gettext("At most %(count)s recordings per estimate.") % {"count": MAX_RECORDINGS}
            ]
            return False
        forms_: list[RecordingForm] = []
        for index, item in enumerate(raw):
            if not isinstance(item, dict):
                self.errors[f"recordings[{index}]"] = [gettext("Each recording must be an object.")]
                continue
            form = RecordingForm(_recording_data(item))
            forms_.append(form)
            for name, errors in form.errors.items():
                self.errors[f"recordings[{index}].{name}"] = [str(e) for e in errors]
        if self.errors or not plan_ok:
            return False
        plan = plan_form.to_input([form.to_planned() for form in forms_])
        if not flag_recordings_outside_month(plan, forms_):
            for index, form in enumerate(forms_):
                for name, errors in form.errors.items():
                    self.errors[f"recordings[{index}].{name}"] = [str(e) for e in errors]
            return False
        self.plan = plan
        return True


def _recording_data(item: dict[str, Any]) -> dict[str, Any]:
    # API defaults match the issue: 8 Mbps, MP4, VOD STANDARD for 30 days, spec S.
    defaults = {
        "spec": "S",
        "push_mbps": "8",
        "formats": ["mp4"],
        "storage": "vod",
        "storage_class": "STANDARD",
        "retention_days": 30,
    }
    data = {**defaults, **item}
    for name in ("retention_days", "standard_ia_after_days", "archive_after_days", "deep_archive_after_days"):
        if data.get(name) is None:
            data[name] = ""  # null: the form's empty value (kept forever, or no move)
    if isinstance(data.get("formats"), str):
        data["formats"] = [data["formats"]]
    return data


PRICE_SECTIONS = {
    "car_packs": _("CAR concurrency packs (USD per concurrency)"),
    "css_downstream_tiers": _("CSS traffic tiers (USD per GB; bounds in GB of the month's traffic)"),
    "push_rule": _("Push (upstream) fee rule"),
    "recording": _("Recording (USD)"),
    "vod_storage": _("VOD storage (USD per GB-day)"),
    "cos_storage_usd_per_gb_month": _("COS storage (USD per GB-month)"),
    "mps_usd_per_minute": _("MPS (USD per minute)"),
    "playback_usd_per_gb": _(
        "Playback of recorded files (USD per GB: VOD CDN traffic by area, COS egress by region)"
    ),
}
# The words of a price's path in the document (regions come from REGION_LABELS; classes, specs and product
# abbreviations stay as written). Empty: a path part the section title already says.
PRICE_PATH_WORDS = {
    "usd_per_gb": "USD/GB",
    "up_to_gb": _("up to GB"),
    "usd_per_gb_day": "",
    "monthly": pgettext_lazy("car pack", "monthly"),
    "daily": pgettext_lazy("car pack", "daily"),
    "max_ratio": _("maximum downstream : upstream ratio"),
    "min_peak_mbps": _("minimum peak Mbps"),
    "usd_per_channel_month": _("per channel-month"),
    "cos_usd_per_channel_minute": _("to COS, per channel-minute"),
    "minimum_days": _("minimum days"),
    "recognition": _("recognition"),
    "moderation": _("moderation"),
    "vod": "VOD",
    "cos": "COS",
}


def _price_label(path: Path) -> str:
    words = []
    for part in path[1:]:
        if isinstance(part, int):
            words.append(gettext("tier %(number)s") % {"number": part + 1})
        else:
            words.append(str(PRICE_PATH_WORDS.get(part, REGION_LABELS.get(part, part))))
    return " ".join(w.replace("_", " ") for w in words if w)


class PriceBookForm(forms.Form):
    """A new price-book version: every price of the base book as its own field, pre-filled.

    The document's shape (regions, classes, tiers) is the base book's; only the numbers are edited, and the
    result is validated as a whole by `Prices.from_document`.
    """

    name = forms.CharField(label=pgettext_lazy("price book", "Name"), max_length=120)
    effective_from = forms.DateField(
        label=pgettext_lazy("price book", "Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=pgettext_lazy("price book", "Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, base_prices: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The typed round trip puts regions, specs and classes in their canonical order (JSON columns don't keep it).
        self.base_prices = Prices.from_document(base_prices).to_document()
        self.price_paths: dict[str, Path] = {}
        for path, value in leaves(self.base_prices):
            if value is None:  # the open-ended top tier has no bound to edit
                continue
            name = "price-" + re.sub(r"[^A-Za-z0-9_]+", "-", dotted(path))
            self.price_paths[name] = path
            field: forms.Field
            if path[-1] == "minimum_days":
                field = forms.IntegerField(min_value=0, initial=value)
            else:
                field = forms.DecimalField(min_value=Decimal(0), max_digits=20, initial=Decimal(str(value)))
            field.label = _price_label(path)
            field.widget.attrs["step"] = "any"
            self.fields[name] = field

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        grouped: dict[str, list[forms.BoundField]] = {}
        for name, path in self.price_paths.items():
            grouped.setdefault(str(path[0]), []).append(self[name])
        return [(str(PRICE_SECTIONS.get(key, key)), fields) for key, fields in grouped.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        document = copy.deepcopy(self.base_prices)
        for name, path in self.price_paths.items():
            if data.get(name) is None:
                return data  # that field's own error is shown
            value = data[name]
            with_leaf(document, path, value if isinstance(value, int) else str(value))
        try:
            data["prices"] = Prices.from_document(document).to_document()
        except PricesError as exc:
            raise forms.ValidationError(exc.errors) from exc
        return data


class BudgetForm(forms.ModelForm):
    month = MonthField(
        label=pgettext_lazy("billing", "Month"),
        required=False,
        help_text=_("YYYY-MM; leave empty for a budget that applies every month."),
    )

    class Meta:
        model = Budget
        fields = ["app", "month", "amount_usd", "warning_percent", "block_manual_starts"]
        widgets = {"warning_percent": forms.NumberInput(attrs={"min": 1, "max": 99})}
        help_texts = {
            # xgettext:no-python-format
            "warning_percent": _("Alert at this % of the limit (the limit itself alerts at 100%).")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["app"].queryset = ClientApp.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["amount_usd"].min_value = Decimal("0.01")  # type: ignore[attr-defined]
        self.fields["amount_usd"].validators.append(MinValueValidator(Decimal("0.01")))
        self.fields["warning_percent"].validators += [MinValueValidator(1), MaxValueValidator(99)]
