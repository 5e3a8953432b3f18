// @xmpp/client over RFC 7395 WebSocket, driven by tests/integration/test_websocket.py.
// Logs in with SCRAM (the test refuses any other mechanism), sends one chat
// message to PEER, waits for one from PEER, closes the stream with <close/>
// and prints what happened as JSON lines on stdout:
//   {"event":"mechanisms","offered":[...],"chosen":"SCRAM-SHA-1"}
//   {"event":"online","jid":"..."}
//   {"event":"received","from":"...","body":"..."}
//   {"event":"offline"}
// Usage: node --experimental-websocket ws_client.mjs SERVICE DOMAIN USER PASSWORD PEER SEND EXPECT
import { client, xml } from "@xmpp/client";

const [service, domain, username, password, peer, sendBody, expectBody] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const timer = setTimeout(() => {
  say({ event: "timeout" });
  process.exit(2);
}, 30000);

const xmpp = client({
  service,
  domain,
  resource: "node",
  credentials: async (authenticate, mechanisms) => {
    const chosen = mechanisms.find((m) => m.startsWith("SCRAM-"));
    say({ event: "mechanisms", offered: mechanisms, chosen: chosen ?? null });
    if (!chosen) throw new Error("no SCRAM mechanism offered");
    await authenticate({ username, password }, chosen);
  },
});

xmpp.on("error", (err) => say({ event: "error", message: String(err) }));
xmpp.on("offline", () => say({ event: "offline" }));

xmpp.on("stanza", async (stanza) => {
  if (!stanza.is("message")) return;
  const body = stanza.getChildText("body");
  if (body === null) return;
  say({ event: "received", from: stanza.attrs.from, body, type: stanza.attrs.type ?? "" });
  if (body === expectBody && stanza.attrs.from.startsWith(peer)) {
    await xmpp.stop();
    clearTimeout(timer);
  }
});

xmpp.on("online", async (address) => {
  say({ event: "online", jid: address.toString() });
  await xmpp.send(xml("presence"));
  await xmpp.send(xml("message", { to: peer, type: "chat" }, xml("body", {}, sendBody)));
  say({ event: "sent" });
});

try {
  await xmpp.start();
} catch (err) {
  say({ event: "start-failed", message: String(err) });
  process.exit(1);
}
