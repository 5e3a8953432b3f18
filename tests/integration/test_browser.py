"""A person chatting from a web browser through Parley, with no other server
in between (issue 8): Converse.js (npm converse.js) in headless Chromium
(Debian's chromium, driven by playwright-core) logs in with its login form
over WebSocket (RFC 7395, wss:// on parleyd's HTTPS listener), receives a
message from a slixmpp user, and answers it by typing in the chat and pressing
Enter; the slixmpp user receives exactly that body. The screenshot of the chat
(converse-chat.png), the browser console and every WebSocket frame are saved
in $PARLEY_ARTIFACTS (default: <build dir>/test-artifacts).

The same scenario also runs against Prosody's mod_websocket
(test_converse_chat_through_prosody_reference): it shows the browser harness
works against a server known to be correct, so that a failure of the parleyd
test is parleyd's."""
import asyncio
import os
import shutil
import tempfile
from pathlib import Path

from clients import Client, subscription, until
from conftest import Server, running
from web import ConverseChat, ProsodyWebSocket, require_browser

HELLO = "Hello from slixmpp — are you there? ✓"
REPLY = "Yes, typed in Converse.js & sent with <Enter>"


async def befriend(a, b):
    """A mutual presence subscription ("both", RFC 6121 §3.1): Converse.js
    shows only roster contacts' messages (allow_non_roster_messaging=false)."""
    for c in (a, b):
        c.auto_authorize = True
        c.auto_subscribe = True
    a.send_presence_subscription(pto=b.boundjid.bare)
    await until(lambda: subscription(a, b.boundjid.bare) == "both"
                and subscription(b, a.boundjid.bare) == "both")


async def chat_from_browser(websocket_url, c2s_port, alice, bob, name, mech="SCRAM-SHA-256"):
    """alice in Converse.js, bob in slixmpp: bob writes, alice reads and answers."""
    setup = await Client(alice + "/setup", mech=mech).login(c2s_port)
    other = await Client(bob + "/slixmpp", mech=mech).login(c2s_port)
    await befriend(setup, other)
    await setup.close()

    async with ConverseChat(websocket_url, alice, bob, HELLO, REPLY, name=name) as browser:
        await browser.expect_event("page")
        await browser.expect_event("logged_in")
        # Converse's initial presence reaches bob, its subscriber (RFC 6121 §4.2.2).
        seen = await other.saw_presence(lambda p: p["from"].bare == alice and p["type"] == "available"
                                        and p["from"].resource != "setup", timeout=browser.timeout)
        converse = seen["from"].full  # the browser's session (the setup one has ended)
        other.send_message(mto=alice, mbody=HELLO, mtype="chat")
        got = await browser.expect_event("received")
        assert got.body == HELLO
        await browser.expect_event("sent")
        # Converse also sends chat states (XEP-0085) without a body: skip them.
        while True:
            m = await other.next_message(timeout=browser.timeout)
            if m["body"]:
                break
        assert (m["body"], m["from"].full, m["type"]) == (REPLY, converse, "chat")
        await browser.confirm()
        done = await browser.expect_event("done")
        shot = Path(browser.dir) / f"{name}.png"
        assert shot.exists() and shot.stat().st_size > 10_000, done.artifacts
        print(f"artifacts: {', '.join(done.artifacts)}")
    await other.close()


def run_browser_scenario(coro):
    asyncio.run(asyncio.wait_for(coro, 90))


def test_rfc7395_converse_chat_over_websocket_with_slixmpp_user(tmp_path):
    """Issue 8: Converse.js over wss:// to parleyd (RFC 7395 §3: <open/>,
    SASL, restart, binding, stanzas as WebSocket messages) chats with a
    slixmpp user on c2s; the screenshot is converse-chat.png."""
    require_browser()
    srv = Server(tmp_path)
    alice, bob = srv.add_user("alice"), srv.add_user("bob")
    url = f"wss://127.0.0.1:{srv.https_port}/xmpp-websocket"
    with running(srv):
        try:
            run_browser_scenario(chat_from_browser(url, srv.c2s_port, alice, bob, "converse-chat"))
        except BaseException:
            print(srv.log_text()[-8000:])
            raise


def test_converse_chat_through_prosody_reference():
    """The browser harness against Prosody 0.12's mod_websocket (plain ws://
    on loopback), the reference: the same scenario must pass there."""
    require_browser()
    if os.getuid() != 0:
        raise AssertionError("Prosody runs as its own system user: run this test as root")
    from s2s_util import TestCA
    work = Path(tempfile.mkdtemp(prefix="parley-web-"))
    os.chmod(work, 0o755)
    ca = TestCA(work / "ca")
    cert, key = ca.issue("localhost")
    prosody = ProsodyWebSocket(work / "prosody", "localhost", cert, key)
    alice, bob = prosody.add_user("alice"), prosody.add_user("bob")
    try:
        with running(prosody, stop=lambda p: p.stop()):
            run_browser_scenario(chat_from_browser(prosody.websocket_url, prosody.c2s_port,
                                                   alice, bob, "converse-chat-prosody",
                                                   mech="SCRAM-SHA-1"))
    except BaseException:
        print(prosody.log_text())
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
