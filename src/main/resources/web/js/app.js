// The web client: log in or register as this browser's device, conversations with unread counts, a conversation's
// history (and "load older") and its live messages, send with ✓ (stored) and ✓✓ (delivered) through an outbox that
// waits for the server when it is away, finding people (LIST_ACCOUNTS), groups (create, add someone, members,
// leave, their conversations), the receipts setting, log out, delete the account. Two WebSockets to /ws: one for
// requests, one that polls (a FETCH that waits holds its WebSocket, docs/wire_design.md §11).
import { decodeResponse, encodeRequest, ErrorCode } from "./protocol.js";

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;

/** One WebSocket to /ws: each request is one binary message, answered by one (in order). */
class Channel {
  constructor() {
    this.nextId = 1;
    this.pending = new Map();
    this.closed = false;
  }

  open() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsUrl);
      socket.binaryType = "arraybuffer";
      socket.addEventListener("open", () => resolve(this));
      socket.addEventListener("message", (event) => {
        let answer;
        try {
          answer = decodeResponse(event.data);
        } catch (e) {
          socket.close();
          return;
        }
        const waiting = this.pending.get(answer.requestId);
        if (waiting) {
          this.pending.delete(answer.requestId);
          waiting.resolve(answer.response);
        }
      });
      socket.addEventListener("close", (event) => {
        this.closed = true;
        const why = new Error(event.reason || "the connection to the server was lost");
        this.pending.forEach((p) => p.reject(why));
        this.pending.clear();
        reject(why);
      });
      this.socket = socket;
    });
  }

  /** The response to a request (an error response too); rejects if the connection is lost. */
  request(request) {
    if (this.closed) return Promise.reject(new Error("the connection to the server was lost"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(encodeRequest(id, request));
    });
  }

  close() {
    this.closed = true;
    this.socket?.close();
  }
}

/** This browser is one device of each account it logs in to: its id is made once and kept. */
function deviceId() {
  let id = localStorage.getItem("wirechat.device");
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem("wirechat.device", id);
  }
  return id;
}

const state = {
  requests: null, // the Channel for requests
  me: null, // username
  token: null,
  maxChars: 1000,
  conversations: {}, // peer -> {last, at, unread}
  messages: new Map(), // peer -> [{id, sender, recipient, timestampMillis, body, mark}]
  open: null, // the peer whose conversation is shown
  older: new Map(), // peer -> the id HISTORY pages on from ("next before id"; 0: nothing older)
  ack: 0,
  polling: false,
  outbox: [], // {peer, clientId, body, at}: sends not yet answered, oldest first; kept for the account in this browser
  flushing: false,
};

function say(text) {
  $("status").textContent = text;
}

function peerOf(m) {
  if (m.recipient.startsWith("#")) return m.recipient;
  return m.sender.toLowerCase() === state.me.toLowerCase() ? m.recipient : m.sender;
}

function storageKey() {
  return `wirechat.conversations.${state.me.toLowerCase()}`;
}

function saveConversations() {
  localStorage.setItem(storageKey(), JSON.stringify(state.conversations));
}

function outboxKey() {
  return `wirechat.outbox.${state.me.toLowerCase()}`;
}

function saveOutbox() {
  localStorage.setItem(outboxKey(), JSON.stringify(state.outbox));
}

async function ask(request) {
  if (!state.requests || state.requests.closed) {
    state.requests = await new Channel().open();
  }
  return state.requests.request(request);
}

function refusal(response) {
  return response.type === "Error" ? response.reason : null;
}

// ---- logging in ----

async function logIn(register) {
  const username = $("username").value.trim();
  const password = $("password").value;
  try {
    if (register) {
      const fullName = $("full-name").value.trim() || username;
      const created = await ask({ type: "CreateAccount", username, fullName, password });
      if (refusal(created)) return say(`Cannot register: ${created.reason}`);
    }
    const r = await ask({ type: "LoginDevice", username, password, deviceId: deviceId() });
    if (refusal(r)) return say(`Cannot log in: ${r.reason}`);
    $("password").value = "";
    sessionStorage.setItem("wirechat.session", JSON.stringify({ username, token: r.token }));
    startSession(username, r.token);
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
  }
}

function startSession(username, token) {
  state.me = username;
  state.token = token;
  state.conversations = JSON.parse(localStorage.getItem(storageKey()) ?? "{}");
  state.messages = new Map();
  state.ack = 0;
  state.outbox = JSON.parse(localStorage.getItem(outboxKey()) ?? "[]");
  state.outbox.forEach((o) => add(o.peer, { clientId: o.clientId, sender: username, recipient: o.peer, timestampMillis: o.at,
    body: o.body, mark: "waiting" }));
  $("me").textContent = `Logged in as ${username}`;
  $("delete-username").value = username; // for password managers: whose password the delete form asks
  $("who").hidden = false;
  $("login").hidden = true;
  $("chat").hidden = false;
  say("Connected.");
  renderConversations();
  poll();
  flushOutbox();
  listGroups();
}

/** The groups the account is in, each a conversation (a group one was added to by someone else shows up so). */
async function listGroups() {
  try {
    const r = await ask({ type: "GroupList", token: state.token });
    if (r.type !== "Groups") return;
    r.groups.forEach((g) => {
      state.conversations[g.name] ??= { unread: 0 };
    });
    saveConversations();
    renderConversations();
  } catch (e) {
    // the list stays as it was; the next login asks again
  }
}

async function createGroup(name) {
  const group = name.startsWith("#") ? name : `#${name}`;
  try {
    const r = await ask({ type: "GroupCreate", token: state.token, group });
    if (r.type === "Error") return say(`Cannot create ${group}: ${r.reason}`);
    state.conversations[r.group] ??= { unread: 0 };
    saveConversations();
    say(`Created ${r.group}: add people to it.`);
    openConversation(r.group);
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
  }
}

/** GROUP_MEMBERS: who is in the open group, who is online, who owns it. */
async function showMembers() {
  const group = state.open;
  try {
    const r = await ask({ type: "GroupMembers", token: state.token, group });
    if (r.type === "Error") return say(`Cannot list ${group}: ${r.reason}`);
    $("members").replaceChildren(...r.members.map((m) => {
      const li = document.createElement("li");
      li.textContent = `${m.username}${m.owner ? " (owner)" : ""}${m.online ? " · online" : ""}`;
      return li;
    }));
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
  }
}

/** GROUP_LEAVE: the group's conversation goes from this browser's list. */
async function leaveGroup() {
  const group = state.open;
  try {
    const r = await ask({ type: "GroupLeave", token: state.token, group });
    if (r.type === "Error") return say(`Cannot leave ${group}: ${r.reason}`);
    delete state.conversations[group];
    state.messages.delete(group);
    saveConversations();
    state.open = null;
    $("peer-title").textContent = "No conversation open";
    $("messages").replaceChildren();
    ["compose", "add-form", "group-tools", "load-older"].forEach((id) => {
      $(id).hidden = true;
    });
    renderConversations();
    say(`You left ${group}.`);
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
  }
}

async function addMember(username) {
  const group = state.open;
  try {
    const r = await ask({ type: "GroupAdd", token: state.token, group, username });
    say(r.type === "Error" ? `Cannot add ${username}: ${r.reason}` : `Added ${r.username} to ${group}.`);
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
  }
}

async function logOut() {
  const token = state.token;
  endSession();
  if (token) {
    try {
      await ask({ type: "Logout", token });
    } catch (e) {
      // logged out here either way; the token expires on its own
    }
  }
  say("Logged out.");
}

/** SET_RECEIPTS: both ways or not at all (docs/wire_design.md): the answer is the setting as it now is. */
async function setReceipts(on) {
  try {
    const r = await ask({ type: "SetReceipts", token: state.token, on });
    if (r.type === "Error") return say(`Cannot change receipts: ${r.reason}`);
    say(r.on ? "You share delivery receipts: others see ✓✓ when you have their messages, and you see theirs."
      : "You no longer share delivery receipts: nobody sees when you have their messages, and you do not see theirs.");
    if (r.on) checkReceipts();
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
  }
}

/** DELETE_ACCOUNT, with the password again; this browser then forgets the account's conversations and outbox. */
async function deleteAccount(password) {
  const token = state.token;
  const me = state.me;
  let r;
  try {
    r = await ask({ type: "DeleteAccount", token, password });
  } catch (e) {
    return say(`Cannot reach the server: ${e.message}`);
  }
  if (r.type === "Error") {
    return say(r.status === ErrorCode.INBOX_NOT_EMPTY
      ? "Messages are still arriving for you: try again in a moment." : `Not deleted: ${r.reason}`);
  }
  localStorage.removeItem(storageKey());
  localStorage.removeItem(outboxKey());
  endSession();
  say(`The account ${me} was deleted.`);
}

function showDelete(show) {
  $("delete-form").hidden = !show;
  $("delete-open").setAttribute("aria-expanded", String(show));
  $("delete-password").value = "";
  if (show) $("delete-password").focus();
}

function endSession() {
  state.token = null;
  state.me = null;
  state.open = null;
  state.poller?.close();
  state.outbox = [];
  sessionStorage.removeItem("wirechat.session");
  $("who").hidden = true;
  showDelete(false);
  $("chat").hidden = true;
  $("login").hidden = false;
  $("messages").replaceChildren();
  $("compose").hidden = true;
  $("add-form").hidden = true;
  $("group-tools").hidden = true;
  $("load-older").hidden = true;
  $("found").replaceChildren();
  $("peer-title").textContent = "No conversation open";
}

// ---- receiving ----

async function poll() {
  if (state.polling) return;
  state.polling = true;
  const token = state.token;
  while (state.token === token) {
    try {
      state.poller = await new Channel().open();
      if (state.lost) {
        state.lost = false;
        if (!state.countdown) say("Connected.");
      }
      if (state.outbox.length > 0) flushOutbox();
      while (state.token === token) {
        const r = await state.poller.request({ type: "Fetch", token, ackThrough: state.ack, maxCount: 100, maxWaitMillis: 25000 });
        if (r.type === "Error") {
          if (r.status === ErrorCode.NOT_AUTHENTICATED) {
            endSession();
            say("Your session has ended: log in again.");
          } else if (r.status === ErrorCode.DEVICE_IN_USE) {
            say("Another window or browser uses this device: this one stopped receiving. Close the other one and reload this page.");
            state.token = null;
          } else {
            say(`Receiving failed: ${r.reason}`);
          }
          break;
        }
        r.messages.forEach(received);
        if (r.messages.length > 0) {
          state.ack = Math.max(state.ack, ...r.messages.map((m) => m.id));
          saveConversations();
          renderConversations();
        }
      }
    } catch (e) {
      if (state.token !== token) break;
      state.lost = true;
      if (!state.countdown) say("The server cannot be reached; trying again…");
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      state.poller?.close();
    }
  }
  state.polling = false;
}

function received(m) {
  const peer = peerOf(m);
  const mine = m.sender.toLowerCase() === state.me.toLowerCase();
  add(peer, { ...m, mark: mine ? "sent" : null });
  const c = (state.conversations[peer] ??= { unread: 0 });
  c.last = m.body;
  c.at = m.timestampMillis;
  if (!mine && state.open !== peer) c.unread += 1;
}

function add(peer, message) {
  const list = state.messages.get(peer) ?? [];
  const same = list.find((x) => (message.id && x.id === message.id) || (message.clientId && x.clientId === message.clientId));
  if (same) Object.assign(same, message);
  else list.push(message);
  list.sort((a, b) => (a.id ?? Infinity) - (b.id ?? Infinity));
  state.messages.set(peer, list);
  if (state.open === peer) renderMessages();
}

// ---- conversations ----

function renderConversations() {
  const items = Object.entries(state.conversations).sort(([, a], [, b]) => (b.at ?? 0) - (a.at ?? 0));
  $("conversations").replaceChildren(...items.map(([peer, c]) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation";
    button.dataset.peer = peer;
    const name = document.createElement("span");
    name.textContent = peer;
    button.append(name);
    if (c.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(c.unread);
      badge.setAttribute("aria-label", `${c.unread} unread`);
      button.append(badge);
    }
    if (state.open === peer) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => openConversation(peer));
    li.append(button);
    return li;
  }));
}

async function openConversation(peer) {
  state.open = peer;
  const c = (state.conversations[peer] ??= { unread: 0 });
  c.unread = 0;
  saveConversations();
  renderConversations();
  $("peer-title").textContent = peer;
  $("compose").hidden = false;
  $("add-form").hidden = !peer.startsWith("#");
  $("group-tools").hidden = !peer.startsWith("#");
  $("members").replaceChildren();
  $("load-older").hidden = true;
  renderMessages();
  if (await loadHistory(peer, 0)) {
    $("messages").scrollTop = $("messages").scrollHeight;
    checkReceipts();
  }
}

/** A page of the conversation's history before {@code beforeId} (0: the latest); whether it came. */
async function loadHistory(peer, beforeId) {
  try {
    const r = await ask({ type: "History", token: state.token, peer, beforeId, limit: 50 });
    if (r.type === "Error") {
      say(`Cannot open ${peer}: ${r.reason}`);
      return false;
    }
    r.messages.forEach((m) => add(peer, { ...m, mark: m.sender.toLowerCase() === state.me.toLowerCase() ? "sent" : null }));
    state.older.set(peer, r.nextBeforeId);
    if (state.open === peer) {
      renderMessages();
      $("load-older").hidden = r.nextBeforeId === 0;
    }
    return true;
  } catch (e) {
    say(`Cannot reach the server: ${e.message}`);
    return false;
  }
}

/** "Load older messages": the page before the oldest shown, the message being read kept where it was. */
async function loadOlder() {
  const peer = state.open;
  const before = state.older.get(peer);
  if (!peer || !before) return;
  const list = $("messages");
  const fromBottom = list.scrollHeight - list.scrollTop;
  await loadHistory(peer, before);
  list.scrollTop = list.scrollHeight - fromBottom;
}

function renderMessages() {
  const list = state.messages.get(state.open) ?? [];
  const view = $("messages");
  const atBottom = view.scrollTop + view.clientHeight >= view.scrollHeight - 20;
  const fromBottom = view.scrollHeight - view.scrollTop;
  view.replaceChildren(...list.map((m) => {
    const li = document.createElement("li");
    const mine = m.sender.toLowerCase() === state.me.toLowerCase();
    li.className = mine ? "mine" : "theirs";
    const who = document.createElement("span");
    who.className = "sender";
    who.textContent = mine ? "you" : m.sender;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = m.body;
    li.append(who, body);
    if (mine) {
      const mark = document.createElement("span");
      mark.className = `mark ${m.mark}`;
      mark.textContent = { sending: "sending…", waiting: "waiting to be sent", sent: "✓", delivered: "✓✓",
        failed: m.failure ?? "not sent" }[m.mark] ?? "";
      mark.setAttribute("aria-label", { sending: "sending", waiting: "waiting to be sent", sent: "stored", delivered: "delivered",
        failed: "not sent" }[m.mark] ?? "");
      li.append(mark);
    }
    return li;
  }));
  view.scrollTop = atBottom ? view.scrollHeight : view.scrollHeight - fromBottom; // a new message shows; older ones do not move it
}

// ---- the directory ----

/** LIST_ACCOUNTS with the words as a wildcard pattern (anywhere in the username or full name); each a button. */
async function find(words) {
  const pattern = `*${words.replace(/[*?]/g, "")}*`;
  let r;
  try {
    r = await ask({ type: "ListAccounts", token: state.token, mode: "WILDCARD", pattern, cursor: "", limit: 20 });
  } catch (e) {
    return say(`Cannot reach the server: ${e.message}`);
  }
  if (r.type === "Error") return say(`Cannot search: ${r.reason}`);
  const items = r.accounts.map((a) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person";
    button.dataset.username = a.username;
    button.textContent = `${a.fullName} (${a.username})${a.online ? " · online" : ""}`;
    button.addEventListener("click", () => openConversation(a.username));
    li.append(button);
    return li;
  });
  if (items.length === 0) {
    const li = document.createElement("li");
    li.textContent = "Nobody found.";
    items.push(li);
  } else if (r.nextCursor !== "") {
    const li = document.createElement("li");
    li.textContent = "More match: narrow the search.";
    items.push(li);
  }
  $("found").replaceChildren(...items);
}

// ---- sending ----

/** Sends through the outbox: kept until the server answers, so a message written while it is away goes out when it is back. */
function send(body) {
  const peer = state.open;
  const clientId = crypto.randomUUID();
  const at = Date.now();
  add(peer, { clientId, sender: state.me, recipient: peer, timestampMillis: at, body, mark: "sending" });
  state.outbox.push({ peer, clientId, body, at });
  saveOutbox();
  flushOutbox();
}

/**
 * Sends what the outbox holds, in order. The same client message id each time, so a SEND that was stored but whose
 * answer was lost is not stored twice (docs/wire_design.md, SEND). While the server cannot be reached, counts down to
 * the next try.
 */
async function flushOutbox() {
  if (state.flushing || !state.token) return;
  state.flushing = true;
  const token = state.token;
  try {
    while (state.outbox.length > 0 && state.token === token) {
      const o = state.outbox[0];
      let r;
      try {
        r = await ask({ type: "Send", token, recipient: o.peer, clientMessageId: o.clientId, body: o.body });
      } catch (e) {
        state.outbox.forEach((w) => add(w.peer, { clientId: w.clientId, mark: "waiting" }));
        countDown(4, flushOutbox);
        return;
      }
      if (r.type === "Error" && (r.status === ErrorCode.STORAGE_UNAVAILABLE || r.status === ErrorCode.RATE_LIMITED)) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(30000, Number(r.details[0] ?? 1000))));
        continue;
      }
      state.outbox.shift();
      saveOutbox();
      if (r.type === "Error") {
        add(o.peer, { clientId: o.clientId, mark: "failed", failure: r.reason });
        say(`Not sent: ${r.reason}`);
        continue;
      }
      add(o.peer, { clientId: o.clientId, id: r.messageId, timestampMillis: r.timestampMillis, mark: "sent" });
      const c = (state.conversations[o.peer] ??= { unread: 0 });
      c.last = o.body;
      c.at = r.timestampMillis;
      saveConversations();
      renderConversations();
      if (state.open === o.peer) checkReceipts();
    }
  } finally {
    state.flushing = false;
  }
}

/** "trying again in N s…", then {@code then}. */
function countDown(seconds, then) {
  if (state.countdown) return;
  let left = seconds;
  const tick = () => {
    if (left === 0 || !state.token) {
      state.countdown = null;
      say("Connecting…");
      then();
      return;
    }
    const waiting = state.outbox.length;
    say(`The server cannot be reached; trying again in ${left} s…${waiting > 0 ? ` (${waiting} message${waiting === 1 ? "" : "s"} waiting to be sent)` : ""}`);
    left -= 1;
    state.countdown = setTimeout(tick, 1000);
  };
  tick();
}

/** While one of this device's messages in the open conversation is not known delivered, asks every 3 s. */
async function checkReceipts() {
  const peer = state.open;
  if (!peer || peer.startsWith("#") || state.receiptsTimer) return;
  const waiting = () => (state.messages.get(peer) ?? []).filter((m) => m.mark === "sent" && m.sender.toLowerCase() === state.me.toLowerCase());
  if (waiting().length === 0) return;
  try {
    const r = await ask({ type: "Receipts", token: state.token, peer });
    if (r.type === "Receipts" && r.shared) {
      waiting().filter((m) => r.oldestWaitingId === 0 || m.id < r.oldestWaitingId).forEach((m) => {
        m.mark = "delivered";
      });
      if (state.open === peer) renderMessages();
    }
  } catch (e) {
    // asked again below
  }
  if (waiting().length > 0 && state.open === peer && state.token) {
    state.receiptsTimer = setTimeout(() => {
      state.receiptsTimer = null;
      checkReceipts();
    }, 3000);
  }
}

// ---- the page ----

async function start() {
  try {
    const info = await ask({ type: "ServerInfo" });
    if (info.type === "ServerInfo") {
      state.maxChars = info.maxMessageChars;
      $("body").maxLength = info.maxMessageChars;
      $("versions").textContent = info.versions.join(", ");
      $("chars").textContent = `${info.maxMessageChars} characters`;
      $("features").textContent = info.features.join(", ") || "none";
      $("info").hidden = false;
    }
  } catch (e) {
    say("The server cannot be reached over WebSocket.");
    $("login").hidden = false;
    return;
  }
  const saved = JSON.parse(sessionStorage.getItem("wirechat.session") ?? "null");
  if (saved) {
    startSession(saved.username, saved.token);
  } else {
    $("login").hidden = false;
    say("Connected. Log in or register.");
  }
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  logIn(false);
});
$("register-button").addEventListener("click", () => {
  if ($("login-form").reportValidity()) logIn(true);
});
$("logout").addEventListener("click", logOut);
$("load-older").addEventListener("click", loadOlder);
$("delete-open").addEventListener("click", () => showDelete(true));
$("receipts-on").addEventListener("click", () => setReceipts(true));
$("members-button").addEventListener("click", showMembers);
$("leave-button").addEventListener("click", leaveGroup);
$("receipts-off").addEventListener("click", () => setReceipts(false));
$("delete-cancel").addEventListener("click", () => showDelete(false));
$("delete-form").addEventListener("submit", (event) => {
  event.preventDefault();
  deleteAccount($("delete-password").value);
});
$("group-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = $("group-name").value.trim();
  $("group-name").value = "";
  if (name) createGroup(name);
});
$("add-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const username = $("add-member").value.trim();
  $("add-member").value = "";
  if (username) addMember(username);
});
$("find-form").addEventListener("submit", (event) => {
  event.preventDefault();
  find($("find").value.trim());
});
$("open-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const peer = $("open-peer").value.trim();
  $("open-peer").value = "";
  if (peer) openConversation(peer);
});
$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = $("body").value;
  if (body.trim() === "") return;
  $("body").value = "";
  send(body);
});
$("body").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("compose").requestSubmit();
  }
});
start();
