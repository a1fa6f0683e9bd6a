// The weekly opening-hours editor (/admin/branches/<slug>/hours): without this the form
// still works, its "add a range" and "remove" buttons posting it back; with it they act
// at once, and a day marked closed hides its ranges. The server checks everything.
(function () {
  "use strict";
  const form = document.querySelector("[data-week]");
  if (!form) return;
  form.classList.add("js-week");

  function field(day, index, end, label, value) {
    const key = "day-" + day + "-" + index + "-" + end;
    const box = document.createElement("div");
    box.className = "field week-time";
    const lab = document.createElement("label");
    lab.className = "label";
    lab.htmlFor = key;
    lab.textContent = label;
    const input = document.createElement("input");
    Object.assign(input, {className: "input", type: "time", step: 60, id: key, name: key, value: value || ""});
    input.placeholder = "09:00";
    box.append(lab, input);
    return box;
  }

  function addRange(fieldset, opens, closes) {
    const day = fieldset.dataset.day;
    const list = fieldset.querySelector("[data-ranges]");
    const taken = [...list.querySelectorAll("[data-range]")].map((row) => Number(row.dataset.range));
    const index = taken.length ? Math.max(...taken) + 1 : 0;
    const row = document.createElement("div");
    row.className = "week-range";
    row.dataset.range = index;
    const remove = document.createElement("button");
    Object.assign(remove, {type: "submit", name: "remove", value: day + "-" + index,
                           className: "btn btn-quiet btn-small week-remove", textContent: form.dataset.removeLabel});
    remove.setAttribute("aria-label", form.dataset.removeLabel + " (" + fieldset.querySelector("legend").textContent + ")");
    row.append(field(day, index, "opens", form.dataset.opensLabel, opens),
               field(day, index, "closes", form.dataset.closesLabel, closes), remove);
    list.append(row);
    row.querySelector("input").focus();
  }

  function showOpen(fieldset) {
    const open = fieldset.querySelector(".week-open input").checked;
    fieldset.classList.toggle("is-closed", !open);
    fieldset.querySelectorAll("[data-ranges] input").forEach((input) => { input.disabled = !open; });
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const fieldset = button.closest("[data-day]");
    if (button.classList.contains("week-add")) {
      event.preventDefault();
      addRange(fieldset, "", "");
    } else if (button.classList.contains("week-remove")) {
      event.preventDefault();
      button.closest("[data-range]").remove();
      fieldset.querySelector(".week-add").focus();
    }
  });
  form.addEventListener("change", (event) => {
    if (!event.target.matches(".week-open input")) return;
    const fieldset = event.target.closest("[data-day]");
    if (event.target.checked && !fieldset.querySelector("[data-range]")) addRange(fieldset, "09:00", "17:00");
    showOpen(fieldset);
  });
  form.querySelectorAll("[data-day]").forEach(showOpen);
})();
