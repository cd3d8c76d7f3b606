
"use strict";
(function () {
  // Without JavaScript the report is complete: these only add sorting and
  // filtering to the persons table and a copy button to the remediation list.
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function cellText(row, col) {
    var cell = row.cells[col];
    return cell ? cell.textContent.trim() : "";
  }

  function makeSortable(table) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var headers = table.querySelectorAll("th[data-col]");
    Array.prototype.forEach.call(headers, function (th) {
      var col = Number(th.getAttribute("data-col"));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (row, i) { row.originalIndex = i; });
        rows.sort(function (a, b) {
          var c = collator.compare(cellText(a, col), cellText(b, col));
          if (c === 0) { return a.originalIndex - b.originalIndex; }
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function makeFilterable(table, input, count, none) {
    var rows = table.tBodies[0].rows;
    function update() {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var match = query === "" || row.textContent.toLowerCase().indexOf(query) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      count.textContent = query === "" ? rows.length + " persons listed" : shown + " of " + rows.length + " persons match";
      none.hidden = shown !== 0;
    }
    input.addEventListener("input", update);
    update();
  }

  function makeCopyable(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.addEventListener("click", function () {
      var selection = window.getSelection();
      var range = document.createRange();
      range.selectNodeContents(target);
      selection.removeAllRanges();
      selection.addRange(range);
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(target.textContent).then(done, function () {
          button.textContent = "Selected: press Ctrl+C";
        });
      } else {
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  }

  var table = document.getElementById("person-table");
  if (table) {
    makeSortable(table);
    var input = document.getElementById("person-filter");
    var count = document.getElementById("person-count");
    var none = document.getElementById("person-none");
    if (input && count && none) { makeFilterable(table, input, count, none); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), makeCopyable);
  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
})();
