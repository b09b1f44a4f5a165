// The supervisor's console: plain JavaScript over the node's API and its notification socket, no build step.
//
// Every view is read from the node (GET) and drawn again when a notification says it changed; nothing is
// inferred locally. A Monitor click is always decided by the engine: a greyed or enabled button is what the
// node's view said, which may be stale (M26), and a refusal is shown in the words of its rule.
"use strict";

const Console = (() => {
  const state = {
    token: null,
    me: null,
    nodeId: null,
    socket: null,
    socketOpen: false,
    reconnectDelay: 500,
    live: true,
    pendingChanges: 0,
    pausedAt: null,
    updatedAt: null,
    lastLagMilliseconds: null,
    refreshTimer: null,
    renewTimer: null,
    panel: [],
    expandedAgents: new Set(),
    renderGeneration: 0,
  };

  // ---- Small helpers ------------------------------------------------------------------------------------

  /** An element with attributes and children; text is always a text node, never parsed as HTML. */
  function h(tag, attributes, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else if (name === "dataset") Object.assign(element.dataset, value);
      // Through the CSSOM: the page's policy forbids inline style attributes.
      else if (name === "style") Object.assign(element.style, value);
      else element.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  }

  function binocularsIcon(label) {
    return h("img", { src: "/console/binoculars.svg", class: "binoculars", alt: label || "", width: 18, height: 18 });
  }

  /** An instant of the engine (integer nanoseconds since the Unix epoch) as a Date. */
  function dateOf(instant) {
    return new Date(Number(instant) / 1e6);
  }

  function clock(instant) {
    const date = instant instanceof Date ? instant : dateOf(instant);
    return date.toLocaleTimeString("en-GB", { hour12: false }) + "." + String(date.getMilliseconds()).padStart(3, "0");
  }

  function span(nanoseconds) {
    let seconds = Math.max(0, Math.round(Number(nanoseconds) / 1e9));
    const hours = Math.floor(seconds / 3600);
    seconds -= hours * 3600;
    const minutes = Math.floor(seconds / 60);
    seconds -= minutes * 60;
    if (hours > 0) return `${hours} h ${String(minutes).padStart(2, "0")} min`;
    if (minutes > 0) return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
    return `${seconds} s`;
  }

  const presenceNames = {
    available: "Available", busy: "Busy", away: "Away", onBreak: "On break", meal: "Meal", meeting: "Meeting",
    training: "Training", onQueue: "On queue", offline: "Offline",
  };
  const platformNames = {
    whatsApp: "WhatsApp", facebook: "Facebook", instagram: "Instagram", twitter: "X (Twitter)", line: "LINE",
    appleMessages: "Apple Messages", openMessaging: "Open Messaging",
  };
  const endReasons = {
    stoppedFromInteraction: "stopped from the interaction", stoppedFromDetails: "stopped from interaction details",
    conversationEnded: "the conversation ended", monitoredAgentLeft: "the monitored agent left",
    supervisorOffline: "the supervisor went offline", accessRevoked: "access was revoked",
    leaseExpired: "the lease expired",
  };

  function channelName(channel) {
    if (!channel) return "";
    switch (channel.type) {
      case "webMessaging": return "Web messaging";
      case "messaging": return platformNames[channel.platform] || channel.platform;
      case "sms": return "SMS";
      case "voice": return "Voice";
      case "callback": return "Callback";
      case "email": return "Email";
      default: return channel.type;
    }
  }

  function stateName(conversationState) {
    return { queued: "Queued", inProgress: "In progress", wrapUp: "Wrap-up", ended: "Ended" }[conversationState]
      || conversationState;
  }

  /** Why a Monitor button is unavailable, in the words of its rule (M9). */
  function unavailableText(unavailable) {
    switch (unavailable && unavailable.reason) {
      case "licence": return `Your licence (${unavailable.licence}) does not include digital monitoring (M1)`;
      case "permission": return `You lack the permission ${unavailable.permission} (M2)`;
      case "presence": return `Your presence is ${presenceNames[unavailable.presence] || unavailable.presence}; set it to Available to monitor (M3)`;
      case "channel": return `${channelName(unavailable.channel)} interactions cannot be monitored (M4)`;
      case "state": return `The interaction is not in progress: ${stateName(unavailable.state)} (M5)`;
      case "ownConversation": return "You are a participant of this interaction (M7)";
      default: return "Monitoring is unavailable";
    }
  }

  /** A refusal of the node, in the words of its rule; the node's own message where the console has none. */
  function refusalText(refusal) {
    const code = refusal && refusal.code;
    switch (code) {
      case "licenceNotEligible":
        return `Your licence (${refusal.licence}) does not include monitoring digital interactions (M1).`;
      case "missingPermission":
        return `You need the permission ${refusal.permission} for this (M2).`;
      case "supervisorNotAvailable":
        return `To monitor, your presence must be Available; it is ${presenceNames[refusal.presence] || refusal.presence} (M3).`;
      case "channelNotMonitorable":
        return `${channelName(refusal.channel)} interactions cannot be monitored: only web messaging, third-party messaging and SMS (M4).`;
      case "conversationNotInProgress":
        return `This interaction is not in progress (${stateName(refusal.state)}): only an interaction with a connected agent can be monitored (M5).`;
      case "agentChoiceRequired":
        return "Several agents are connected: choose whose view to monitor, from the interaction's details (M6).";
      case "notAConnectedAgent":
        return "That participant is not a connected agent of the interaction (M6).";
      case "cannotMonitorOwnConversation":
        return "You are a participant of this interaction and cannot monitor it (M7).";
      case "alreadyMonitored": {
        const since = refusal.sinceTime ? ` since ${clock(new Date(refusal.sinceTime))}` : "";
        return `${refusal.monitoredBy ? refusal.monitoredBy.name : "Another supervisor"} is already monitoring this interaction${since}: only one supervisor may monitor it at a time (M8).`;
      }
      case "sessionAlreadyEnded":
        return `That monitoring session has already ended (${endReasons[refusal.reason] || refusal.reason}); nothing else was stopped (M11).`;
      case "monitorCannotParticipate":
        return "A monitoring supervisor cannot take part in the interaction (M16).";
      case "notSessionOwner":
        return "Only the supervisor who started this monitoring session may stop it (M17).";
      case "unauthenticated":
        return "Your token is not known to this node: sign in again.";
      default:
        return (refusal && refusal.message) || "The node refused the request.";
    }
  }

  // ---- The node's API -------------------------------------------------------------------------------------

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${state.token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    // A retry of the same click must not be applied twice: every command carries a key of its own.
    if (method === "POST" || method === "PUT") headers["Idempotency-Key"] = crypto.randomUUID();
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      return { status: 0, json: { code: "unreachable", message: `The node cannot be reached: ${error.message}` } };
    }
    let json = null;
    try { json = await response.json(); } catch (_) { json = null; }
    if (response.status === 401) signOut(refusalText({ code: "unauthenticated" }));
    return { status: response.status, json };
  }

  // ---- Notices and announcements ---------------------------------------------------------------------------

  function announce(text) {
    const announcer = document.getElementById("announcer");
    announcer.textContent = "";
    // A new text node each time, so that the same sentence twice is announced twice.
    setTimeout(() => { announcer.textContent = text; }, 30);
  }

  function showNotice(text, kind) {
    const notice = document.getElementById("notice");
    notice.classList.toggle("info", kind === "info");
    document.getElementById("notice-text").textContent = text;
    notice.hidden = false;
  }

  function hideNotice() {
    document.getElementById("notice").hidden = true;
  }

  // ---- Freshness: live, paused or offline, and how stale the view may be (M26) -----------------------------

  function drawFreshness() {
    const bar = document.getElementById("freshness");
    if (!state.me) { bar.hidden = true; return; }
    bar.hidden = false;
    const node = state.nodeId ? `node ${state.nodeId}` : "node";
    const updated = state.updatedAt ? ` · updated ${clock(state.updatedAt)}` : "";
    let text;
    if (!state.live) {
      bar.dataset.live = "paused";
      const waiting = state.pendingChanges === 1 ? "1 change" : `${state.pendingChanges} changes`;
      text = `Paused at ${clock(state.pausedAt)} · ${waiting} not shown · this view may be stale; a Monitor click is still decided by the engine`;
    } else if (!state.socketOpen) {
      bar.dataset.live = "offline";
      text = `Reconnecting to ${node}… this view may be stale${updated}`;
    } else {
      bar.dataset.live = "live";
      const lag = state.lastLagMilliseconds === null ? ""
        : ` · last change reached ${node} ${state.lastLagMilliseconds} ms after it was committed`;
      text = `Live from ${node}${updated}${lag}`;
    }
    bar.replaceChildren(h("span", { class: "dot", "aria-hidden": "true" }), text);
    bar.dataset.lagMilliseconds = state.lastLagMilliseconds === null ? "" : String(state.lastLagMilliseconds);
  }

  function setLive(live) {
    state.live = live;
    const toggle = document.getElementById("live-toggle");
    toggle.setAttribute("aria-pressed", String(!live));
    toggle.textContent = live ? "Pause live updates" : "Resume live updates";
    if (live) {
      state.pendingChanges = 0;
      refresh();
    } else {
      state.pausedAt = new Date();
    }
    announce(live ? "Live updates resumed" : "Live updates paused: the view may become stale");
    drawFreshness();
  }

  // ---- Notifications --------------------------------------------------------------------------------------

  function connect() {
    if (!state.me) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v2/notifications?access_token=${encodeURIComponent(state.token)}`);
    state.socket = socket;
    socket.addEventListener("open", () => {
      state.socketOpen = true;
      state.reconnectDelay = 500;
      const topics = [`v2.users.${state.me.id}.conversations`];
      if (state.me.viewsConversations) topics.push("v2.analytics.conversations");
      socket.send(JSON.stringify({ subscribe: topics }));
      drawFreshness();
      // Whatever happened while the socket was down is read again.
      refresh();
    });
    socket.addEventListener("message", (message) => onNotification(message.data));
    socket.addEventListener("close", () => {
      if (state.socket !== socket) return;
      state.socketOpen = false;
      drawFreshness();
      setTimeout(connect, state.reconnectDelay);
      state.reconnectDelay = Math.min(state.reconnectDelay * 2, 8000);
    });
  }

  function onNotification(data) {
    let notification;
    try { notification = JSON.parse(data); } catch (_) { return; }
    if (notification.topicName === "channel.metadata") return;
    const body = notification.eventBody || {};
    if (notification.topicName === "v2.analytics.conversations" && typeof body.lagMilliseconds === "number") {
      state.lastLagMilliseconds = body.lagMilliseconds;
    }
    if (!state.live) {
      state.pendingChanges += 1;
      drawFreshness();
      return;
    }
    scheduleRefresh();
  }

  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = null;
      refresh();
    }, 40);
  }

  // ---- Monitoring actions ---------------------------------------------------------------------------------

  const base = (conversation) => `/api/v2/conversations/messages/${conversation}`;

  async function startMonitoring(conversation, participant, entryPoint, agentName) {
    const path = participant === undefined || participant === null
      ? `${base(conversation)}/monitor` : `${base(conversation)}/participants/${participant}/monitor`;
    const reply = await api("POST", path, { entryPoint });
    if (reply.status === 200 || reply.status === 201) {
      hideNotice();
      announce(`You are monitoring interaction ${conversation}${agentName ? `, from ${agentName}'s view` : ""}.`);
      await loadPanel();
      location.hash = `#/monitoring/${conversation}`;
      return;
    }
    showNotice(`Could not monitor interaction ${conversation}: ${refusalText(reply.json)}`);
    // A refusal tells what is true now: show it, even on a paused view.
    await refresh({ evenIfPaused: true });
  }

  async function stopMonitoring(conversation, token, from) {
    const reply = await api("POST", `${base(conversation)}/monitor/sessions/${token}/stop`, { from });
    if (reply.status === 200) {
      hideNotice();
      announce(`You stopped monitoring interaction ${conversation}.`);
    } else {
      showNotice(`Could not stop monitoring interaction ${conversation}: ${refusalText(reply.json)}`);
    }
    await refresh({ evenIfPaused: true });
  }

  /** Keeps every session this supervisor holds alive: a console that stops renewing loses them (M12). */
  async function renewLeases() {
    for (const entry of state.panel.filter((entry) => entry.monitoring && entry.session)) {
      const reply = await api("POST", `${base(entry.conversation)}/monitor/sessions/${entry.session.token}/renew`, {});
      if (reply.status !== 200) scheduleRefresh();
    }
  }

  /** The Monitor action for one agent of one interaction, in its three states (M9). */
  function monitorControl({ conversation, participant, agentName, button, entryPoint, stoppableSession, stopFrom }) {
    const dataset = { conversation: String(conversation), participant: participant === undefined ? "" : String(participant) };
    const who = agentName ? ` from ${agentName}'s view` : "";
    if (stoppableSession) {
      return h("span", { class: "agent-action" },
        h("span", { class: "mark" }, binocularsIcon("You are monitoring"), " You are monitoring"),
        h("button", {
          type: "button", class: "stop", dataset: { ...dataset, action: "stop" },
          "aria-label": `Stop Monitoring interaction ${conversation}${agentName ? `, ${agentName}` : ""}`,
          onclick: () => stopMonitoring(conversation, stoppableSession.token, stopFrom || "details"),
        }, "Stop Monitoring"));
    }
    switch (button && button.button) {
      case "monitor":
        return h("button", {
          type: "button", class: "monitor", dataset: { ...dataset, state: "monitor" },
          "aria-label": `Monitor interaction ${conversation}${who}`,
          onclick: (event) => {
            if (event.currentTarget.getAttribute("aria-disabled") === "true") return;
            event.currentTarget.setAttribute("aria-disabled", "true");
            startMonitoring(conversation, participant, entryPoint, agentName);
          },
        }, "Monitor");
      case "monitoredBy": {
        const mine = button.monitoredBy.id === state.me.id;
        const name = mine ? "you" : button.monitoredBy.name;
        const since = button.since ? ` since ${clock(button.since)}` : "";
        return h("button", {
          type: "button", class: "monitor", "aria-disabled": "true",
          dataset: { ...dataset, state: "monitoredBy", holder: String(button.monitoredBy.id) },
          "aria-label": `Monitor interaction ${conversation}${who}: unavailable, monitored by ${name}${since}`,
          title: `Monitored by ${name}${since}: only one supervisor may monitor an interaction (M8)`,
        }, binocularsIcon(), ` Monitored by ${name}`);
      }
      default: {
        const reason = unavailableText(button && button.unavailable);
        return h("span", { class: "agent-action" },
          h("button", {
            type: "button", class: "monitor", "aria-disabled": "true", dataset: { ...dataset, state: "unavailable" },
            "aria-label": `Monitor interaction ${conversation}${who}: unavailable. ${reason}`, title: reason,
          }, "Monitor"),
          h("span", { class: "reason" }, reason));
      }
    }
  }

  // ---- Views ----------------------------------------------------------------------------------------------

  function interactionTable(rows, entryPoint, caption) {
    if (rows.length === 0) return h("p", { class: "empty-view" }, "No interaction in progress.");
    return h("table", {},
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {},
        ["Interaction", "Channel", "Queue", "Agents and Monitor", "Duration"].map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, rows.map((row) => h("tr", { dataset: { conversation: String(row.conversation) } },
        h("td", { "data-label": "Interaction" },
          h("a", { href: `#/conversations/${row.conversation}` }, `Interaction ${row.conversation}`),
          h("span", { class: "reason" }, stateName(row.state))),
        h("td", { "data-label": "Channel" }, channelName(row.channel)),
        h("td", { "data-label": "Queue" }, row.queueName || "—"),
        h("td", { "data-label": "Agents and Monitor" }, row.agents.length === 0 ? "No agent connected"
          : row.agents.map((agent) => h("div", { class: "agent-action" },
            h("span", {}, agent.name),
            monitorControl({
              conversation: row.conversation, participant: agent.participant, agentName: agent.name,
              button: agent.button, entryPoint,
            })))),
        h("td", { "data-label": "Duration" }, span(row.duration))))));
  }

  async function viewInteractions() {
    const reply = await api("GET", "/api/v2/analytics/interactions");
    if (reply.status !== 200) return refusalView("Interactions", reply);
    return [
      h("h1", {}, "Performance › Interactions"),
      h("p", { class: "subtitle" }, "Interactions in progress on web messaging, third-party messaging and SMS. Monitor watches one agent's view, silently."),
      interactionTable(reply.json, "interactions", "Interactions in progress"),
    ];
  }

  async function viewQueues(queueID) {
    const queues = await api("GET", "/api/v2/routing/queues");
    if (queues.status !== 200) return refusalView("Queue Activity", queues);
    if (queues.json.length === 0) return [h("h1", {}, "Performance › Queue Activity"), h("p", { class: "empty-view" }, "No queue.")];
    const chosen = queueID || queues.json[0].id;
    const reply = await api("GET", `/api/v2/routing/queues/${chosen}/activity`);
    if (reply.status !== 200) return refusalView("Queue Activity", reply);
    const activity = reply.json;
    const picker = h("label", {}, "Queue ",
      h("select", { id: "queue-picker", onchange: (event) => { location.hash = `#/queues/${event.target.value}`; } },
        queues.json.map((queue) => h("option", { value: queue.id, selected: queue.id === chosen }, queue.name))));
    const agents = activity.onQueueAgents.length === 0 ? h("p", { class: "empty-view" }, "No agent on queue.")
      : h("ul", { class: "agents-list" }, activity.onQueueAgents.map((agent) => {
        const key = `${chosen}:${agent.user}`;
        const expanded = state.expandedAgents.has(key);
        const listID = `agent-${agent.user}-interactions`;
        return h("li", {},
          h("button", {
            type: "button", "aria-expanded": String(expanded), "aria-controls": listID,
            onclick: () => {
              if (state.expandedAgents.has(key)) state.expandedAgents.delete(key); else state.expandedAgents.add(key);
              refresh({ evenIfPaused: true });
            },
          }, `${expanded ? "▾" : "▸"} ${agent.name} · ${agent.interactions.length} interaction${agent.interactions.length === 1 ? "" : "s"}`),
          expanded ? h("ul", { id: listID }, agent.interactions.map((row) => h("li", {},
            h("a", { href: `#/conversations/${row.conversation}` }, `Interaction ${row.conversation}`),
            ` · ${channelName(row.channel)} · ${span(row.duration)}`))) : null);
      }));
    return [
      h("h1", {}, `Performance › Queue Activity: ${activity.name}`),
      picker,
      h("h2", { class: "section" }, "Interacting"),
      interactionTable(activity.interacting, "queueActivity", `Interactions in progress on ${activity.name}`),
      h("h2", { class: "section" }, "On-Queue agents"),
      agents,
    ];
  }

  function participantRows(records, names) {
    return h("table", {},
      h("thead", {}, h("tr", {}, ["Name", "Role", "State", "Started", "Ended"].map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, records.map((record) => h("tr", { dataset: { participant: String(record.participant) } },
        h("td", { "data-label": "Name" },
          record.monitoring ? h("span", { class: "mark" }, binocularsIcon("Monitoring"), ` ${record.name}`) : record.name,
          record.monitoring ? h("span", { class: "reason" }, `monitoring ${names.get(record.monitoredParticipant) || "an agent"}`) : null),
        h("td", { "data-label": "Role" }, record.monitoring ? "Monitor" : record.purpose === "agent" ? "Agent" : record.purpose === "customer" ? "Customer" : record.purpose),
        h("td", { "data-label": "State" }, record.state),
        h("td", { "data-label": "Started" }, clock(record.startedAt)),
        h("td", { "data-label": "Ended" }, record.endedAt ? clock(record.endedAt) : "—")))));
  }

  function timelineText(event, names, supervisors, queueName) {
    const who = (participant) => names.get(participant) || `participant ${participant}`;
    switch (event.type) {
      case "created": return `Created on ${channelName(event.channel)}`;
      case "queued": return `Queued on ${queueName(event.queue)}`;
      case "transferred":
        return event.to && event.to.type === "queue" ? `Transferred by ${who(event.from)} to ${queueName(event.to.queue)}`
          : `Transferred by ${who(event.from)} to another agent`;
      case "agentAlerted": return `${who(event.participant)} alerted`;
      case "agentConnected": return `${who(event.participant)} connected`;
      case "message": return `Message ${event.direction === "inbound" ? "from" : "by"} ${who(event.sender)}`;
      case "monitoringStarted": return `Monitoring started by ${supervisors.get(event.supervisor) || `user ${event.supervisor}`}, watching ${who(event.monitoredParticipant)} (session ${event.session.token})`;
      case "monitoringEnded": return `Monitoring ended: ${endReasons[event.reason] || event.reason} (session ${event.session.token})`;
      case "agentDisconnected": return `${who(event.participant)} disconnected`;
      case "agentWrappedUp": return `${who(event.participant)} wrapped up: ${event.code}`;
      case "ended": return event.abandoned ? "Ended: the customer gave up" : "Ended";
      default: return event.type;
    }
  }

  function monitoringSpans(details, supervisors) {
    const spans = new Map();
    for (const entry of details.timeline) {
      const event = entry.event;
      if (event.type === "monitoringStarted") spans.set(event.session.token, { start: Number(entry.instant), end: null, supervisor: event.supervisor });
      if (event.type === "monitoringEnded" && spans.has(event.session.token)) spans.get(event.session.token).end = Number(entry.instant);
    }
    if (spans.size === 0) return h("p", { class: "empty-view" }, "Not monitored.");
    const first = Number(details.timeline[0].instant);
    const last = Math.max(first + 1, Date.now() * 1e6, ...details.timeline.map((entry) => Number(entry.instant)));
    return h("div", { class: "spans", "aria-label": "Monitoring spans" }, [...spans.entries()].map(([token, item]) => {
      const end = item.end || last;
      const left = ((item.start - first) / (last - first)) * 100;
      const width = Math.max(((end - item.start) / (last - first)) * 100, 0.5);
      const label = `Session ${token}: ${supervisors.get(item.supervisor) || `user ${item.supervisor}`}, ${clock(item.start)} to ${item.end ? clock(item.end) : "now"} (${span(end - item.start)})`;
      return h("div", { class: "span-row" }, h("span", {}, label),
        h("div", { class: "span-track", role: "img", "aria-label": label },
          h("div", { class: "span-bar", style: { left: `${left}%`, width: `${width}%` } })));
    }));
  }

  /** Queue names by id, for a user who may list the queues; an empty map for anyone else. */
  async function queueNames() {
    if (!state.me.viewsQueues && !state.me.isAdministrator) return new Map();
    const reply = await api("GET", "/api/v2/routing/queues");
    return new Map(reply.status === 200 ? reply.json.map((queue) => [queue.id, queue.name]) : []);
  }

  async function viewDetails(conversation, tab) {
    const [reply, queues] = await Promise.all([api("GET", `/api/v2/conversations/${conversation}/details`), queueNames()]);
    if (reply.status !== 200) return refusalView(`Interaction ${conversation}`, reply);
    const details = reply.json;
    const queueName = (id) => queues.get(id) || `queue ${id}`;
    const names = new Map([...details.external, ...details.internal].map((record) => [record.participant, record.name]));
    const supervisors = new Map(details.internal.filter((record) => record.monitoring).map((record) => [record.user, record.name]));
    const tabs = [["participants", "Participants"], ["metrics", "Metrics"], ["timeline", "Timeline"]];
    const current = tabs.some(([id]) => id === tab) ? tab : "participants";
    const tabList = h("div", { class: "tabs", role: "tablist", "aria-label": "Interaction details" },
      tabs.map(([id, title]) => h("button", {
        type: "button", role: "tab", id: `tab-${id}`, "aria-selected": String(id === current), "aria-controls": "tab-panel",
        tabindex: id === current ? "0" : "-1",
        onclick: () => { location.hash = `#/conversations/${conversation}/${id}`; },
        onkeydown: (event) => {
          const index = tabs.findIndex(([key]) => key === current);
          const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (step !== 0) location.hash = `#/conversations/${conversation}/${tabs[(index + step + tabs.length) % tabs.length][0]}`;
        },
      }, title)));
    let panel;
    if (current === "metrics") {
      const metrics = details.metrics;
      const rows = [
        ["Total duration", span(metrics.totalDuration)], ["Time in queue", span(metrics.timeInQueue)],
        ["Handle time", span(metrics.handleTime)], ["Messages inbound", metrics.messagesInbound],
        ["Messages outbound", metrics.messagesOutbound], ["tMonitoring (summed)", span(metrics.tMonitoring)],
        ["nMonitoringSessions", metrics.nMonitoringSessions],
        ["tMonitoringComplete", `${metrics.tMonitoringCompleteCount} sessions, ${span(metrics.tMonitoringComplete)}`],
        ...metrics.tMonitoringPerSession.map((item) => [`tMonitoring, session ${item.session.token}`, span(item.time)]),
      ];
      panel = h("dl", { class: "facts", id: "metrics" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, String(value))]));
    } else if (current === "timeline") {
      panel = [
        h("h2", { class: "section" }, "Monitoring"),
        monitoringSpans(details, supervisors),
        h("h2", { class: "section" }, "Events"),
        h("ol", { class: "timeline" }, details.timeline.map((entry) => h("li", {},
          h("time", { datetime: dateOf(entry.instant).toISOString() }, clock(entry.instant)),
          h("span", {}, timelineText(entry.event, names, supervisors, queueName))))),
      ];
    } else {
      const actions = details.actions.length === 0 ? h("p", { class: "empty-view" }, "No agent connected.")
        : h("ul", { class: "agents-list", id: "agent-actions" }, details.actions.map((action) => h("li", {},
          h("span", {}, `${action.agentName} `),
          monitorControl({
            conversation, participant: action.participant, agentName: action.agentName, button: action.button,
            entryPoint: "interactionDetails", stoppableSession: action.stoppableSession, stopFrom: "details",
          }))));
      panel = [
        h("h2", { class: "section" }, "External"),
        participantRows(details.external, names),
        h("h2", { class: "section" }, "Internal"),
        participantRows(details.internal, names),
        h("h2", { class: "section" }, "Monitor"),
        actions,
      ];
    }
    return [
      h("h1", {}, `Interaction ${conversation}`),
      h("dl", { class: "facts" },
        h("dt", {}, "Channel"), h("dd", {}, channelName(details.channel)),
        h("dt", {}, "State"), h("dd", {}, stateName(details.state)),
        h("dt", {}, "Queue"), h("dd", {}, details.queue === undefined || details.queue === null ? "—" : queueName(details.queue))),
      tabList,
      h("div", { role: "tabpanel", id: "tab-panel", "aria-labelledby": `tab-${current}` }, panel),
    ];
  }

  function contextPanels(context) {
    const list = (items) => items.length === 0 ? h("p", {}, "—") : h("ul", {}, items.map((item) => h("li", {}, item)));
    const data = Object.entries(context.participantData || {}).map(([key, value]) => `${key}: ${value}`);
    const customer = context.customer || {};
    return h("aside", { class: "context", "aria-label": "What the agent has beside the conversation" },
      h("section", {}, h("h2", {}, "Customer details"), list([customer.name, customer.address].filter(Boolean)
        .concat(Object.entries(customer.attributes || {}).map(([key, value]) => `${key}: ${value}`)))),
      h("section", {}, h("h2", {}, "Participant data"), list(data)),
      h("section", {}, h("h2", {}, "Journey"), list(context.journey || [])),
      h("section", {}, h("h2", {}, "Script"), h("p", {}, context.script || "—")),
      h("section", {}, h("h2", {}, "Wrap-up codes"), list(context.wrapUpCodes || [])));
  }

  function transcript(content) {
    const names = new Map(content.participants.map((participant) => [participant.id, participant.name]));
    return h("ol", { class: "transcript", "aria-label": "Transcript", "aria-live": "polite" },
      content.transcript.map((message) => h("li", { class: message.direction },
        h("span", { class: "meta" }, `${names.get(message.sender) || `participant ${message.sender}`} · ${clock(message.sentAt)}`),
        message.body)));
  }

  function participantsLine(content) {
    return h("p", { class: "subtitle" }, `${channelName(content.channel)} · ${stateName(content.state)} · participants: `,
      content.participants.map((participant) => participant.name).join(", "));
  }

  async function viewMonitoring(conversation) {
    const entry = state.panel.find((item) => item.monitoring && item.conversation === conversation);
    if (!entry) {
      return [h("h1", {}, `Interaction ${conversation}`),
        h("p", { class: "empty-view" }, "You are not monitoring this interaction (the session ended, or was never started). ",
          h("a", { href: `#/conversations/${conversation}` }, "See its details"), ".")];
    }
    const reply = await api("GET", `${base(conversation)}/monitor/sessions/${entry.session.token}`);
    if (reply.status !== 200) return refusalView(`Interaction ${conversation}`, reply);
    const view = reply.json;
    const agent = view.content.participants.find((participant) => participant.id === view.monitoredParticipant);
    return [
      h("div", { class: "monitor-bar", id: "monitor-bar" },
        h("button", {
          type: "button", class: "stop", id: "stop-from-interaction", dataset: { conversation: String(conversation), action: "stop" },
          "aria-label": `Stop monitoring interaction ${conversation}`,
          onclick: () => stopMonitoring(conversation, entry.session.token, "interaction"),
        }, binocularsIcon(), " Stop monitoring"),
        h("span", {}, `Monitoring ${agent ? agent.name : "the agent"}'s view of interaction ${conversation}, silently: the agent and the customer are not told.`),
        h("a", { href: `#/conversations/${conversation}` }, "Details")),
      h("h1", {}, `Interaction ${conversation}`),
      participantsLine(view.content),
      h("div", { class: "conversation" },
        h("div", {},
          transcript(view.content),
          h("p", { class: "read-only", id: "read-only" }, "Read only: a monitoring supervisor cannot send messages, typing, attachments or wrap-up codes (M16).")),
        contextPanels(view.content.context)),
    ];
  }

  async function viewAgentConversation(conversation, participant) {
    const reply = await api("GET", `${base(conversation)}/participants/${participant}`);
    if (reply.status !== 200) return refusalView(`Interaction ${conversation}`, reply);
    const content = reply.json.content;
    const input = h("input", { id: "message-input", "aria-label": "Message to the customer", maxlength: 10000, autocomplete: "off" });
    const composer = h("form", {
      class: "composer",
      onsubmit: async (event) => {
        event.preventDefault();
        if (!input.value.trim()) return;
        const sent = await api("POST", `${base(conversation)}/participants/${participant}/messages`, { body: input.value });
        if (sent.status === 200) { input.value = ""; refresh({ evenIfPaused: true }); } else showNotice(refusalText(sent.json));
      },
    }, input, h("button", { type: "submit" }, "Send"));
    return [
      h("h1", {}, `Interaction ${conversation}`),
      participantsLine(content),
      h("div", { class: "conversation" },
        h("div", {}, transcript(content), content.state === "inProgress" ? composer : null),
        contextPanels(content.context)),
    ];
  }

  function viewMine() {
    return [
      h("h1", {}, "My interactions"),
      state.panel.length === 0 ? h("p", { class: "empty-view" }, "No interaction.")
        : h("ul", { class: "agents-list" }, state.panel.map((entry) => h("li", {}, panelLink(entry)))),
    ];
  }

  function refusalView(title, reply) {
    return [h("h1", {}, title), h("p", { class: "empty-view", role: "alert" }, refusalText(reply.json))];
  }

  // ---- The interaction panel (M13) ------------------------------------------------------------------------

  function panelLink(entry) {
    if (entry.monitoring) {
      return h("a", { href: `#/monitoring/${entry.conversation}`, class: "mark", dataset: { monitoring: "true", conversation: String(entry.conversation) },
        "aria-label": `Interaction ${entry.conversation}, ${channelName(entry.channel)}, monitoring` },
        binocularsIcon(), ` Interaction ${entry.conversation}`);
    }
    return h("a", { href: `#/agent/${entry.conversation}/${entry.participant}`, dataset: { conversation: String(entry.conversation) } },
      `Interaction ${entry.conversation} · ${channelName(entry.channel)}`);
  }

  async function loadPanel() {
    const reply = await api("GET", `/api/v2/users/${state.me.id}/conversations`);
    if (reply.status !== 200) return;
    state.panel = reply.json;
    const list = document.getElementById("panel");
    list.replaceChildren(...(state.panel.length === 0 ? [h("li", { class: "empty" }, "None")]
      : state.panel.map((entry) => h("li", {}, panelLink(entry)))));
  }

  // ---- Routing and drawing ----------------------------------------------------------------------------------

  function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    const number = (text) => (text !== undefined && /^\d+$/.test(text) ? Number(text) : null);
    switch (parts[0]) {
      case "interactions": return { nav: "interactions", draw: () => viewInteractions() };
      case "queues": return { nav: "queues", draw: () => viewQueues(number(parts[1])) };
      case "conversations": if (number(parts[1]) !== null) return { nav: null, draw: () => viewDetails(number(parts[1]), parts[2]) }; break;
      case "monitoring": if (number(parts[1]) !== null) return { nav: null, draw: () => viewMonitoring(number(parts[1])) }; break;
      case "agent":
        if (number(parts[1]) !== null && number(parts[2]) !== null) {
          return { nav: null, draw: () => viewAgentConversation(number(parts[1]), number(parts[2])) };
        }
        break;
      case "mine": return { nav: null, draw: () => viewMine() };
      default: break;
    }
    return state.me && state.me.viewsConversations
      ? { nav: "interactions", draw: () => viewInteractions() } : { nav: null, draw: () => viewMine() };
  }

  async function refresh(options) {
    if (!state.me) return;
    if (!state.live && !(options && options.evenIfPaused)) return;
    const generation = ++state.renderGeneration;
    await loadPanel();
    const current = route();
    const content = await current.draw();
    // A later draw started meanwhile: it is newer, keep it.
    if (generation !== state.renderGeneration) return;
    const view = document.getElementById("view");
    const focused = document.activeElement && document.activeElement.id;
    view.replaceChildren(...[content].flat());
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    for (const link of document.querySelectorAll("[data-nav]")) {
      if (link.dataset.nav === current.nav) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    }
    state.updatedAt = new Date();
    document.body.dataset.rendered = String(generation);
    drawFreshness();
  }

  // ---- Signing in and out -----------------------------------------------------------------------------------

  function signOut(reason) {
    sessionStorage.removeItem("binoculars.token");
    state.me = null;
    state.token = null;
    if (state.socket) { const socket = state.socket; state.socket = null; socket.close(); }
    clearInterval(state.renewTimer);
    document.getElementById("who").hidden = true;
    document.getElementById("nav").hidden = true;
    document.getElementById("view").replaceChildren();
    document.getElementById("sign-in").hidden = false;
    document.getElementById("sign-in-error").textContent = reason || "";
    drawFreshness();
  }

  async function signIn(token) {
    if (state.socket) { const socket = state.socket; state.socket = null; socket.close(); }
    clearInterval(state.renewTimer);
    state.token = token;
    const reply = await api("GET", "/api/v2/users/me");
    if (reply.status !== 200) { if (reply.status !== 401) signOut(refusalText(reply.json)); return; }
    sessionStorage.setItem("binoculars.token", token);
    state.me = reply.json;
    const health = await fetch("/health").then((response) => response.json()).catch(() => null);
    state.nodeId = health && health.nodeId;
    document.getElementById("sign-in").hidden = true;
    document.getElementById("who").hidden = false;
    document.getElementById("nav").hidden = false;
    document.getElementById("nav-performance").hidden = !state.me.viewsConversations;
    document.getElementById("user-name").textContent = state.me.name;
    document.getElementById("presence").value = state.me.presence;
    document.body.dataset.user = String(state.me.id);
    state.renewTimer = setInterval(renewLeases, Math.max(1, state.me.renewEverySeconds || 10) * 1000);
    connect();
    await refresh({ evenIfPaused: true });
  }

  function start() {
    document.getElementById("sign-in").addEventListener("submit", (event) => {
      event.preventDefault();
      signIn(document.getElementById("token-input").value.trim());
    });
    document.getElementById("sign-out").addEventListener("click", () => signOut("Signed out."));
    document.getElementById("live-toggle").addEventListener("click", () => setLive(!state.live));
    document.getElementById("notice-close").addEventListener("click", hideNotice);
    document.getElementById("presence").addEventListener("change", async (event) => {
      const reply = await api("PUT", `/api/v2/users/${state.me.id}/presence`, { presence: event.target.value });
      if (reply.status !== 200) showNotice(refusalText(reply.json));
      else announce(`Presence set to ${presenceNames[event.target.value]}.`);
      refresh({ evenIfPaused: true });
    });
    window.addEventListener("hashchange", () => {
      const token = tokenFromFragment();
      if (token && token !== state.token) { signIn(token); return; }
      refresh({ evenIfPaused: true }).then(() => document.getElementById("main").focus());
    });
    const token = tokenFromFragment() || sessionStorage.getItem("binoculars.token");
    if (token) signIn(token); else signOut("");
  }

  /**
   * A token in the fragment, `#token=…&view=…` (a fragment is never sent to the server), taken out of the address at
   * once, which keeps the view it names.
   */
  function tokenFromFragment() {
    const fragment = location.hash.replace(/^#/, "");
    if (!fragment.startsWith("token=")) return null;
    const parameters = new URLSearchParams(fragment);
    const view = parameters.get("view");
    history.replaceState(null, "", `${location.pathname}${view ? `#/${view}` : ""}`);
    return parameters.get("token");
  }

  return { start, state };
})();

document.addEventListener("DOMContentLoaded", Console.start);
