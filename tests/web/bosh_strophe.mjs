// Strophe.js (a real BOSH client, XEP-0124/XEP-0206) in headless Chromium,
// driven by playwright-core, against parleyd's /http-bind. Used by
// tests/integration/test_bosh.py:
//   node bosh_strophe.mjs <bosh url> <jid> <password> <peer jid>
// Logs in, sends <message>hello over bosh</message> to the peer, and drops
// the HTTP response of the request that carries it (the server has processed
// it; the browser sees a network error), so Strophe sends the same rid again
// (XEP-0124 §14.3). Then waits for a chat message from the peer and prints one
// JSON line: {jid, dropped_rid, resent, received, log}.
import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [boshUrl, jid, password, peer] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const strophe = join(here, 'node_modules/strophe.js/dist/strophe.umd.min.js');

const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = { jid: null, dropped_rid: null, resent: 0, received: [], log: [] };
try {
    // The server's certificate is self-signed for localhost.
    // The page's origin is not loopback, the server is: Chromium's Local Network
    // Access asks the user first; the test user says yes.
    const context = await browser.newContext({
        ignoreHTTPSErrors: true, permissions: ['local-network-access'] });
    const page = await context.newPage();
    page.on('console', (m) => out.log.push(m.text()));
    // The page comes from another origin (http://localhost is a secure
    // context, so SCRAM's WebCrypto works): CORS is exercised for real.
    await page.route('http://localhost/bosh.html', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>bosh</title>' }));
    await page.route('**/http-bind', async (route) => {
        const req = route.request();
        const body = req.postData() || '';
        const rid = (body.match(/rid=['"](\d+)['"]/) || [])[1];
        if (out.dropped_rid === null && body.includes('hello over bosh')) {
            out.dropped_rid = rid;
            // Deliver the request, then lose the response on its way back.
            const response = await route.fetch();
            out.log.push(`dropped the response (${response.status()}) to rid ${rid}`);
            await route.abort('connectionreset');
            return;
        }
        if (rid !== undefined && rid === out.dropped_rid) {
            out.resent += 1;
        }
        await route.continue();
    });
    await page.goto('http://localhost/bosh.html');
    await page.addScriptTag({ path: strophe });
    out.jid = await page.evaluate(([url, jid, password]) => new Promise((resolve, reject) => {
        // Strophe.js 5's UMD build sets globalThis.Strophe (the namespace
        // itself, not the exports object) and $pres/$msg as globals.
        const Strophe = window.Strophe.Strophe || window.Strophe;
        const $pres = window.$pres;
        const conn = new Strophe.Connection(url);
        window.conn = conn;
        window.received = [];
        conn.addHandler((m) => {
            const body = m.getElementsByTagName('body')[0];
            if (body) window.received.push(body.textContent);
            return true;
        }, null, 'message', 'chat');
        conn.connect(jid, password, (status, condition) => {
            if (status === Strophe.Status.CONNECTED) {
                conn.send($pres());
                resolve(conn.jid);
            } else if (status === Strophe.Status.AUTHFAIL || status === Strophe.Status.CONNFAIL) {
                reject(new Error(`status ${status} ${condition}`));
            }
        });
        setTimeout(() => reject(new Error('no connection in 20 s')), 20000);
    }), [boshUrl, jid, password]);
    await page.evaluate((peer) => {
        const $msg = window.$msg;
        window.conn.send($msg({ to: peer, type: 'chat' }).c('body').t('hello over bosh'));
    }, peer);
    await page.waitForFunction(() => window.received.length > 0, null, { timeout: 30000 });
    out.received = await page.evaluate(() => window.received);
    await page.evaluate(() => new Promise((resolve) => {
        const Strophe = window.Strophe.Strophe || window.Strophe;
        window.conn.connect_callback = (status) => {
            if (status === Strophe.Status.DISCONNECTED) resolve();
        };
        window.conn.disconnect('done');
        setTimeout(resolve, 5000);
    }));
} catch (e) {
    out.error = String(e);
} finally {
    await browser.close();
    console.log(JSON.stringify(out));
}
