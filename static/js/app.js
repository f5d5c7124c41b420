// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Show the KRS field only for legal forms entered in the National Court Register.
  function setUpKrs() {
    var select = document.querySelector("select[data-krs-forms]");
    var field = document.querySelector(".js-krs-field");
    if (!select || !field) return;
    var forms = select.getAttribute("data-krs-forms").split(" ");
    var input = field.querySelector("input");
    function update() {
      var needsKrs = !select.value || forms.indexOf(select.value) !== -1;
      // A KRS number already typed stays visible, so its error message can be seen.
      field.hidden = !needsKrs && !(input && input.value);
    }
    select.addEventListener("change", update);
    update();
  }

  // "Add another representative": copies the empty form Django renders in a <template>.
  function setUpFormsets() {
    document.querySelectorAll("[data-formset-add]").forEach(function (button) {
      var prefix = button.getAttribute("data-formset-add");
      var container = document.querySelector('[data-formset="' + prefix + '"]');
      var template = document.getElementById(prefix + "-empty");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      if (!container || !template || !total) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        container.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        var first = container.lastElementChild.querySelector("input:not([type=hidden])");
        if (first) first.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpKrs();
    setUpFormsets();
  });
})();
