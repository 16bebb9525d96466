"""Catalog pages: list, detail, create, edit, deactivate and delete client apps and rooms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from dashboard.access import Capability, current_user, has_capability, requires
from dashboard.listing import paginate, render_list
from dashboard.models import AuditEntry
from dashboard.params import ascii_int
from recordings import estimates
from recordings.catalog import services
from recordings.catalog.forms import (
    VALIDATE_PARAM,
    AppFilterForm,
    ClientAppForm,
    RoomFilterForm,
    RoomForm,
)
from recordings.models import ClientApp, Room

HISTORY_LENGTH = 10
APP_DETAIL_ROOMS = 50  # the rest are one click away on the filtered room list


def field_response(request: HttpRequest, form: ClientAppForm | RoomForm) -> HttpResponse | None:
    """The answer to an htmx inline-validation post: the one field re-rendered with its errors, or None."""
    name = request.POST.get(VALIDATE_PARAM) if request.htmx else None  # type: ignore[attr-defined]
    if not name or name not in form.fields:
        return None
    form.is_valid()
    context: dict[str, Any] = {"field": form[name]}
    if isinstance(form, RoomForm) and name == "room_key":
        context["stream_suggestion"] = form.stream_name_suggestion()
        context["show_suggestion"] = not form.instance.pk
    return render(request, "recordings/catalog/field_validation.html", context)


def save_form(
    request: HttpRequest,
    form: ClientAppForm | RoomForm,
    save: Callable[[dict[str, Any]], ClientApp | Room],
    success: str,
) -> HttpResponse | None:
    """Run the service `save(data)` for a valid form; None (form keeps its errors) when it is refused."""
    if not form.is_valid():
        return None
    try:
        obj = save(form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return None
    messages.success(request, success % {"name": getattr(obj, "name", obj)})
    return redirect(obj)


def form_page(
    request: HttpRequest,
    form: ClientAppForm | RoomForm,
    *,
    save: Callable[[dict[str, Any]], ClientApp | Room],
    success: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A create or edit page: inline validation, the service on a valid POST, else the form (with its errors)."""
    form.enable_inline_validation(request.path)
    if request.method == "POST":
        response = field_response(request, form) or save_form(request, form, save, success)
        if response:
            return response
    return render(request, template, {"form": form, **context})


def history(obj: ClientApp | Room) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_object(obj).order_by("-at", "-id")[:HISTORY_LENGTH])


@requires(Capability.VIEW_CATALOG)
def app_list(request: HttpRequest) -> HttpResponse:
    form = AppFilterForm(request.GET or None)
    apps = form.filter(ClientApp.objects.listing())
    filtered = form.is_bound and form.is_valid()
    return render_list(
        request,
        "recordings/catalog/app_list.html",
        {
            "form": form,
            "page": paginate(request, apps),
            "filtered": filtered,
            "can_manage": has_capability(request.user, Capability.MANAGE_CATALOG),
        },
    )


@requires(Capability.VIEW_CATALOG)
def app_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(ClientApp, pk=pk)
    rooms = app.rooms.order_by("-is_active", "name", "room_key")
    return render(
        request,
        "recordings/catalog/app_detail.html",
        {
            "app": app,
            "rooms": rooms[:APP_DETAIL_ROOMS],
            "room_count": rooms.count(),
            "history": history(app),
            "can_manage": has_capability(request.user, Capability.MANAGE_CATALOG),
            "budget": (
                estimates.app_budget_status(app=app)
                if has_capability(request.user, Capability.VIEW_COSTS)
                else None
            ),
        },
    )


@requires(Capability.MANAGE_CATALOG)
def app_create(request: HttpRequest) -> HttpResponse:
    form = ClientAppForm(request.POST or None)
    return form_page(
        request,
        form,
        save=lambda data: services.client_app_create(data=data, actor=current_user(request)),
        success=gettext("Client app “%(name)s” created."),
        template="recordings/catalog/app_form.html",
        context={"app": None},
    )


@requires(Capability.MANAGE_CATALOG)
def app_edit(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(ClientApp, pk=pk)
    form = ClientAppForm(request.POST or None, instance=app)
    return form_page(
        request,
        form,
        save=lambda data: services.client_app_update(app=app, data=data, actor=current_user(request)),
        success=gettext("Client app “%(name)s” saved."),
        template="recordings/catalog/app_form.html",
        context={"app": app},
    )


@requires(Capability.MANAGE_CATALOG)
def app_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(ClientApp, pk=pk)
    if request.method == "POST":
        was_active = app.is_active
        rooms = services.client_app_deactivate(app=app, actor=current_user(request))
        if not was_active and not rooms:
            messages.info(
                request, gettext("Client app “%(name)s” was already inactive.") % {"name": app.name}
            )
            return redirect(app)
        if rooms:
            done = ngettext(
                "Client app “%(name)s” deactivated along with %(count)d room.",
                "Client app “%(name)s” deactivated along with %(count)d rooms.",
                len(rooms),
            ) % {"name": app.name, "count": len(rooms)}
        else:
            done = gettext("Client app “%(name)s” deactivated.") % {"name": app.name}
        messages.success(request, done)
        return redirect(app.get_absolute_url())
    active_rooms = list(app.rooms.active().order_by("name"))
    consequences = [gettext("It can no longer be chosen for new rooms or recordings.")]
    if active_rooms:
        consequences.append(
            ngettext(
                "Its %(count)d active room will be deactivated too: %(rooms)s.",
                "Its %(count)d active rooms will be deactivated too: %(rooms)s.",
                len(active_rooms),
            )
            % {"count": len(active_rooms), "rooms": ", ".join(room.name for room in active_rooms)}
        )
    consequences.append(gettext("You can activate it again later from its edit page."))
    return render(
        request,
        "recordings/catalog/confirm.html",
        {
            "object": app,
            "title": gettext("Deactivate “%(name)s”?") % {"name": app.name},
            "consequences": consequences,
            "button": gettext("Deactivate"),
            "cancel_url": app.get_absolute_url(),
            "already": ""
            if app.is_active or active_rooms
            else gettext("This client app is already inactive."),
        },
    )


@requires(Capability.MANAGE_CATALOG)
def app_delete(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(ClientApp, pk=pk)
    if request.method == "POST":
        try:
            services.client_app_delete(app=app, actor=current_user(request))
        except services.CatalogRefused as exc:
            messages.error(request, str(exc))
            return redirect(app.get_absolute_url())
        messages.success(request, gettext("Client app “%(name)s” deleted.") % {"name": app.name})
        return redirect("recordings:app_list")
    return render(
        request,
        "recordings/catalog/confirm.html",
        {
            "object": app,
            "title": gettext("Delete “%(name)s”?") % {"name": app.name},
            "consequences": [
                gettext("The client app is removed for good. The audit log keeps a copy of its settings.")
            ],
            "button": gettext("Delete"),
            "danger": True,
            "blocked": services.deletion_refusal(app),
            "deactivate_url": reverse("recordings:app_deactivate", args=[app.pk]) if app.is_active else "",
            "cancel_url": app.get_absolute_url(),
        },
    )


@requires(Capability.VIEW_CATALOG)
def room_list(request: HttpRequest) -> HttpResponse:
    form = RoomFilterForm(request.GET or None)
    rooms = form.filter(Room.objects.listing())
    filtered = form.is_bound and form.is_valid()
    return render_list(
        request,
        "recordings/catalog/room_list.html",
        {
            "form": form,
            "page": paginate(request, rooms),
            "filtered": filtered,
            "can_manage": has_capability(request.user, Capability.MANAGE_CATALOG),
        },
    )


ROOM_SEARCH_RESULTS = 20
ROOM_SEARCH_MAX_LENGTH = 100


@requires(Capability.VIEW_CATALOG)
def room_search(request: HttpRequest) -> JsonResponse:
    """The room pickers' suggestions: rooms whose name, key or stream contains `q` (the first ones by name when
    it is empty), at most ROOM_SEARCH_RESULTS. 400 for a text no room could contain."""
    text = request.GET.get("q", "").strip()
    if len(text) > ROOM_SEARCH_MAX_LENGTH or any(ord(char) < 32 for char in text):
        return JsonResponse(
            {
                "error": gettext("Search with up to %(limit)d printable characters.")
                % {"limit": ROOM_SEARCH_MAX_LENGTH}
            },
            status=400,
        )
    rooms = Room.objects.filtered(q=text).order_by("-is_active", "name", "room_key")
    rows = rooms.values_list("room_key", "name", "client_app__name")[:ROOM_SEARCH_RESULTS]
    return JsonResponse({"results": [{"room_key": key, "name": name, "app": app} for key, name, app in rows]})


@requires(Capability.VIEW_CATALOG)
def room_detail(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=pk)
    return render(
        request,
        "recordings/catalog/room_detail.html",
        {
            "room": room,
            "history": history(room),
            "can_manage": has_capability(request.user, Capability.MANAGE_CATALOG),
        },
    )


@requires(Capability.MANAGE_CATALOG)
def room_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    preselected = ascii_int(request.GET.get("app"))  # "Add a room" from an app's page preselects that app
    if preselected is not None:
        initial["client_app"] = preselected
    form = RoomForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        save=lambda data: services.room_create(data=data, actor=current_user(request)),
        success=gettext("Room “%(name)s” created."),
        template="recordings/catalog/room_form.html",
        context={"room": None},
    )


@requires(Capability.MANAGE_CATALOG)
def room_edit(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=pk)
    form = RoomForm(request.POST or None, instance=room)
    return form_page(
        request,
        form,
        save=lambda data: services.room_update(room=room, data=data, actor=current_user(request)),
        success=gettext("Room “%(name)s” saved."),
        template="recordings/catalog/room_form.html",
        context={"room": room},
    )


@requires(Capability.MANAGE_CATALOG)
def room_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=pk)
    if request.method == "POST":
        if room.is_active:
            services.room_deactivate(room=room, actor=current_user(request))
            messages.success(request, gettext("Room “%(name)s” deactivated.") % {"name": room.name})
        else:
            messages.info(request, gettext("Room “%(name)s” was already inactive.") % {"name": room.name})
        return redirect(room.get_absolute_url())
    return render(
        request,
        "recordings/catalog/confirm.html",
        {
            "object": room,
            "title": gettext("Deactivate “%(name)s”?") % {"name": room.name},
            "consequences": [
                gettext("It can no longer be recorded, and automatic recording stops applying to it."),
                gettext(
                    "The business backend still finds it by its key; you can activate it again from its edit page."
                ),
            ],
            "button": gettext("Deactivate"),
            "cancel_url": room.get_absolute_url(),
            "already": "" if room.is_active else gettext("This room is already inactive."),
        },
    )


@requires(Capability.MANAGE_CATALOG)
def room_delete(request: HttpRequest, pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("client_app"), pk=pk)
    if request.method == "POST":
        try:
            services.room_delete(room=room, actor=current_user(request))
        except services.CatalogRefused as exc:
            messages.error(request, str(exc))
            return redirect(room.get_absolute_url())
        messages.success(request, gettext("Room “%(name)s” deleted.") % {"name": room.name})
        return redirect("recordings:room_list")
    return render(
        request,
        "recordings/catalog/confirm.html",
        {
            "object": room,
            "title": gettext("Delete “%(name)s”?") % {"name": room.name},
            "consequences": [
                gettext("The room is removed for good; the business backend can no longer use its key."),
                gettext("The audit log keeps a copy of its settings."),
            ],
            "button": gettext("Delete"),
            "danger": True,
            "blocked": services.deletion_refusal(room),
            "deactivate_url": reverse("recordings:room_deactivate", args=[room.pk]) if room.is_active else "",
            "cancel_url": room.get_absolute_url(),
        },
    )
