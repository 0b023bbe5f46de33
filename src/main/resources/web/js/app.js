// The web client's page: asks the server what it speaks (SERVER_INFO over /ws) and says so.
import { decodeResponse, encodeRequest } from "./protocol.js";

const status = document.getElementById("status");
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(`${scheme}//${location.host}/ws`);
socket.binaryType = "arraybuffer";
socket.addEventListener("open", () => socket.send(encodeRequest(1, { type: "ServerInfo" })));
socket.addEventListener("message", (event) => {
  const { response } = decodeResponse(event.data);
  if (response.type === "ServerInfo") {
    status.textContent = "Connected: this wirechat server answers over WebSocket.";
    document.getElementById("versions").textContent = response.versions.join(", ");
    document.getElementById("chars").textContent = `${response.maxMessageChars} characters`;
    document.getElementById("features").textContent = response.features.join(", ") || "none";
    document.getElementById("info").hidden = false;
  } else {
    status.textContent = `The server answered: ${response.reason ?? response.type}`;
  }
  socket.close();
});
socket.addEventListener("error", () => {
  status.textContent = "The server cannot be reached over WebSocket.";
});
