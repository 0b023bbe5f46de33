// The wire protocol of docs/wire_design.md, for the web client: request frames encoded, response frames decoded.
// One WebSocket binary message carries one frame. Requests and responses are plain objects named as the Java
// records of org.wirechat.protocol ({type: "Send", token, recipient, clientMessageId, body}), so that the tests
// can hold this module to the spec's hex vectors the Java codec is held to.

export const MAGIC_0 = 0x57;
export const MAGIC_1 = 0x43;
export const VERSION = 1;
export const HEADER_BYTES = 12;
export const ERROR_OPCODE = 0xff;
const US = 0x1f;
const RS = 0x1e;

/** A frame that breaks the protocol (from the server, or one this module refuses to make). */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtocolError";
  }
}

// Each request: its opcode and its fields in order; a field is a property name, or [name, encoder].
const bool = (v) => (v ? "1" : "0");
const mode = (v) => ({ WILDCARD: "W", REGEX: "R" })[v] ?? fail(`unknown pattern mode ${v}`);
const REQUESTS = {
  Ping: [0x01, []],
  CreateAccount: [0x02, ["username", "fullName", "password"]],
  Login: [0x03, ["username", "password"]],
  Logout: [0x04, ["token"]],
  ListAccounts: [0x05, ["token", ["mode", mode], "pattern", "cursor", "limit"]],
  Send: [0x06, ["token", "recipient", "clientMessageId", "body"]],
  Fetch: [0x07, ["token", "ackThrough", "maxCount", "maxWaitMillis"]],
  History: [0x08, ["token", "peer", "beforeId", "limit"]],
  DeleteAccount: [0x09, ["token", "password"]],
  ServerInfo: [0x0a, []],
  Receipts: [0x0b, ["token", "peer"]],
  SetReceipts: [0x0c, ["token", ["on", bool]]],
  LoginDevice: [0x0d, ["username", "password", "deviceId"]],
  GroupCreate: [0x0e, ["token", "group"]],
  GroupAdd: [0x0f, ["token", "group", "username"]],
  GroupRemove: [0x10, ["token", "group", "username"]],
  GroupLeave: [0x11, ["token", "group"]],
  GroupRename: [0x12, ["token", "group", "newName"]],
  GroupList: [0x13, ["token"]],
  GroupMembers: [0x14, ["token", "group"]],
  GroupReceipts: [0x15, ["token", "group", "messageId"]],
  ListDevices: [0x16, ["token"]],
  ChangePassword: [0x17, ["token", "currentPassword", "newPassword"]],
  SetFullName: [0x18, ["token", "fullName"]],
  Sync: [0x19, ["token", "ackThrough", "maxCount", "maxWaitMillis"]],
  SearchMessages: [0x1a, ["token", "query", "beforeId", "limit"]],
  Typing: [0x1b, ["token", "conversation", ["typing", bool]]],
};

// Each response, by its request's opcode: its type, its head fields after the reason, and the type and fields of
// its records (the property the list goes in, the records' type, and how each field reads). "n" a number, "b" a flag, "s" text.
const message = ["messages", "Message", { id: "n", sender: "s", recipient: "s", timestampMillis: "n", body: "s" }];
const typing = { from: "s", conversation: "s", typing: "b", expiresInMillis: "n" };

/**
 * SYNC's records by their kind (the first field): "m" a message, "t" someone typing. A kind this client does not
 * know is skipped, and so are the fields after those it knows (docs/wire_design.md §5 SYNC): a newer server's
 * events never break it.
 */
function events(response, records) {
  response.messages = [];
  response.typing = [];
  for (const r of records) {
    const [kind, ...values] = fields(r);
    if (kind === "m") {
      response.messages.push(readAtLeast({ type: "Message" }, message[2], values, "message record"));
    } else if (kind === "t") {
      response.typing.push(readAtLeast({ type: "Typing" }, typing, values, "typing record"));
    }
  }
}
const RESPONSES = {
  0x01: ["Pong", { serverTimeMillis: "n" }],
  0x02: ["AccountCreated", { username: "s" }],
  0x03: ["LoggedIn", { token: "s", expiresAtMillis: "n", unread: "n" }],
  0x04: ["LoggedOut", {}],
  0x05: ["Accounts", { nextCursor: "s" }, ["accounts", "Account", { username: "s", fullName: "s", online: "b" }]],
  0x06: ["Sent", { messageId: "n", timestampMillis: "n" }],
  0x07: ["Messages", {}, message],
  0x08: ["Conversation", { nextBeforeId: "n" }, message],
  0x09: ["AccountDeleted", {}],
  0x0a: ["ServerInfo", { versions: "ns", maxFrameBytes: "n", maxMessageChars: "n", maxFetchWaitMillis: "n", features: "ss" }],
  0x0b: ["Receipts", { shared: "b", oldestWaitingId: "n" }],
  0x0c: ["ReceiptsSet", { on: "b" }],
  0x0d: ["DeviceLoggedIn", { token: "s", expiresAtMillis: "n", unread: "n", missed: "n" }],
  0x0e: ["GroupCreated", { group: "s" }],
  0x0f: ["MemberAdded", { username: "s" }],
  0x10: ["MemberRemoved", {}],
  0x11: ["GroupLeft", {}],
  0x12: ["GroupRenamed", { group: "s" }],
  0x13: ["Groups", {}, ["groups", "Group", { name: "s", owner: "s", members: "n" }]],
  0x14: ["Members", { group: "s" }, ["members", "Member", { username: "s", online: "b", owner: "b" }]],
  0x15: ["GroupReceipts", { shared: "b", members: "n", delivered: "n" }],
  0x16: ["Devices", {}, ["devices", "Device", { id: "s", lastSeenMillis: "n", holds: "b", current: "b" }]],
  0x17: ["PasswordChanged", {}],
  0x18: ["FullNameSet", { fullName: "s" }],
  0x19: ["Events", {}, null, events],
  0x1a: ["SearchResults", { nextBeforeId: "n" }, message],
  0x1b: ["TypingSent", {}],
};

/** Response types this module decodes (and "Error"). */
export const responseTypes = Object.values(RESPONSES).map((entry) => entry[0]);

function fail(message) {
  throw new ProtocolError(message);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The opcode of a request type (a key of the table above). */
export function opcodeOf(type) {
  const entry = REQUESTS[type];
  if (!entry) fail(`unknown request type ${type}`);
  return entry[0];
}

/** Request types this module encodes. */
export const requestTypes = Object.keys(REQUESTS);

function field(value) {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) fail(`not a whole number the protocol carries: ${value}`);
    return String(value);
  }
  if (typeof value !== "string") fail(`a field must be text or a number: ${value}`);
  return value;
}

/** One request frame: {@code requestId} (0 to 2^32-1) and the request, as the bytes of one WebSocket message. */
export function encodeRequest(requestId, request) {
  const [opcode, fields] = REQUESTS[request.type] ?? fail(`unknown request type ${request.type}`);
  const texts = fields.map((f) => (Array.isArray(f) ? f[1](request[f[0]]) : field(request[f])));
  const parts = texts.map((t) => encoder.encode(t));
  const length = parts.reduce((n, p) => n + p.length, 0) + Math.max(0, parts.length - 1);
  const frame = new Uint8Array(HEADER_BYTES + length);
  const view = new DataView(frame.buffer);
  frame[0] = MAGIC_0;
  frame[1] = MAGIC_1;
  frame[2] = VERSION;
  frame[3] = opcode;
  view.setUint32(4, requestId >>> 0);
  view.setUint32(8, length);
  let at = HEADER_BYTES;
  parts.forEach((p, i) => {
    if (i > 0) frame[at++] = US;
    frame.set(p, at);
    at += p.length;
  });
  return frame;
}

function split(bytes, separator) {
  const out = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === separator) {
      out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  out.push(bytes.subarray(start));
  return out;
}

function text(bytes) {
  let s;
  try {
    s = decoder.decode(bytes);
  } catch (e) {
    fail("a field is not UTF-8");
  }
  return s;
}

function number(s) {
  if (!/^(0|[1-9][0-9]{0,18})$/.test(s)) fail(`not a number: ${s}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) fail(`a number beyond what this client can hold exactly: ${s}`);
  return n;
}

function read(kind, s) {
  switch (kind) {
    case "n":
      return number(s);
    case "b":
      if (s !== "0" && s !== "1") fail(`not a flag: ${s}`);
      return s === "1";
    case "ns":
      return s === "" ? [] : s.split(",").map(number);
    case "ss":
      return s === "" ? [] : s.split(",");
    default:
      return s;
  }
}

function fields(bytes) {
  return bytes.length === 0 ? [] : split(bytes, US).map(text);
}

function readAtLeast(target, shape, values, what) {
  const names = Object.keys(shape);
  if (values.length < names.length) fail(`${what}: ${values.length} fields, at least ${names.length} expected`);
  return readInto(target, shape, values.slice(0, names.length), what);
}

function readInto(target, shape, values, what) {
  const names = Object.keys(shape);
  if (values.length !== names.length) fail(`${what}: ${values.length} fields, ${names.length} expected`);
  names.forEach((name, i) => {
    target[name] = read(shape[name], values[i]);
  });
  return target;
}

/**
 * One response frame (the bytes of one WebSocket message): {requestId, response}, the response an object named as
 * the Java record ({type: "Sent", messageId, timestampMillis}; an error is {type: "Error", status, reason, details}).
 */
export function decodeResponse(frame) {
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  if (bytes.length < HEADER_BYTES) fail("a frame shorter than its header");
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) fail("bad magic");
  if (bytes[2] !== VERSION) fail(`version ${bytes[2]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const opcode = bytes[3];
  const requestId = view.getUint32(4);
  const length = view.getUint32(8);
  if (length !== bytes.length - HEADER_BYTES) fail(`payload length ${length}, but ${bytes.length - HEADER_BYTES} bytes follow`);
  const payload = bytes.subarray(HEADER_BYTES);
  if (payload.length < 2) fail("a response without its status");
  const status = view.getUint16(HEADER_BYTES);
  const [head, ...records] = split(payload.subarray(2), RS);
  const [reason, ...rest] = fields(head);
  if (reason === undefined) fail("a response without its reason");
  if (opcode === ERROR_OPCODE) {
    if (status === 0) fail("an error with status 0");
    if (records.length > 0) fail("an error with records");
    return { requestId, response: { type: "Error", status, reason, details: rest } };
  }
  if (status !== 0) fail(`status ${status} on a success opcode`);
  const entry = (opcode & 0x80) === 0x80 ? RESPONSES[opcode & 0x7f] : undefined;
  if (!entry) fail(`unknown response opcode ${opcode}`);
  const [type, shape, list, byKind] = entry;
  const response = readInto({ type }, shape, rest, type);
  if (byKind) {
    byKind(response, records);
  } else if (list) {
    const [property, recordType, recordShape] = list;
    response[property] = records.map((r) => readInto({ type: recordType }, recordShape, fields(r), `${type} record`));
  } else if (records.length > 0) {
    fail(`${type} has no records`);
  }
  return { requestId, response };
}

/** The wire's error codes this client tells apart (docs/wire_design.md §7). */
export const ErrorCode = Object.freeze({
  MALFORMED_FRAME: 1, FRAME_TOO_LARGE: 2, UNSUPPORTED_VERSION: 3, UNKNOWN_OPCODE: 10, WRONG_FIELD_COUNT: 11,
  INVALID_ENCODING: 12, INVALID_CHARACTER: 13, FIELD_TOO_LONG: 14, INVALID_FIELD: 15, INVALID_USERNAME: 20,
  INVALID_PASSWORD: 21, INVALID_NAME: 22, MESSAGE_TOO_LONG: 23, MESSAGE_EMPTY: 24, INVALID_PATTERN: 25,
  INVALID_GROUP_NAME: 26, USERNAME_TAKEN: 30, BAD_CREDENTIALS: 31, NOT_AUTHENTICATED: 32, NO_SUCH_USER: 33,
  INBOX_NOT_EMPTY: 34, INBOX_FULL: 35, RATE_LIMITED: 36, CLIENT_ID_REUSED: 37, STORAGE_UNAVAILABLE: 38,
  ACCOUNT_DISABLED: 39, SERVER_BUSY: 40, SHUTTING_DOWN: 41, IDLE_TIMEOUT: 42, INTERNAL_ERROR: 50,
  NO_SUCH_GROUP: 60, NOT_A_MEMBER: 61, NOT_THE_OWNER: 62, GROUP_NAME_TAKEN: 63, GROUP_FULL: 64,
  TOO_MANY_GROUPS: 65, DEVICE_IN_USE: 70,
});
