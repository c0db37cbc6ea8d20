/* Fixes for the book's pages as readers meet them (see book/_ext/reader_site.py for the rest).
 *
 * 1. The theme's search fields are labelled "Search" but show "Search Ctrl+K": their
 *    accessible name now comes from what they show (WCAG 2.5.3, label in name); the colour-mode
 *    button's icons lose the titles that contradicted its label.
 * 2. A click on a link (or any text) in a solution's title no longer reaches
 *    sphinx-togglebutton's title handler, which reads an undeclared global `button`: a link
 *    just follows its target, other text toggles this dropdown and no other.
 * 3. Search: one result per page section (the page title is not listed twice), and snippets
 *    from the article's text, not from its toolbar (".pdf", "Contents").
 */
(function () {
  "use strict";

  function labelSearchFields() {
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
  }

  // The colour-mode button is named "Color mode"; its icons' titles ("Light", "Dark", ...)
  // would become its visible name and contradict the label.
  function untitleModeIcons() {
    document.querySelectorAll(".theme-switch-button [title]").forEach(function (icon) {
      icon.removeAttribute("title");
    });
    document.querySelectorAll(".theme-switch-button svg").forEach(function (svg) {
      if (svg.getAttribute("aria-hidden") === "true" && !svg.querySelector("title")) return;
      svg.querySelectorAll("title").forEach(function (title) { title.remove(); });
      svg.removeAttribute("aria-labelledby");
      svg.removeAttribute("role");
      svg.setAttribute("aria-hidden", "true");
    });
  }

  // Font Awesome replaces the icons by SVGs whenever it gets to them: fix them as they come.
  function watchModeIcons() {
    untitleModeIcons();
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      new MutationObserver(untitleModeIcons).observe(button, { childList: true, subtree: true });
    });
  }

  function guardToggleTitles() {
    document.addEventListener("click", function (event) {
      var title = event.target.closest && event.target.closest(".toggle > .admonition-title");
      if (!title || event.target === title || event.target.closest(".toggle-button")) return;
      event.stopPropagation(); // keep the click from sphinx-togglebutton's title handler
      if (event.target.closest("a")) return; // a link in the title: just follow it
      var button = title.querySelector(".toggle-button");
      if (button) button.click();
    }, true);
  }

  var SNIPPET_NOISE = [".headerlink", "script", "style", ".bd-header-article", ".toggle-button",
    ".prev-next-area", ".bd-sidebar-secondary", ".copybtn", ".bd-footer-article", "#jb-print-toc",
    ".onlyprint"];

  function patchSearch() {
    if (typeof Search === "undefined" || Search.readerSitePatched) return;
    Search.readerSitePatched = true;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      SNIPPET_NOISE.forEach(function (query) {
        doc.querySelectorAll(query).forEach(function (el) { el.remove(); });
      });
      var main = doc.querySelector('[role="main"]');
      if (!main) return "";
      var part = anchor ? main.querySelector(anchor) : null;
      return (part || main).textContent.replace(/\s+/g, " ");
    };
    var search = Search._performSearch;
    Search._performSearch = function () {
      var results = search.apply(Search, arguments);
      // results run from the lowest score to the highest: keep the best of each target
      var seen = new Set();
      var kept = [];
      for (var i = results.length - 1; i >= 0; i--) {
        var key = results[i][0] + results[i][2];
        if (!seen.has(key)) {
          seen.add(key);
          kept.push(results[i]);
        }
      }
      return kept.reverse();
    };
  }

  patchSearch();
  guardToggleTitles();
  document.addEventListener("DOMContentLoaded", function () {
    labelSearchFields();
    watchModeIcons();
    patchSearch();
  });
  window.addEventListener("load", untitleModeIcons);
})();
