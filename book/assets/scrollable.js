// A region that scrolls sideways takes the keyboard focus (tabindex=0), so that it can be scrolled without a
// mouse (WCAG 2.1.1; axe-core's scrollable-region-focusable). For the wrappers the theme puts around tables as
// a page loads, and any code or output too wide for its box; looked at again when the window changes size.
// (hooks.py already marks the printed tables drawn with box characters, which always scroll.)
(function () {
  const SELECTOR = ".md-typeset__scrollwrap, .md-typeset pre, .md-typeset pre > code, .jupyter-wrapper pre";
  function mark() {
    for (const region of document.querySelectorAll(SELECTOR)) {
      const scrolls = region.scrollWidth > region.clientWidth + 1 || region.scrollHeight > region.clientHeight + 1;
      if (scrolls && !region.hasAttribute("tabindex")) {
        region.setAttribute("tabindex", "0");
        region.dataset.bookScrolls = "";
      } else if (!scrolls && "bookScrolls" in region.dataset) {
        region.removeAttribute("tabindex");
        delete region.dataset.bookScrolls;
      }
    }
  }
  window.addEventListener("load", mark);
  window.addEventListener("resize", mark);
})();
