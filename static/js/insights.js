// Insights pages: read-aloud buttons on the pupils' survey, the report's print button.
// Everything works without this file; it only adds conveniences where the browser has them.
(function () {
  "use strict";

  // Read a statement and its choices aloud with the browser's own speech (nothing leaves the
  // tablet). Buttons stay hidden where speech is not available.
  function setUpReadAloud() {
    if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") return;
    document.querySelectorAll("[data-read]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        const target = document.getElementById(button.getAttribute("data-read"));
        if (!target) return;
        let words = [];
        const group = target.closest("fieldset");
        if (group) {
          const legend = group.querySelector("legend");
          if (legend) words.push(legend.textContent.trim());
          group.querySelectorAll(".face-words").forEach(function (choice) {
            words.push(choice.textContent.trim());
          });
        } else {
          words.push(target.textContent.trim());
        }
        window.speechSynthesis.cancel();
        const utterance = new SpeechSynthesisUtterance(words.join(". "));
        utterance.lang = "en-GB";
        utterance.rate = 0.9;
        window.speechSynthesis.speak(utterance);
      });
    });
  }

  function setUpPrint() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        // Charts' tables print open, so the figures are on paper too.
        document.querySelectorAll("details.chart-table").forEach(function (d) {
          d.open = true;
        });
        window.print();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpReadAloud();
    setUpPrint();
  });
})();
