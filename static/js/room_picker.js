// Room pickers of the filter forms: a text field for a room key whose suggestions come from the room search
// endpoint as the user types (instead of a <select> listing every room). Without this file the field still
// takes a room key typed in full.
(() => {
  const DELAY_MS = 200;
  const timers = new WeakMap();
  const controllers = new WeakMap();

  async function suggest(input) {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    controllers.get(input)?.abort();
    const controller = new AbortController();
    controllers.set(input, controller);
    const url = new URL(input.dataset.roomPicker, window.location.origin);
    url.searchParams.set("q", input.value.trim());
    let rooms;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, signal: controller.signal });
      if (!response.ok) return;
      rooms = (await response.json()).results;
    } catch {
      return; // aborted by a newer keystroke, or offline: keep the suggestions shown
    }
    list.replaceChildren(
      ...rooms.map((room) => {
        const option = document.createElement("option");
        option.value = room.room_key;
        option.textContent = `${room.name} · ${room.app}`;
        return option;
      }),
    );
  }

  document.addEventListener("input", (event) => {
    const input = event.target.closest?.("input[data-room-picker]");
    if (!input) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => suggest(input), DELAY_MS));
  });
  document.addEventListener("focusin", (event) => {
    const input = event.target.closest?.("input[data-room-picker]");
    const list = input && document.getElementById(input.getAttribute("list"));
    if (list && !list.children.length) suggest(input);
  });
})();
