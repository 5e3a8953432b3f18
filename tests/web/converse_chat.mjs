// A person chatting in Converse.js, in headless Chromium driven by
// playwright-core (issue 8): serves converse.html and Converse's dist/ from
// node_modules on a loopback HTTP server, logs in with the login form over
// WebSocket (RFC 7395), waits for a message from `peer` and answers it by
// typing in the chat's textarea and pressing Enter, then saves a screenshot.
//
//   node converse_chat.mjs '{"websocket_url": "wss://localhost:5281/xmpp-websocket",
//        "jid": "alice@localhost", "password": "...", "peer": "bob@localhost",
//        "expect": "hello", "reply": "hi", "artifacts": "/tmp/out"}'
//
// `node converse_chat.mjs --serve [PORT]` serves the page only (default port 8080).
//
// Optional: "page_port" (default: any free port), "timeout_ms" per step
// (default 20000), "name" (artifact file prefix, default "converse-chat").
//
// It reports on stdout, one JSON object a line: {"event": "page", "url"},
// {"event": "logged_in"} (the roster shows `peer`: the other party may send
// now), {"event": "received", "body"}, {"event": "sent", "body"}, then waits
// for a line on stdin (the other party got the reply) before it closes the
// browser, and ends with {"event": "done", "artifacts": [...]}. On failure:
// {"event": "error", "step", "message", "artifacts"} and exit code 1. The
// artifacts are always written: NAME.png (the screenshot), NAME-console.log
// (the browser console, page errors, failed requests), NAME-websocket.log
// (every WebSocket frame, both ways) and, on failure, NAME-page.html.
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, 'node_modules', 'converse.js', 'dist');

// `node converse_chat.mjs --serve [PORT]`: only the page server, for a person
// with a browser (converse.html?websocket_url=wss://HOST:PORT/xmpp-websocket).
const serveOnly = process.argv[2] === '--serve';
const cfg = serveOnly ? { page_port: Number(process.argv[3] ?? 8080) } : JSON.parse(process.argv[2] ?? '{}');
for (const key of serveOnly ? [] : ['websocket_url', 'jid', 'password', 'peer', 'expect', 'reply', 'artifacts']) {
    if (typeof cfg[key] !== 'string' || cfg[key] === '') {
        console.error(`converse_chat.mjs: "${key}" missing from the JSON argument`);
        process.exit(2);
    }
}
const timeout = cfg.timeout_ms ?? 20000;
const name = cfg.name ?? 'converse-chat';
const artifact = (suffix) => join(cfg.artifacts, name + suffix);

function report(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

// --- the page server ---------------------------------------------------------

const TYPES = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
    '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm',
    '.svg': 'image/svg+xml', '.png': 'image/png', '.woff': 'font/woff', '.woff2': 'font/woff2',
    '.ttf': 'font/ttf', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.map': 'application/json',
};

function serve(req, res) {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = null;
    if (path === '/' || path === '/converse.html') {
        file = join(HERE, 'converse.html');
    } else if (path.startsWith('/dist/')) {
        const rel = normalize(path.slice('/dist/'.length));
        if (!rel.startsWith('..')) file = join(DIST, rel);
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
}

const http = createServer(serve);
await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(cfg.page_port ?? 0, '127.0.0.1', resolve);
});
const pageUrl = `http://127.0.0.1:${http.address().port}/converse.html`;
if (serveOnly) {
    console.log(`serving ${pageUrl}?websocket_url=wss://HOST:PORT/xmpp-websocket (Ctrl-C ends)`);
    await new Promise(() => {});
}
mkdirSync(cfg.artifacts, { recursive: true });

// --- the browser -------------------------------------------------------------

const consoleLog = [];
const wsLog = [];
const stamp = () => new Date().toISOString().slice(11, 23);
const written = [];

// Flags that work on this machine (closed network: no background traffic);
// the certificate of a test server is self-signed.
const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--ignore-certificate-errors'],
});
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(timeout);
page.on('console', (m) => consoleLog.push(`${stamp()} console.${m.type()}: ${m.text()}`));
page.on('pageerror', (e) => consoleLog.push(`${stamp()} pageerror: ${e.stack ?? e}`));
page.on('requestfailed', (r) => consoleLog.push(`${stamp()} requestfailed: ${r.url()} ${r.failure()?.errorText}`));
page.on('websocket', (ws) => {
    wsLog.push(`${stamp()} open ${ws.url()}`);
    ws.on('framesent', (f) => wsLog.push(`${stamp()} SEND ${f.payload}`));
    ws.on('framereceived', (f) => wsLog.push(`${stamp()} RECV ${f.payload}`));
    ws.on('socketerror', (e) => wsLog.push(`${stamp()} error ${e}`));
    ws.on('close', () => wsLog.push(`${stamp()} close`));
});
// Nothing but the page server and the XMPP server: Converse's login page
// links sponsor logos on the web; a person's browser would fetch them, the
// test must not depend on them (and this machine's network is closed).
await context.route((url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname), (route) => {
    consoleLog.push(`${stamp()} blocked (not loopback): ${route.request().url()}`);
    return route.abort('blockedbyclient');
});
await page.addInitScript((settings) => { window.PARLEY_CONVERSE = settings; },
    { websocket_url: cfg.websocket_url });

function writeLogs() {
    writeFileSync(artifact('-console.log'), consoleLog.join('\n') + '\n');
    writeFileSync(artifact('-websocket.log'), wsLog.join('\n') + '\n');
    written.push(artifact('-console.log'), artifact('-websocket.log'));
}

async function shutdown(code) {
    await browser.close().catch(() => {});
    http.close();
    process.exit(code);
}

// The first line on stdin (or its end): the other party has what it needed.
const stdinLine = new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.once('line', resolve);
    rl.once('close', resolve);
});

let step = 'load';
try {
    await page.goto(pageUrl);
    report({ event: 'page', url: pageUrl });

    // Log in with the form, as a person would.
    step = 'login form';
    await page.locator('#converse-login-jid').fill(cfg.jid);
    await page.locator('#converse-login-password').fill(cfg.password);
    await page.locator('#converse-login button[type=submit]').click();

    // Logged in: the roster lists the peer (RFC 6121 §2: roster get after binding).
    step = 'roster';
    // (A contact may be listed twice: in its group and under "unread".)
    const contact = page.locator(`converse-roster a.open-chat[data-jid="${cfg.peer}"]`).first();
    await contact.waitFor({ state: 'visible' });
    report({ event: 'logged_in' });

    // The peer's message: it shows as unread on the contact, or in the chat
    // if Converse opened it; a person clicks the contact to read it.
    step = 'receive';
    const text = (body) => page.locator('converse-chat-message .chat-msg__text', { hasText: body });
    const incoming = text(cfg.expect);
    await page.locator(`converse-roster a.open-chat.unread-msgs[data-jid="${cfg.peer}"]`)
        .or(incoming).first().waitFor({ state: 'visible' });
    if (!(await incoming.isVisible())) await contact.click();
    await incoming.waitFor({ state: 'visible' });
    report({ event: 'received', body: (await incoming.innerText()).trim() });

    // The reply: typed into the chat's textarea, sent with Enter.
    step = 'reply';
    const textarea = page.locator(`converse-chat[jid="${cfg.peer}"] textarea.chat-textarea`);
    await textarea.click();
    await textarea.pressSequentially(cfg.reply);
    await textarea.press('Enter');
    await text(cfg.reply).waitFor({ state: 'visible' });
    report({ event: 'sent', body: cfg.reply });

    step = 'screenshot';
    await page.screenshot({ path: artifact('.png') });
    written.push(artifact('.png'));

    step = 'peer confirmation';
    const waited = await Promise.race([stdinLine.then(() => true),
        new Promise((resolve) => setTimeout(() => resolve(false), timeout))]);
    if (!waited) throw new Error('no line on stdin: the other party never confirmed');
    writeLogs();
    report({ event: 'done', artifacts: written });
    await shutdown(0);
} catch (e) {
    try {
        await page.screenshot({ path: artifact('.png') });
        written.push(artifact('.png'));
    } catch { /* the page is gone */ }
    try {
        // The page without Converse's icon sprite (tens of kB of SVG paths).
        const html = await page.content();
        writeFileSync(artifact('-page.html'),
            html.replace(/<converse-fontawesome>[\s\S]*?<\/converse-fontawesome>/g, ''));
        written.push(artifact('-page.html'));
    } catch { /* the page is gone */ }
    writeLogs();
    report({ event: 'error', step, message: String(e.stack ?? e), artifacts: written });
    await shutdown(1);
}
