  // -- small DOM helpers (text only): every data string becomes text, never HTML. Shared by
  // the view and the query page; lineage.outputs.scripts puts this where a script says
  // "// include: dom.js", inside that script's own closure.
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
