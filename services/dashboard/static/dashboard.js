// The dashboard page: fetches the JSON views with the official's bearer token and draws them
// with Chart.js (served from this service). The token comes from the URL fragment (#token=…),
// which never reaches a server, and stays in this tab's sessionStorage.
"use strict";

const state = { token: null, charts: {} };

function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("token")) {
    sessionStorage.setItem("craftsman-token", fragment.get("token"));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem("craftsman-token");
}

function filters() {
  const params = new URLSearchParams();
  const year = document.getElementById("year").value;
  const region = document.getElementById("region").value;
  if (year) params.set("year", year);
  if (region) params.set("region", region);
  return params;
}

async function api(path, params = new URLSearchParams()) {
  const query = params.toString();
  const answer = await fetch(path + (query ? "?" + query : ""), {
    headers: { Authorization: "Bearer " + state.token },
  });
  if (!answer.ok) {
    let message = answer.statusText;
    try { message = (await answer.json()).error.message; } catch (_) { /* not our error shape */ }
    throw new Error(`${path}: ${answer.status} ${message}`);
  }
  return answer.json();
}

function cell(text, numeric = false) {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) td.className = "n";
  return td;
}

function fill(tableId, rows, columns, onPick) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    for (const [key, numeric] of columns) tr.append(cell(typeof key === "function" ? key(row) : row[key], numeric));
    if (onPick) { tr.className = "pick"; tr.addEventListener("click", () => onPick(row)); }
    return tr;
  }));
}

function chart(id, type, labels, datasets, options = {}) {
  if (state.charts[id]) state.charts[id].destroy();
  state.charts[id] = new Chart(document.getElementById(id), {
    type, data: { labels, datasets },
    options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: datasets.length > 1 } }, ...options },
  });
}

function showError(error) {
  const box = document.getElementById("error");
  box.textContent = String(error.message || error);
  box.hidden = false;
}

async function drawPyramid() {
  const pyramid = await api("/api/pyramid", filters());
  const levels = pyramid.levels;
  fill("pyramid", levels, [["band"], ["label"], ["count", true]]);
  document.querySelectorAll("#pyramid tbody tr").forEach((tr, i) => {
    tr.dataset.level = levels[i].level;
    tr.lastChild.dataset.testid = `pyramid-${levels[i].level}`;
  });
  const top = [...levels].reverse();
  chart("pyramid-chart", "bar", top.map((l) => l.label), [{ label: "holders", data: top.map((l) => l.count), backgroundColor: "#457b9d" }], { indexAxis: "y" });
}

async function drawCounts() {
  const counts = await api("/api/counts", filters());
  for (const [id, rows] of [["county-chart", counts.by_county], ["industry-chart", counts.by_industry]]) {
    chart(id, "bar", rows.map((r) => r.label), [
      { label: "workers", data: rows.map((r) => r.workers), backgroundColor: "#1d3557" },
      { label: "enterprises", data: rows.map((r) => r.enterprises), backgroundColor: "#a8dadc" },
    ]);
  }
}

async function drawContests() {
  const contests = await api("/api/contests", filters());
  fill("contests", contests, [["title"], ["level"], ["year", true], ["entrants", true]], drawLeaderboard);
  if (contests.length) await drawLeaderboard(contests[0]);
}

async function drawLeaderboard(contest) {
  const params = filters();
  params.delete("year");
  const board = await api(`/api/contests/${encodeURIComponent(contest.contest_id)}/leaderboard`, params);
  document.getElementById("leaderboard-title").textContent = contest.title;
  fill("leaderboard", board.rows, [["rank", true], ["worker_id"], [(r) => r.enterprise_name || r.enterprise_id], [(r) => r.standardised_score.toFixed(1), true], ["medal"]], (r) => drawProfile(r.worker_id));
}

async function drawLeaders() {
  const leaders = await api("/api/points/leaders", filters());
  fill("leaders", leaders, [["worker_id"], ["enterprise_name"], [(r) => r.points.toFixed(1), true]], (r) => drawProfile(r.worker_id));
}

async function drawGrants() {
  const bars = await api("/api/grants", filters());
  chart("grants-chart", "bar", bars.map((b) => b.name), [
    { label: "budget", data: bars.map((b) => b.budget), backgroundColor: "#a8dadc" },
    { label: "granted", data: bars.map((b) => b.granted), backgroundColor: "#e63946" },
  ]);
}

async function drawEnterprises() {
  const params = filters();
  params.delete("year");
  const list = await api("/api/enterprises", params);
  const select = document.getElementById("enterprise");
  select.replaceChildren(new Option("choose an enterprise", ""), ...list.map((e) => new Option(`${e.name} (${e.workers})`, e.enterprise_id)));
}

async function drawRoster() {
  const id = document.getElementById("enterprise").value;
  if (!id) return;
  const params = filters();
  params.delete("region");
  const roster = await api(`/api/enterprises/${encodeURIComponent(id)}/roster`, params);
  fill("roster", roster.workers, [[(w) => (w.erased ? "(erased) " : "") + w.worker_id], ["trade"], ["tier"], [(w) => w.titles.join(", ")], [(w) => w.points.toFixed(1), true]], (w) => drawProfile(w.worker_id));
}

async function drawProfile(workerId) {
  document.getElementById("worker-input").value = workerId;
  const params = filters();
  params.delete("region");
  const profile = await api(`/api/workers/${encodeURIComponent(workerId)}/timeline`, params);
  document.getElementById("profile").textContent =
    `${profile.worker_id} · ${profile.enterprise_name || profile.enterprise_id} · ${profile.trade} · ${profile.skill_level} · tier ${profile.tier} · ${profile.points.toFixed(1)} points`;
  document.getElementById("timeline").replaceChildren(...profile.timeline.map((entry) => {
    const li = document.createElement("li");
    li.textContent = `${entry.occurred_on} ${entry.event_type}: ${entry.summary}`;
    return li;
  }));
}

async function drawLive() {
  const live = await api("/api/live");
  document.getElementById("live-at").textContent = live.available ? new Date(live.sampled_at * 1000).toLocaleTimeString() : "(Kafka unavailable)";
  const text = (v) => (v === null || v === undefined ? "–" : String(v));
  fill("live", live.services, [["service"], [(s) => text(s.events), true], [(s) => text(s.events_per_second), true], [(s) => text(s.lag), true], [(s) => Object.entries(s.groups).map(([g, l]) => `${g}: ${l}`).join(", ")]]);
}

async function drawAll() {
  document.getElementById("error").hidden = true;
  const views = [drawPyramid, drawCounts, drawContests, drawLeaders, drawGrants, drawEnterprises, drawLive];
  const outcomes = await Promise.allSettled(views.map((view) => view()));
  outcomes.filter((o) => o.status === "rejected").forEach((o) => showError(o.reason));
  document.body.dataset.loaded = "true";
}

async function start() {
  state.token = takeToken();
  if (!state.token) {
    document.getElementById("signin").hidden = false;
    document.getElementById("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem("craftsman-token", document.getElementById("token-input").value.trim());
      location.reload();
    });
    return;
  }
  const years = document.getElementById("year");
  const now = new Date().getFullYear();
  for (let year = now; year >= now - 10; year--) years.append(new Option(String(year), String(year)));
  try {
    const regions = await api("/api/regions");
    document.getElementById("region").append(...regions.map((r) => new Option(`${r.name} (${r.kind})`, r.region_id)));
  } catch (error) { showError(error); }
  document.getElementById("filters").addEventListener("change", drawAll);
  document.getElementById("enterprise").addEventListener("change", () => drawRoster().catch(showError));
  document.getElementById("worker-form").addEventListener("submit", (event) => {
    event.preventDefault();
    drawProfile(document.getElementById("worker-input").value.trim()).catch(showError);
  });
  await drawAll();
  setInterval(() => drawLive().catch(() => {}), 5000);
}

start();
