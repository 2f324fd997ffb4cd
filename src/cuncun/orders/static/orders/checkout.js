// The checkout's pickup point, found by township then village: the township list keeps that
// township's points, typing keeps those whose name, village or township contains the text.
(() => {
  const select = document.getElementById("id_pickup_site");
  const township = document.getElementById("pickup-township");
  const search = document.getElementById("pickup-search");
  const groups = Array.from(select.querySelectorAll("optgroup"));
  for (const group of groups) township.add(new Option(group.label, group.label));
  document.getElementById("pickup-finder").hidden = false;
  function narrow() {
    const text = search.value.trim();
    const shown = [];
    for (const group of groups) {
      const inTownship = !township.value || group.label === township.value;
      for (const option of group.children) {
        const show = inTownship && (!text || (group.label + option.text).includes(text));
        option.hidden = !show;
        if (show) shown.push(option);
      }
      group.hidden = !group.querySelector("option:not([hidden])");
    }
    const chosen = select.selectedOptions[0];
    if (shown.length === 1) select.value = shown[0].value;
    else if (chosen && chosen.hidden) select.value = "";
    document.getElementById("pickup-none").hidden = shown.length > 0;
  }
  township.addEventListener("change", narrow);
  search.addEventListener("input", narrow);
})();
