// Buttons marked data-print print the page. A script file, not an onclick attribute: the
// content security policy runs no inline handlers.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
