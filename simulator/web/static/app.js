// The page of `callflow serve`: it only shows what the JSON endpoints say (simulator/web/app.py);
// the call itself runs on the server, in the same debugger session as `simulate --interactive`.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { flow: null, call: null, page: null, digest: null, heard: 0, busy: false };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function notice(text, error = false) {
  const box = $("#notice");
  box.textContent = text;
  box.className = error ? "error" : "";
}

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// ---- the list of flows ----------------------------------------------------------------------

async function showList() {
  $("#list").hidden = false;
  const data = await api("GET", "/api/flows");
  $("#crumb").textContent = data.base + "/";
  const body = $("#flows tbody");
  body.replaceChildren();
  for (const flow of data.flows) {
    let lint = el("span", { class: "lint-ok" }, "clean");
    if (flow.unreadable) lint = el("span", { class: "lint-error" }, "unreadable");
    else if (flow.errors) lint = el("span", { class: "lint-error" }, `${flow.errors} error(s)`);
    else if (flow.warnings) lint = el("span", { class: "lint-warning" }, `${flow.warnings} warning(s)`);
    const link = el("a", { href: "/?flow=" + encodeURIComponent(flow.name) }, flow.name);
    body.append(el("tr", { dataset: { flow: flow.name } }, el("td", {}, link), el("td", {}, lint)));
  }
}

// ---- a flow ----------------------------------------------------------------------------------

function renderFlow(page) {
  state.page = page;
  state.digest = page.digest;
  $("#crumb").textContent = page.name;
  document.title = page.name + " · callflow serve";
  const graph = $("#graph");
  if (page.svg) {
    graph.innerHTML = page.svg;
    graph.querySelector("svg").classList.toggle("fit", $("#fit").checked);
  } else {
    graph.textContent = "no graph: the flow does not parse";
  }
  const byLine = new Map();
  for (const f of page.findings) {
    if (!byLine.has(f.line)) byLine.set(f.line, []);
    byLine.get(f.line).push(f);
  }
  const source = $("#source");
  source.replaceChildren();
  page.source.split(/\r\n|\r|\n/).forEach((text, index) => {
    const number = index + 1;
    source.append(el("div", { class: "src-line", id: "line-" + number, dataset: { line: number } },
      el("span", { class: "ln" }, String(number)), el("code", {}, text)));
    for (const f of byLine.get(number) || []) {
      const hint = f.hint ? ` (${f.hint})` : "";
      source.append(el("div", { class: "finding " + f.severity },
        `${f.code} ${f.severity}: ${f.message}${hint}`));
    }
  });
  $("#tested-toggle").hidden = !page.coverage;
  $("#tested-file").textContent = page.coverage || "";
  const errors = page.findings.filter((f) => f.severity === "error").length;
  $("#finding-count").textContent = page.findings.length
    ? `${page.findings.length} finding(s), ${errors} error(s)` : "lint clean";
}

function renderCall(call) {
  state.call = call;
  const list = $("#transcript");
  list.replaceChildren();
  for (const e of call.transcript) {
    list.append(el("li", { class: "ev-" + e.kind.replace(".", "-"), dataset: { line: e.line ?? "" } },
      el("span", { class: "t" }, e.clock), " ", el("span", { class: "where" }, e.line ? `L${e.line}` : "-"),
      " ", el("span", { class: "kind" }, e.kind), " ", el("span", { class: "text" }, e.text)));
  }
  list.lastElementChild?.scrollIntoView({ block: "nearest" });
  $("#result").textContent = call.result || "";
  $("#clock").textContent = call.now;
  const waiting = call.waiting;
  const what = { keys: "waiting for keys", dial: `dialling ${call.targets.join(", ")}: choose the outcome`,
    http: `requesting ${call.url}: choose the answer`, step: "stopped" };
  const where = call.line ? ` at line ${call.line}` : "";
  $("#status").textContent = waiting ? what[waiting] + where : "the call is over";
  for (const b of document.querySelectorAll("#keypad button, #silence")) b.disabled = waiting !== "keys";
  $("#hangup").disabled = !waiting;
  $("#dial").hidden = waiting !== "dial";
  $("#http").hidden = waiting !== "http";
  $("#back").disabled = call.answers.length === 0;
  // the current command, in the graph and in the source
  for (const node of document.querySelectorAll(".current")) node.classList.remove("current");
  const visited = new Set(call.transcript.filter((e) => e.main && e.line).map((e) => String(e.line)));
  for (const node of document.querySelectorAll("#graph .step")) {
    node.classList.toggle("visited", visited.has(node.dataset.line));
  }
  if (call.step) {
    const step = document.getElementById("step-" + call.step);
    if (step) {
      step.classList.add("current");
      step.scrollIntoView?.({ block: "nearest", inline: "nearest" });
    }
  }
  if (call.line) {
    const line = document.getElementById("line-" + call.line);
    if (line) {
      line.classList.add("current");
      line.scrollIntoView({ block: "nearest" });
    }
  }
  hear(call.transcript);
}

async function send(body) {
  if (state.busy) return;
  state.busy = true;
  try {
    renderCall(await api("POST", `/api/calls/${state.call.call}/act`, body));
    notice("");
  } catch (error) {
    notice(error.message, true);
  } finally {
    state.busy = false;
  }
}

async function place() {
  state.heard = 0;
  renderCall(await api("POST", "/api/calls", { flow: state.flow }));
}

async function save() {
  const result = $("#save-result");
  try {
    const saved = await api("POST", `/api/calls/${state.call.call}/save`, { name: $("#save-name").value });
    result.textContent = saved.message;
    result.className = saved.passed ? "passed" : "failed";
  } catch (error) {
    result.textContent = error.message;
    result.className = "failed";
  }
}

// ---- coverage and problems: what `callflow explore` finds ------------------------------------

function colour(steps, branches) {
  for (const node of document.querySelectorAll("#graph .step")) {
    if (!node.dataset.line) continue;
    const hit = steps.has(node.id.slice("step-".length));
    node.classList.toggle("covered", hit);
    node.classList.toggle("uncovered", !hit);
  }
  for (const edge of document.querySelectorAll("#graph .edge[data-branch]")) {
    const hit = branches.has(edge.dataset.branch);
    edge.classList.toggle("covered", hit);
    edge.classList.toggle("uncovered", !hit);
  }
}

// ---- coverage of a test run: `callflow serve --coverage FILE` ----------------------------------

async function showTested() {
  const on = $("#tested").checked;
  if (on && $("#coverage").checked) {
    $("#coverage").checked = false;
    $("#explore").hidden = true;
  }
  $("#graph svg")?.classList.toggle("coverage", on);
  const summary = $("#tested-summary");
  summary.hidden = !on;
  if (!on) return;
  try {
    const found = await api("GET", "/api/flow/coverage?name=" + encodeURIComponent(state.flow));
    colour(new Set(found.steps), new Set(found.branches));
    summary.textContent = `${found.file}: commands ${found.commands_percent}%, branches ` +
      `${found.branches_percent}% tested` + (found.warning ? ` (${found.warning})` : "");
    summary.className = found.warning ? "warning" : "";
  } catch (error) {
    summary.textContent = error.message;
    summary.className = "error";
  }
}

async function showExplore() {
  const svg = $("#graph svg");
  const on = $("#coverage").checked;
  if (on && $("#tested").checked) {
    $("#tested").checked = false;
    $("#tested-summary").hidden = true;
  }
  $("#explore").hidden = !on;
  svg?.classList.toggle("coverage", on);
  if (!on) return;
  $("#explore-summary").textContent = "exploring every path…";
  let found;
  try {
    found = await api("GET", "/api/flow/explore?name=" + encodeURIComponent(state.flow));
  } catch (error) {
    $("#explore-summary").textContent = error.message;
    return;
  }
  colour(new Set(found.steps), new Set(found.branches));
  const bound = found.complete ? "every path" : "bounded: not every path";
  $("#explore-summary").textContent = `${found.paths} paths (${bound}); commands ` +
    `${found.commands_percent}%, branches ${found.branches_percent}% covered; ` +
    `${found.problems.length} problem(s)`;
  const list = $("#problems");
  list.replaceChildren();
  for (const problem of found.problems) {
    const where = problem.line ? ` (line ${problem.line})` : "";
    const item = el("li", { class: "finding " + problem.severity },
      el("span", { class: "code" }, problem.code), `${problem.message}${where}: ${problem.script}`);
    if (problem.actions.length || problem.whole) {
      const button = el("button", { class: "replay" }, "replay on the phone");
      button.addEventListener("click", () => replay(problem));
      item.append(button);
    }
    list.append(item);
  }
}

async function replay(problem) {
  try {
    state.heard = 0;
    const call = await api("POST", `/api/calls/${state.call.call}/replay`, { actions: problem.actions });
    renderCall(call);
    const all = problem.whole && call.kept === problem.actions.length;
    notice(all ? `replayed: ${problem.script}`
      : `replayed ${call.kept} choice(s) of: ${problem.script} (the rest needs a choice the phone cannot make)`);
  } catch (error) {
    notice(error.message, true);
  }
}

// ---- live reload: the file changed on disk ---------------------------------------------------

async function watch() {
  try {
    const { digest } = await api("GET", "/api/flow/digest?name=" + encodeURIComponent(state.flow));
    if (digest !== state.digest && !state.busy) {
      renderFlow(await api("GET", "/api/flow?name=" + encodeURIComponent(state.flow)));
      if ($("#coverage").checked) showExplore();
      if ($("#tested").checked) showTested();
      try {
        const call = await api("POST", `/api/calls/${state.call.call}/reload`, {});
        state.heard = call.transcript.length;
        renderCall(call);
        notice(`the file changed: reloaded, ${call.kept} answer(s) still hold`);
      } catch (error) {
        notice("the file changed: " + error.message, true);
      }
    }
  } catch (error) {
    /* the server went away or the flow was removed: try again later */
  }
}

// ---- hearing it: the browser's speech synthesis and Web Audio (off by default) ---------------

let audio = null;

function hear(transcript) {
  if (transcript.length < state.heard) state.heard = 0;
  const fresh = transcript.slice(state.heard);
  state.heard = transcript.length;
  if (!$("#audio").checked) return;
  let at = 0; // seconds from now, on the virtual clock of the new events
  const start = fresh.length ? fresh[0].t : 0;
  for (const e of fresh) {
    at = (e.t - start) / 1000;
    if (e.kind === "say" && window.speechSynthesis) {
      const spoken = new SpeechSynthesisUtterance(e.data.text || "");
      if (e.data.lang) spoken.lang = e.data.lang;
      window.speechSynthesis.speak(spoken);
    } else if (e.kind === "tone" && (window.AudioContext || window.webkitAudioContext)) {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      osc.frequency.value = Number(e.data.hz) || 440;
      osc.connect(audio.destination);
      osc.start(audio.currentTime + at);
      osc.stop(audio.currentTime + at + (Number(e.data.length) || 500) / 1000);
    }
  }
}

// ---- wiring ------------------------------------------------------------------------------------

function wire() {
  for (const b of document.querySelectorAll("#keypad button")) {
    b.addEventListener("click", () => send({ kind: "keys", value: b.dataset.key }));
  }
  $("#silence").addEventListener("click", () => send({ kind: "silence" }));
  $("#hangup").addEventListener("click", () => send({ kind: "hangup" }));
  for (const b of document.querySelectorAll("[data-dial]")) {
    b.addEventListener("click", () => send({ kind: "dial", value: b.dataset.dial }));
  }
  for (const b of document.querySelectorAll("[data-http]")) {
    b.addEventListener("click", () => send({ kind: "http", value: b.dataset.http }));
  }
  $("#dial-timed").addEventListener("click", () => {
    const after = $("#dial-after").value.trim();
    const talk = $("#dial-talk").value.trim();
    if (!/^[0-9]+$/.test(after) || (talk && !/^[0-9]+$/.test(talk))) {
      notice("answer at these times: AFTER_MS (and TALK_MS) in whole milliseconds", true);
      return;
    }
    send({ kind: "dial", value: talk ? `answer:${after}:${talk}` : `answer:${after}` });
  });
  $("#http-send").addEventListener("click", () => {
    send({ kind: "http", value: "xml " + $("#http-xml").value });
  });
  $("#back").addEventListener("click", () => { state.heard = 0; send({ kind: "back" }); });
  $("#restart").addEventListener("click", () => { state.heard = 0; send({ kind: "restart" }); });
  $("#save").addEventListener("click", save);
  $("#coverage").addEventListener("change", showExplore);
  $("#tested").addEventListener("change", showTested);
  $("#fit").addEventListener("change", () => {
    $("#graph svg")?.classList.toggle("fit", $("#fit").checked);
  });
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
    if (/^[0-9*#]$/.test(event.key) && state.call?.waiting === "keys") {
      send({ kind: "keys", value: event.key });
    }
  });
}

async function main() {
  const flow = new URLSearchParams(location.search).get("flow");
  try {
    if (!flow) {
      await showList();
      return;
    }
    state.flow = flow;
    $("#flow").hidden = false;
    wire();
    const stem = flow.split("/").pop().replace(/\.xml$/i, "");
    $("#save-name").value = stem + "-walk.yaml";
    renderFlow(await api("GET", "/api/flow?name=" + encodeURIComponent(flow)));
    setInterval(watch, 2000);
    window.addEventListener("pagehide", () => {
      if (state.call) fetch(`/api/calls/${state.call.call}`, { method: "DELETE", keepalive: true });
    });
    await place();
  } catch (error) {
    notice(error.message, true);
    if (state.flow) $("#status").textContent = "no call: " + error.message;
  }
}

main();
