// Palisade dashboard: a read-only view over the read API (/api/v1/).
//
// Every value from the API reaches the page as a text node or an attribute
// set through the DOM (never innerHTML), so markup in a resource name is
// shown as text. The bearer token lives in this tab's sessionStorage and is
// sent only as an Authorization header; without one, the browser's client
// certificate (mTLS) is tried. Nothing here changes state on the server.
"use strict";

(function () {
  const TOKEN = "palisade.token";
  // Script errors and rejected promises, for the browser tests (and anyone
  // opening the console).
  const errors = [];
  window.palisadeErrors = errors;
  window.addEventListener("error", (e) => errors.push(String(e.message)));
  window.addEventListener("unhandledrejection", (e) => errors.push(String(e.reason)));

  let me = null;

  // --- DOM helpers -------------------------------------------------------

  function add(node, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) add(node, child);
      else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function attrs(node, attributes) {
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    return node;
  }

  function h(tag, attributes, ...children) {
    return add(attrs(document.createElement(tag), attributes), children);
  }

  function s(tag, attributes, ...children) {
    return add(attrs(document.createElementNS("http://www.w3.org/2000/svg", tag), attributes), children);
  }

  const main = () => document.getElementById("main");

  function show(...children) {
    const m = main();
    m.replaceChildren();
    add(m, children);
  }

  // --- The API -----------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params || {})) {
      if (v !== null && v !== undefined && v !== "") q.set(k, v);
    }
    const text = q.toString();
    return text ? "?" + text : "";
  }

  async function call(path, params) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN);
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch("/api/v1/" + path + query(params), {
      headers,
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      let message = response.statusText;
      try {
        message = (await response.json()).error || message;
      } catch (_) {
        // Not JSON: keep the status text.
      }
      throw new ApiError(response.status, message);
    }
    return response;
  }

  const api = async (path, params) => (await call(path, params)).json();

  function may(permission) {
    return me !== null && me.permissions.includes(permission);
  }

  // --- Formatting --------------------------------------------------------

  const when = (t) => (t ? String(t).replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "");
  const day = (t) => String(t).slice(5, 10);

  function resourceName(r) {
    return [r.kind, r.namespace, r.name].filter((p) => p).join("/") || "(unnamed)";
  }

  const badge = (cls, text) => h("span", { class: "badge " + cls }, text);
  const verdictBadge = (v) => badge("s-" + v, v);
  const decisionBadge = (d) => badge("d-" + d, d);

  function link(route, params, ...children) {
    return h("a", { href: "#/" + route + query(params) }, ...children);
  }

  function failure(error) {
    if (error instanceof ApiError && error.status === 403) {
      return h("p", { class: "error", role: "alert" }, "Your role (" + (me ? me.role : "?") + ") may not read this.");
    }
    return h("p", { class: "error", role: "alert" }, "The read API answered: " + (error.message || String(error)));
  }

  // --- Charts (inline SVG) -------------------------------------------------

  const VERDICTS = [
    ["pass", "pass"],
    ["fail", "fail"],
    ["waived", "waived"],
    ["manual", "manual"],
    ["notApplicable", "not applicable"],
    ["notRun", "not run"],
    ["noEvidence", "no evidence"],
  ];

  // A donut of a tally; its numbers are in the label for screen readers.
  function donut(tally, size) {
    const total = VERDICTS.reduce((n, [k]) => n + (tally[k] || 0), 0);
    const parts = VERDICTS.filter(([k]) => tally[k]).map(([k, label]) => [k, label, tally[k]]);
    const label = parts.map(([, l, n]) => n + " " + l).join(", ") || "no requirements";
    const svg = s("svg", { viewBox: "0 0 42 42", width: size, height: size, role: "img", "aria-label": label });
    svg.append(s("circle", { class: "track", cx: 21, cy: 21, r: 15.9155, "stroke-width": 6 }));
    let offset = 25;
    for (const [k, , n] of parts) {
      const share = (n / total) * 100;
      svg.append(
        s("circle", {
          class: "seg s-" + k,
          cx: 21,
          cy: 21,
          r: 15.9155,
          fill: "none",
          "stroke-width": 6,
          "stroke-dasharray": share + " " + (100 - share),
          "stroke-dashoffset": offset,
        }),
      );
      offset -= share;
    }
    const legend = h("ul", { class: "legend" }, parts.map(([k, l, n]) => h("li", { class: "s-" + k }, n + " " + l)));
    return h("div", { class: "chart" }, svg, legend);
  }

  // Score per bucket as a line, denials as bars behind it.
  function trendChart(buckets) {
    const W = 1000;
    const H = 200;
    const pad = 24;
    const step = (W - 2 * pad) / Math.max(buckets.length, 1);
    const denied = buckets.map((b) => (b.decisions && b.decisions.denied) || 0);
    const most = Math.max(1, ...denied);
    const scored = buckets.filter((b) => typeof b.score === "number").length;
    const label =
      "Score per day: " +
      buckets.map((b) => day(b.since) + " " + (typeof b.score === "number" ? b.score + "%" : "no evidence")).join(", ") +
      ". Denials per day: " +
      denied.join(", ");
    const svg = s("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": label });
    svg.append(s("line", { class: "axis", x1: pad, y1: H - pad, x2: W - pad, y2: H - pad }));
    svg.append(s("text", { x: 0, y: pad }, "100%"), s("text", { x: 0, y: H - pad }, "0%"));
    const points = [];
    buckets.forEach((b, i) => {
      const x = pad + i * step + step / 2;
      const barHeight = ((H - 2 * pad) * denied[i]) / most;
      if (denied[i] > 0) {
        svg.append(s("rect", { class: "bar", x: x - step / 3, y: H - pad - barHeight, width: (2 * step) / 3, height: barHeight }));
      }
      if (typeof b.score === "number") {
        const y = H - pad - ((H - 2 * pad) * b.score) / 100;
        points.push(x + "," + y);
        svg.append(s("circle", { class: "dot", cx: x, cy: y, r: 3 }));
      }
      if (i % Math.ceil(buckets.length / 7) === 0) {
        svg.append(s("text", { x: x - 12, y: H - 6 }, day(b.since)));
      }
    });
    if (points.length > 1) svg.append(s("polyline", { class: "line", points: points.join(" ") }));
    return h(
      "div",
      { class: "trend" },
      svg,
      h("p", { class: "muted small" }, scored ? "Line: score per day. Bars: denied admissions." : "No evaluations in the window yet: no score."),
    );
  }

  // --- Pages -------------------------------------------------------------

  function frameworkOf(params) {
    const ids = me.frameworks.map((f) => f.id);
    return ids.includes(params.get("framework")) ? params.get("framework") : ids[0];
  }

  function frameworkPicker(route, current) {
    if (me.frameworks.length < 2) return null;
    const select = h(
      "select",
      {
        "aria-label": "Framework",
        onchange: (e) => {
          location.hash = "#/" + route + query({ framework: e.target.value });
        },
      },
      me.frameworks.map((f) => h("option", { value: f.id, selected: f.id === current }, f.title)),
    );
    return h("label", {}, "Framework", select);
  }

  function eventList(events, empty) {
    if (!events.length) return h("p", { class: "muted" }, empty);
    return h(
      "ul",
      { class: "plain" },
      events.map((e) =>
        h(
          "li",
          {},
          decisionBadge(e.event.decision),
          " ",
          h("strong", {}, resourceName(e.event.resource)),
          h("div", { class: "muted small" }, when(e.event.time), " · ", controlsOf(e.event).join(", ") || e.event.reason || ""),
        ),
      ),
    );
  }

  function controlsOf(event) {
    return [...new Set(event.findings.filter((f) => !f.waiver && f.action !== "waived").map((f) => f.control))];
  }

  async function overview(params) {
    const framework = frameworkOf(params);
    const [summary, trend, denied, warned] = await Promise.all([
      api("summary", { since: "24h", framework }),
      api("trend", { since: "14d", buckets: 14, framework }),
      api("events", { decision: "denied", order: "newest", limit: 8 }),
      api("events", { decision: "warned", order: "newest", limit: 8 }),
    ]);
    const decisions = {};
    const failing = {};
    for (const ns of Object.values(summary.namespaces)) {
      for (const [d, n] of Object.entries(ns.decisions)) decisions[d] = (decisions[d] || 0) + n;
      for (const [c, n] of Object.entries(ns.failing_controls)) failing[c] = (failing[c] || 0) + n;
    }
    const view = summary.framework;
    const worst = view ? view.requirements.filter((r) => r.failing > 0).sort((a, b) => b.failing - a.failing).slice(0, 6) : [];
    const controls = Object.entries(failing).sort((a, b) => b[1] - a[1]).slice(0, 6);
    show(
      h("h1", {}, "Compliance posture"),
      h("div", { class: "row" }, frameworkPicker("", framework)),
      h(
        "div",
        { class: "grid" },
        view &&
          h(
            "section",
            { class: "card", "aria-labelledby": "fw-title" },
            h("h2", { id: "fw-title" }, link("framework", { framework }, view.title)),
            h("div", { class: "big" }, typeof view.score === "number" ? view.score + "%" : "n/a"),
            h("div", { class: "muted small" }, "of the checkable requirements met in the last 24 hours, over ", view.evaluated, " evaluated objects"),
            donut(view.tally, 110),
          ),
        h(
          "section",
          { class: "card", "aria-labelledby": "dec-title" },
          h("h2", { id: "dec-title" }, "Decisions, last 24 hours"),
          h("div", { class: "big" }, summary.events),
          h("div", { class: "muted small" }, "admissions and recorded scans"),
          h(
            "ul",
            { class: "counts" },
            ["denied", "warned", "audited", "allowed"].map((d) => h("li", {}, decisionBadge(d), " ", decisions[d] || 0)),
          ),
        ),
      ),
      h("section", { class: "card", "aria-labelledby": "trend-title" }, h("h2", { id: "trend-title" }, "The last 14 days"), trendChart(trend.buckets)),
      h(
        "div",
        { class: "grid" },
        h(
          "section",
          { class: "card" },
          h("h2", {}, "Worst requirements"),
          worst.length
            ? h(
                "ul",
                { class: "plain" },
                worst.map((r) =>
                  h("li", {}, link("requirement", { framework, id: r.id }, r.id + " " + r.title), h("div", { class: "muted small" }, r.failing + " failing objects")),
                ),
              )
            : h("p", { class: "muted" }, "No requirement failed in the last 24 hours."),
        ),
        h(
          "section",
          { class: "card" },
          h("h2", {}, "Controls that fail most"),
          controls.length
            ? h(
                "ul",
                { class: "plain" },
                controls.map(([c, n]) => h("li", {}, link("events", { control: c, since: "24h", order: "newest" }, c), h("div", { class: "muted small" }, n + " events"))),
              )
            : h("p", { class: "muted" }, "No control failed in the last 24 hours."),
        ),
      ),
      h(
        "div",
        { class: "grid" },
        h("section", { class: "card" }, h("h2", {}, link("events", { decision: "denied", order: "newest" }, "Recent denials")), eventList(denied.events, "No denials.")),
        h("section", { class: "card" }, h("h2", {}, link("events", { decision: "warned", order: "newest" }, "Recent warnings")), eventList(warned.events, "No warnings.")),
      ),
    );
  }

  async function frameworkPage(params) {
    const framework = frameworkOf(params);
    const since = params.get("since") || "24h";
    const summary = await api("summary", { since, framework });
    const view = summary.framework;
    const search = h("input", { type: "search", placeholder: "Filter requirements", "aria-label": "Filter requirements" });
    const rows = view.requirements.map((r) =>
      h(
        "tr",
        { "data-text": (r.id + " " + r.title + " " + r.verdict).toLowerCase() },
        h("td", { "data-label": "Requirement" }, link("requirement", { framework, id: r.id, since }, r.id), " ", r.title),
        h("td", { "data-label": "Verdict" }, verdictBadge(r.verdict)),
        h("td", { "data-label": "Failing" }, r.failing),
        h("td", { "data-label": "Waived" }, r.waived),
        h("td", { "data-label": "Coverage" }, r.coverage),
      ),
    );
    search.addEventListener("input", () => {
      const needle = search.value.toLowerCase();
      for (const row of rows) row.hidden = needle !== "" && !row.dataset.text.includes(needle);
    });
    show(
      h("h1", {}, view.title),
      h("div", { class: "row" }, frameworkPicker("framework", framework), search),
      h("p", { class: "muted" }, "Since ", when(summary.since), ": ", view.evaluated, " evaluated objects. Score ", typeof view.score === "number" ? view.score + "%" : "n/a", "."),
      donut(view.tally, 90),
      h(
        "table",
        { class: "stack" },
        h("thead", {}, h("tr", {}, ["Requirement", "Verdict", "Failing", "Waived", "Coverage"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, rows),
      ),
    );
  }

  async function requirementPage(params) {
    const framework = frameworkOf(params);
    const id = params.get("id");
    const since = params.get("since") || "24h";
    const [summary, found] = await Promise.all([
      api("summary", { since, framework }),
      api("events", { framework, requirement: id, since, order: "newest", limit: 500 }),
    ]);
    const r = summary.framework.requirements.find((x) => x.id === id);
    if (!r) {
      show(h("p", { class: "error" }, "No requirement " + id + " in " + framework + "."));
      return;
    }
    // Each object once, with its events.
    const objects = new Map();
    for (const e of found.events) {
      const res = e.event.resource;
      const key = JSON.stringify([res.kind, res.namespace, res.name, e.event.source.file || ""]);
      if (!objects.has(key)) objects.set(key, { resource: res, file: e.event.source.file, events: [] });
      objects.get(key).events.push(e);
    }
    show(
      h("p", {}, link("framework", { framework, since }, "← " + summary.framework.title)),
      h("h1", {}, r.id, " ", r.title),
      h("p", {}, verdictBadge(r.verdict), " ", r.failing, " failing and ", r.waived, " waived objects since ", when(summary.since), " · coverage ", r.coverage),
      r.manualPart && h("section", { class: "card" }, h("h2", {}, "What a person must still check"), h("p", {}, r.manualPart)),
      h("h2", {}, "Controls"),
      h("ul", {}, r.controls.map((c) => h("li", {}, link("events", { control: c, since, order: "newest" }, c)))),
      h("h2", {}, "Objects with findings of these controls (", objects.size, found.next ? "+" : "", ")"),
      objects.size === 0
        ? h("p", { class: "muted" }, "None in the window.")
        : [...objects.values()].map((o) =>
            h(
              "details",
              { class: "object" },
              h("summary", {}, h("strong", {}, resourceName(o.resource)), o.file ? " (" + o.file + ")" : "", " · ", o.events.length, " events, last ", when(o.events[0].event.time)),
              h("div", {}, o.events.slice(0, 20).map((e) => eventDetail(e, r.controls))),
            ),
          ),
    );
  }

  function eventDetail(e, only) {
    const ev = e.event;
    const findings = ev.findings.filter((f) => !only || only.includes(f.control));
    return h(
      "div",
      { class: "event" },
      h("div", {}, decisionBadge(ev.decision), " ", when(ev.time), " · ", ev.source.kind, ev.source.user ? " by " + ev.source.user : "", ev.source.file ? " · " + ev.source.file : "", ev.reason ? " · " + ev.reason : ""),
      findings.map((f) =>
        h(
          "div",
          { class: "finding" },
          h("code", {}, f.control),
          " ",
          badge("", f.severity),
          " ",
          f.message,
          f.waiver ? h("div", { class: "muted small" }, "waived by ", f.waiver.owner || "(no owner)", ": ", f.waiver.justification, f.waiver.expires ? ", until " + f.waiver.expires : "") : null,
        ),
      ),
    );
  }

  const EVENT_FILTERS = ["since", "until", "namespace", "kind", "name", "control", "decision", "source", "user", "order"];

  async function eventsPage(params) {
    const values = {};
    for (const k of EVENT_FILTERS) values[k] = params.get(k) || "";
    if (!values.order) values.order = "newest";
    const field = (name, label, extra) => h("label", {}, label, h("input", Object.assign({ name, value: values[name] }, extra || {})));
    const choice = (name, label, options) =>
      h("label", {}, label, h("select", { name }, options.map(([v, text]) => h("option", { value: v, selected: values[name] === v }, text))));
    const form = h(
      "form",
      {
        class: "filters",
        onsubmit: (e) => {
          e.preventDefault();
          const data = {};
          for (const k of EVENT_FILTERS) data[k] = form.elements[k].value.trim();
          location.hash = "#/events" + query(data);
        },
      },
      field("since", "Since", { placeholder: "24h, 7d, 2026-12-01" }),
      field("until", "Until", { placeholder: "now" }),
      field("namespace", "Namespace"),
      field("kind", "Kind"),
      field("name", "Name"),
      field("control", "Control"),
      choice("decision", "Decision", [["", "any"], ["denied", "denied"], ["warned", "warned"], ["audited", "audited"], ["allowed", "allowed"], ["waived", "waived"], ["mutated", "mutated"]]),
      choice("source", "Source", [["", "any"], ["admission", "admission"], ["scan", "scan"], ["node", "node (file integrity)"], ["api", "API access"]]),
      field("user", "User"),
      choice("order", "Order", [["newest", "newest first"], ["oldest", "oldest first"]]),
      h("button", { type: "submit" }, "Apply"),
    );
    const list = h("div", { id: "events" });
    const more = h("button", { type: "button", class: "secondary", hidden: true }, "More");
    show(h("h1", {}, "Events"), form, list, more);
    const filters = Object.assign({}, values, { limit: 50 });
    const load = async (after) => {
      const page = await api("events", Object.assign({}, filters, { after }));
      if (!after && !page.events.length) list.append(h("p", { class: "muted" }, "No events match."));
      for (const e of page.events) {
        list.append(
          h(
            "details",
            { class: "object" },
            h("summary", {}, decisionBadge(e.event.decision), " ", h("strong", {}, resourceName(e.event.resource)), " · ", when(e.event.time), " · ", e.event.source.kind),
            h("div", {}, eventDetail(e), h("p", { class: "muted small" }, "chain ", e.chain, " #", e.seq, " · policy ", e.event.policy_version)),
          ),
        );
      }
      more.hidden = !page.next;
      more.onclick = () => load(page.next).catch((err) => list.append(failure(err)));
    };
    await load(null);
  }

  async function exceptionsPage() {
    const answer = await api("exceptions");
    const scope = (x) =>
      [
        x.namespaces.length ? "namespaces " + x.namespaces.join(", ") : "every namespace",
        x.kinds.length ? "kinds " + x.kinds.join(", ") : null,
        x.names.length ? "names " + x.names.join(", ") : null,
        x.labels.length ? "labels " + x.labels.join(", ") : null,
        x.containers.length ? "containers " + x.containers.join(", ") : null,
        x.images.length ? "images " + x.images.join(", ") : null,
      ]
        .filter((p) => p)
        .join("; ");
    const expiry = (x) => {
      if (!x.expires) return "no expiry";
      if (x.daysLeft < 0) return x.expires + " (expired " + -x.daysLeft + " days ago)";
      return x.expires + " (" + x.daysLeft + " days left)";
    };
    show(
      h("h1", {}, "Exceptions"),
      h("p", { class: "muted" }, "In force on ", answer.today, ", as the webhook applies them."),
      answer.exceptions.length === 0
        ? h("p", { class: "muted" }, "No exceptions are configured.")
        : h(
            "table",
            { class: "stack" },
            h("thead", {}, h("tr", {}, ["Controls", "Scope", "Owner and reason", "Expires", "Waived"].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              answer.exceptions.map((x) =>
                h(
                  "tr",
                  {},
                  h("td", { "data-label": "Controls" }, x.controls.join(", "), h("div", { class: "muted small" }, x.source)),
                  h("td", { "data-label": "Scope" }, scope(x)),
                  h("td", { "data-label": "Owner and reason" }, h("strong", {}, x.owner || "(no owner)"), " ", x.justification, x.ticket ? " (" + x.ticket + ")" : ""),
                  h("td", { "data-label": "Expires" }, x.inForce ? "" : badge("s-fail", "expired"), " ", expiry(x)),
                  h("td", { "data-label": "Waived" }, x.waived, " findings"),
                ),
              ),
            ),
          ),
    );
  }

  async function auditPage() {
    const chains = h("div", {});
    const exporting = h("div", {});
    show(h("h1", {}, "The audit log"), h("h2", {}, "Chain verification"), chains, h("h2", {}, "Evidence for auditors"), exporting);
    if (may("verify") && may("all-namespaces")) {
      chains.append(h("p", { class: "muted" }, "Verifying every chain…"));
      const result = await api("events/verify");
      const report = result.report;
      chains.replaceChildren(
        h("p", {}, result.ok ? badge("s-pass", "intact") : badge("s-fail", "problems found"), " ", report.chains.length, " chains, ", report.problems.length, " problems. ", report.pinned ? "" : "Signatures are checked with the server's key only: `palisade audit verify` with the public keys is the proof."),
        h(
          "table",
          { class: "stack" },
          h("thead", {}, h("tr", {}, ["Chain", "Events", "Sequence", "Checkpoints"].map((c) => h("th", { scope: "col" }, c)))),
          h(
            "tbody",
            {},
            report.chains.map((c) =>
              h(
                "tr",
                {},
                h("td", { "data-label": "Chain" }, c.chain),
                h("td", { "data-label": "Events" }, c.events),
                h("td", { "data-label": "Sequence" }, (c.first_seq ?? "") + "–" + (c.last_seq ?? "")),
                h("td", { "data-label": "Checkpoints" }, c.checkpoints),
              ),
            ),
          ),
        ),
        report.problems.length ? h("ul", {}, report.problems.map((p) => h("li", { class: "error" }, JSON.stringify(p)))) : null,
      );
    } else {
      chains.append(h("p", { class: "muted" }, "Verification reads every namespace's events: your role (" + me.role + ") may not run it."));
    }
    if (may("export") && may("all-namespaces")) {
      const since = h("input", { name: "since", placeholder: "30d", value: "30d" });
      const status = h("p", { class: "muted", role: "status" });
      const button = h(
        "button",
        {
          type: "button",
          onclick: async () => {
            status.textContent = "Exporting…";
            try {
              const blob = await (await call("export", { since: since.value.trim() })).blob();
              const a = h("a", { href: URL.createObjectURL(blob), download: "palisade-evidence.jsonl" });
              document.body.append(a);
              a.click();
              a.remove();
              status.textContent = "Saved palisade-evidence.jsonl (" + blob.size + " bytes): check it offline with `palisade audit verify-bundle`.";
            } catch (err) {
              status.replaceChildren(failure(err));
            }
          },
        },
        "Download the signed evidence bundle",
      );
      exporting.append(h("div", { class: "row" }, h("label", {}, "Since", since), button), status);
    } else {
      exporting.append(h("p", { class: "muted" }, "Exports hold whole chains: your role (" + me.role + ") may not take one."));
    }
  }

  // --- Sign-in and routing -------------------------------------------------

  function signIn(message) {
    document.getElementById("nav").hidden = true;
    document.getElementById("who").replaceChildren();
    const token = h("input", { type: "password", name: "token", autocomplete: "off", required: true, id: "token" });
    show(
      h(
        "section",
        { class: "signin card" },
        h("h1", {}, "Sign in"),
        message && h("p", { class: "error", role: "alert" }, message),
        h(
          "form",
          {
            onsubmit: (e) => {
              e.preventDefault();
              sessionStorage.setItem(TOKEN, token.value.trim());
              start();
            },
          },
          h("label", { for: "token" }, "API token (from `palisade audit token`)"),
          token,
          h("button", { type: "submit" }, "Sign in"),
        ),
        h("p", { class: "muted small" }, "The token stays in this tab only. A client certificate, when your browser has one the server trusts, signs you in without a token."),
      ),
    );
    token.focus();
    document.documentElement.dataset.ready = "signin";
  }

  const ROUTES = {
    "": overview,
    framework: frameworkPage,
    requirement: requirementPage,
    events: eventsPage,
    exceptions: exceptionsPage,
    audit: auditPage,
  };

  async function route() {
    if (me === null) return;
    const hash = location.hash.replace(/^#\/?/, "");
    const [page, search] = hash.split("?");
    const render = ROUTES[page] || overview;
    for (const a of document.querySelectorAll("#nav a")) {
      const target = a.getAttribute("href").replace(/^#\/?/, "");
      if (target === page) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    document.documentElement.dataset.ready = "";
    show(h("p", { class: "muted" }, "Loading…"));
    try {
      await render(new URLSearchParams(search || ""));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        sessionStorage.removeItem(TOKEN);
        me = null;
        signIn("Your session is no longer valid: sign in again.");
        return;
      }
      show(failure(error));
    }
    document.documentElement.dataset.ready = page || "overview";
    main().focus({ preventScroll: true });
  }

  async function start() {
    try {
      me = await api("whoami");
    } catch (error) {
      const had = sessionStorage.getItem(TOKEN);
      sessionStorage.removeItem(TOKEN);
      me = null;
      signIn(had ? "The token was not accepted." : null);
      return;
    }
    document.getElementById("nav").hidden = false;
    const scope = me.namespaces === "*" ? "all namespaces" : "namespaces " + me.namespaces.join(", ");
    document.getElementById("who").replaceChildren(
      h("span", {}, me.name, " · ", me.role, " · ", scope),
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            sessionStorage.removeItem(TOKEN);
            me = null;
            signIn(null);
          },
        },
        "Sign out",
      ),
    );
    await route();
  }

  window.addEventListener("hashchange", route);
  document.addEventListener("DOMContentLoaded", start);
})();
