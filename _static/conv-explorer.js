/* The convolution explorer: a window slides over a (padded) input; every step shows the
 * products of the window's pixels with the kernel and their sum, one output pixel at a time.
 *
 * Markup: <div class="conv-explorer" data-n="7" data-k="3" data-stride="2" data-padding="1"
 * data-dilation="1"></div>. Everything else is built here; no library, no network.
 * The numbers are small integers, so every sum is exact. What the page shows is also available
 * as element.convExplorer.state() (the browser tests compare it with helpers.conv.conv2d).
 */
(function () {
  "use strict";

  var LIMITS = {
    n: [3, 12, "Input size", "Height and width of the input"],
    k: [1, 5, "Kernel size", "Height and width of the kernel"],
    stride: [1, 4, "Stride", "Step of the window, in pixels"],
    padding: [0, 3, "Padding", "Zeros added on every side"],
    dilation: [1, 3, "Dilation", "Spacing of the kernel's taps"],
  };
  var counter = 0;

  function inputValue(i, j) { return ((3 * i + 5 * j) % 7) - 3; }
  function kernelValue(a, b) { return ((a + 2 * b) % 3) - 1; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function grid(values, caption, className) {
    var table = el("table", { "class": "conv-grid " + className });
    table.appendChild(el("caption", {}, caption));
    var body = el("tbody");
    values.forEach(function (row) {
      var tr = el("tr");
      row.forEach(function (v) { tr.appendChild(el("td", {}, v === null ? "" : String(v))); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    return table;
  }

  function signed(v) { return v < 0 ? "(" + v + ")" : String(v); }

  function Explorer(root) {
    var id = "conv-explorer-" + (++counter);
    var self = this;
    this.root = root;
    this.settings = {};
    this.position = 0;
    this.timer = null;
    root.textContent = "";
    root.setAttribute("role", "group");
    root.setAttribute("aria-label", "Convolution explorer");

    var form = el("fieldset", { "class": "conv-settings" });
    form.appendChild(el("legend", {}, "Settings"));
    this.inputs = {};
    Object.keys(LIMITS).forEach(function (key) {
      var lim = LIMITS[key];
      var value = parseInt(root.dataset[key], 10);
      if (isNaN(value)) value = key === "n" ? 5 : key === "k" ? 3 : key === "padding" ? 0 : 1;
      var label = el("label", { "for": id + "-" + key }, lim[2] + " ");
      var input = el("input", { type: "number", id: id + "-" + key, name: key, min: lim[0],
        max: lim[1], step: 1, value: value, title: lim[3] });
      input.addEventListener("change", function () { self.configure(); });
      label.appendChild(input);
      form.appendChild(label);
      self.inputs[key] = input;
    });
    root.appendChild(form);

    var controls = el("div", { "class": "conv-controls" });
    this.buttons = {};
    [["reset", "Reset"], ["previous", "Previous step"], ["next", "Next step"],
     ["play", "Play"], ["all", "All steps"]].forEach(function (pair) {
      var button = el("button", { type: "button", "class": "conv-" + pair[0] }, pair[1]);
      button.addEventListener("click", function () { self[pair[0]](); });
      controls.appendChild(button);
      self.buttons[pair[0]] = button;
    });
    root.appendChild(controls);

    this.status = el("p", { "class": "conv-status", "aria-live": "polite" });
    root.appendChild(this.status);
    this.sum = el("p", { "class": "conv-sum" });
    root.appendChild(this.sum);
    this.grids = el("div", { "class": "conv-grids" });
    root.appendChild(this.grids);
    this.configure();
  }

  Explorer.prototype.read = function () {
    var s = {};
    var inputs = this.inputs;
    Object.keys(LIMITS).forEach(function (key) {
      var lim = LIMITS[key];
      var v = parseInt(inputs[key].value, 10);
      if (isNaN(v)) v = lim[0];
      v = Math.max(lim[0], Math.min(lim[1], v));
      inputs[key].value = v;
      s[key] = v;
    });
    return s;
  };

  Explorer.prototype.configure = function () {
    this.pause();
    var s = this.read();
    var size = s.n + 2 * s.padding;
    var extent = s.dilation * (s.k - 1) + 1;
    var out = size >= extent ? Math.floor((size - extent) / s.stride) + 1 : 0;
    var x = [], w = [], padded = [], y = [];
    var i, j, a, b;
    for (i = 0; i < s.n; i++) { x.push([]); for (j = 0; j < s.n; j++) x[i].push(inputValue(i, j)); }
    for (a = 0; a < s.k; a++) { w.push([]); for (b = 0; b < s.k; b++) w[a].push(kernelValue(a, b)); }
    for (i = 0; i < size; i++) {
      padded.push([]);
      for (j = 0; j < size; j++) {
        var inside = i >= s.padding && i < s.padding + s.n && j >= s.padding && j < s.padding + s.n;
        padded[i].push(inside ? x[i - s.padding][j - s.padding] : 0);
      }
    }
    for (i = 0; i < out; i++) {
      y.push([]);
      for (j = 0; j < out; j++) {
        var total = 0;
        for (a = 0; a < s.k; a++) {
          for (b = 0; b < s.k; b++) {
            total += padded[i * s.stride + a * s.dilation][j * s.stride + b * s.dilation] * w[a][b];
          }
        }
        y[i].push(total);
      }
    }
    this.settings = s;
    this.data = { x: x, w: w, padded: padded, y: y, out: out, size: size, extent: extent };
    this.position = 0;
    this.grids.textContent = "";
    this.inputGrid = grid(padded, "Input " + s.n + " × " + s.n + (s.padding ?
      ", padded to " + size + " × " + size : ""), "conv-input");
    this.kernelGrid = grid(w, "Kernel " + s.k + " × " + s.k, "conv-kernel");
    this.outputGrid = grid(y.map(function (row) { return row.map(function () { return null; }); }),
      "Output " + out + " × " + out, "conv-output");
    for (i = 0; i < size; i++) {
      for (j = 0; j < size; j++) {
        var pad = i < s.padding || i >= s.padding + s.n || j < s.padding || j >= s.padding + s.n;
        if (pad) this.cell(this.inputGrid, i, j).classList.add("conv-pad");
      }
    }
    this.grids.appendChild(this.inputGrid);
    this.grids.appendChild(this.kernelGrid);
    this.grids.appendChild(this.outputGrid);
    this.go(0);
  };

  Explorer.prototype.cell = function (table, i, j) {
    return table.tBodies[0].rows[i].cells[j];
  };

  Explorer.prototype.steps = function () { return this.data.out * this.data.out; };

  Explorer.prototype.render = function () {
    var s = this.settings, d = this.data;
    this.inputGrid.querySelectorAll(".conv-window, .conv-tap").forEach(function (c) {
      c.classList.remove("conv-window", "conv-tap");
    });
    this.outputGrid.querySelectorAll(".conv-current").forEach(function (c) {
      c.classList.remove("conv-current");
    });
    if (d.out === 0) {
      this.status.textContent = "The window spans " + d.extent + " pixels (dilation × (kernel − 1) + 1)" +
        ", more than the padded input's " + d.size + ": no output.";
      this.sum.textContent = "";
      return;
    }
    var n = this.steps();
    for (var p = 0; p < n; p++) {
      var r = Math.floor(p / d.out), c = p % d.out;
      this.cell(this.outputGrid, r, c).textContent = p < this.position ? String(d.y[r][c]) : "";
    }
    if (this.position === 0) {
      this.status.textContent = "Output " + d.out + " × " + d.out + " = floor((" + s.n + " + 2·" +
        s.padding + " − " + d.extent + ") / " + s.stride + ") + 1 per side. Press Next step.";
      this.sum.textContent = "";
      return;
    }
    var q = this.position - 1;
    var i = Math.floor(q / d.out), j = q % d.out;
    var top = i * s.stride, left = j * s.stride;
    for (var a = 0; a < d.extent; a++) {
      for (var b = 0; b < d.extent; b++) {
        var cell = this.cell(this.inputGrid, top + a, left + b);
        cell.classList.add("conv-window");
        if (a % s.dilation === 0 && b % s.dilation === 0) cell.classList.add("conv-tap");
      }
    }
    this.cell(this.outputGrid, i, j).classList.add("conv-current");
    var terms = [];
    for (a = 0; a < s.k; a++) {
      for (b = 0; b < s.k; b++) {
        terms.push(signed(d.padded[top + a * s.dilation][left + b * s.dilation]) + "·" +
          signed(d.w[a][b]));
      }
    }
    this.status.textContent = "Step " + this.position + " of " + n + ": output (" + i + ", " + j +
      ") reads the window at row " + top + ", column " + left + " of the padded input.";
    this.sum.textContent = "y(" + i + ", " + j + ") = " + terms.join(" + ") + " = " + d.y[i][j];
  };

  Explorer.prototype.go = function (position) {
    this.position = Math.max(0, Math.min(this.steps(), position));
    this.buttons.previous.disabled = this.position <= 1;
    this.buttons.next.disabled = this.position >= this.steps();
    this.render();
  };
  Explorer.prototype.reset = function () { this.pause(); this.go(0); };
  Explorer.prototype.previous = function () { this.pause(); this.go(this.position - 1); };
  Explorer.prototype.next = function () { this.pause(); this.go(this.position + 1); };
  Explorer.prototype.all = function () { this.pause(); this.go(this.steps()); };
  Explorer.prototype.pause = function () {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.buttons && this.buttons.play) this.buttons.play.textContent = "Play";
  };
  Explorer.prototype.play = function () {
    var self = this;
    if (this.timer) { this.pause(); return; }
    if (this.position >= this.steps()) this.go(0);
    this.buttons.play.textContent = "Pause";
    this.timer = setInterval(function () {
      if (self.position >= self.steps()) { self.pause(); return; }
      self.go(self.position + 1);
    }, 700);
  };
  Explorer.prototype.state = function () {
    var d = this.data;
    var shown = Array.from(this.outputGrid.tBodies[0].rows).map(function (row) {
      return Array.from(row.cells).map(function (c) {
        return c.textContent === "" ? null : Number(c.textContent);
      });
    });
    return { settings: this.settings, x: d.x, w: d.w, output: d.y, shown: shown,
      position: this.position, sum: this.sum.textContent };
  };

  function init() {
    document.querySelectorAll(".conv-explorer").forEach(function (root) {
      if (!root.convExplorer) root.convExplorer = new Explorer(root);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
