// MathJax 2.7 configuration, read by book-assets/mathjax/MathJax.js, which is loaded right after this file.
// Same delimiters as Jupyter: $...$ and \(...\) inline, $$...$$ and \[...\] displayed, \begin{...} environments.
// Code (pre, code) is never touched. Fonts: the STIX-Web web fonts that come with the site, nothing from outside.
window.MathJax = {
  config: ["TeX-AMS-MML_HTMLorMML-full.js"],
  tex2jax: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  TeX: { equationNumbers: { autoNumber: "AMS", useLabelIds: true } },
  "HTML-CSS": {
    availableFonts: [],
    preferredFont: null,
    webFont: "STIX-Web",
    imageFont: null,
    // MathJax measures text in a font that never loads; its default, url('about:blank'), makes Chromium log
    // a CORS error on every page. A local() font that does not exist is as blank, and asks nothing of anyone.
    styles: { "@font-face": { "font-family": "MathJax_Blank", src: "local('MathJax_Blank_not_installed')" } },
  },
  displayAlign: "center",
  messageStyle: "none",
  showMathMenu: false,
};
