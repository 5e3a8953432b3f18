"""parleyctl and parleyd as an administrator runs them: the README's
"Administration" and "Configuration" sections and docs/CONFIGURATION.md
(errors name the file and the line; exit codes; helpful messages)."""
import asyncio
import os
import re
import select
import signal
import socket
import subprocess
import time

import pytest

from clients import Client, run, TIMEOUT
from conftest import HOST, PARLEYCTL, PARLEYD, PASSWORD, Server


def login_works(server, jid, password):
    """True if a real client logs in with this password, False if SASL fails."""
    async def attempt():
        c = Client(jid, password=password)
        c.connect(("127.0.0.1", server.c2s_port))
        started = asyncio.ensure_future(c.started.wait())
        failed = asyncio.ensure_future(c.auth_failed.wait())
        done, pending = await asyncio.wait({started, failed}, timeout=TIMEOUT,
                                           return_when=asyncio.FIRST_COMPLETED)
        for f in pending:
            f.cancel()
        assert done, "neither logged in nor refused"
        ok = started in done
        if ok:
            await c.close()
        else:
            c.disconnect()
            await asyncio.wait_for(c.disconnected_ev.wait(), TIMEOUT)
        return ok

    return run(attempt())


@pytest.fixture
def offline(tmp_path):
    """A config and data directory with no running server (parleyctl works on storage)."""
    return Server(tmp_path)


# --- adduser ----------------------------------------------------------------------

def test_readme_administration_adduser_with_password_argument(server):
    r = server.ctl("adduser", f"alice@{HOST}", "s3cret horse")
    assert r.returncode == 0
    assert r.stdout.strip() == f"created alice@{HOST}"
    assert login_works(server, f"alice@{HOST}", "s3cret horse")
    assert not login_works(server, f"alice@{HOST}", "s3cret hors")


def test_readme_quick_start_adduser_reads_password_from_stdin(server):
    r = server.ctl("adduser", f"bob@{HOST}", input="from stdin 123\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"created bob@{HOST}"
    assert login_works(server, f"bob@{HOST}", "from stdin 123")  # without the newline


def test_readme_administration_adduser_normalizes_the_address(offline):
    r = offline.ctl("adduser", f"Alice@{HOST.upper()}", PASSWORD)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"created alice@{HOST}"  # RFC 7622 §3.2, §3.3
    assert offline.ctl("listusers").stdout.split() == [f"alice@{HOST}"]


def test_readme_administration_adduser_of_existing_user_fails(offline):
    offline.add_user("alice")
    r = offline.ctl("adduser", f"alice@{HOST}", "another password", check=False)
    assert r.returncode != 0
    assert f"alice@{HOST} exists already" in r.stderr
    assert "passwd" in r.stderr  # says how to change the password instead
    assert r.stdout == ""


def test_readme_administration_adduser_for_unconfigured_host_names_the_hosts(offline):
    r = offline.ctl("adduser", "alice@elsewhere.example", PASSWORD, check=False)
    assert r.returncode != 0
    assert "'elsewhere.example' is not a host of this server" in r.stderr
    assert f"(hosts: {HOST})" in r.stderr
    assert str(offline.config) in r.stderr  # where to add it
    assert offline.ctl("listusers").stdout == ""


def test_readme_administration_adduser_for_unconfigured_host_names_every_host(offline):
    text = offline.config.read_text().replace(f'hosts = ["{HOST}"]',
                                               f'hosts = ["{HOST}", "chat.example.org"]')
    offline.config.write_text(text)
    r = offline.ctl("adduser", "alice@example.org", PASSWORD, check=False)
    assert r.returncode != 0
    assert "'example.org' is not a host of this server" in r.stderr
    assert f"(hosts: {HOST}, chat.example.org)" in r.stderr
    # Either configured host works.
    assert offline.ctl("adduser", "alice@chat.example.org", PASSWORD).returncode == 0
    assert offline.ctl("listusers", "chat.example.org").stdout.split() == ["alice@chat.example.org"]
    assert offline.ctl("listusers", HOST).stdout == ""


def test_readme_administration_adduser_needs_a_full_account_address(offline):
    r = offline.ctl("adduser", "alice", PASSWORD, check=False)
    assert r.returncode != 0
    assert f"like alice@{HOST}" in r.stderr
    r = offline.ctl("adduser", f"alice@{HOST}/phone", PASSWORD, check=False)
    assert r.returncode != 0
    assert offline.ctl("listusers").stdout == ""


def test_readme_administration_adduser_refuses_an_empty_password(offline):
    r = offline.ctl("adduser", f"alice@{HOST}", input="\n", check=False)
    assert r.returncode != 0
    assert "empty" in r.stderr
    assert offline.ctl("listusers").stdout == ""


# --- deluser, passwd, listusers -------------------------------------------------------

def test_readme_administration_deluser_then_login_fails(server):
    jid = server.add_user("alice")
    assert login_works(server, jid, PASSWORD)
    r = server.ctl("deluser", jid)
    assert r.returncode == 0
    assert r.stdout.strip() == f"deleted {jid}"
    assert not login_works(server, jid, PASSWORD)
    assert server.ctl("listusers").stdout == ""


def test_readme_administration_deluser_deletes_the_accounts_data(server):
    """'deluser: delete an account and all its data': an account created
    again under the same name starts empty."""
    a = server.add_user("alice")
    b = server.add_user("bob")

    async def fill():
        alice = Client(a)
        alice.register_plugin("xep_0054")
        await alice.login(server.c2s_port)
        await alice.update_roster(f"carol@{HOST}", name="Carol")
        card = alice.plugin["xep_0054"].make_vcard()
        card["FN"] = "Alice Liddell"
        await alice.plugin["xep_0054"].publish_vcard(card, timeout=TIMEOUT)
        await alice.close()
        bob = await Client(b).login(server.c2s_port)
        bob.send_message(mto=a, mbody="stored for alice", mtype="chat")
        await bob.barrier()
        await bob.close()

    async def check():
        alice = Client(a)
        alice.register_plugin("xep_0054")
        await alice.login(server.c2s_port)
        assert f"carol@{HOST}" not in alice.client_roster
        reply = await alice.plugin["xep_0054"].get_vcard(jid=a, local=False, timeout=TIMEOUT)
        assert reply["vcard_temp"]["FN"] == ""
        await alice.barrier()
        await asyncio.sleep(0.3)
        assert alice.messages.empty()  # the offline message went with the account
        await alice.close()

    run(fill())
    assert server.ctl("deluser", a).returncode == 0
    server.add_user("alice")
    run(check())


def test_readme_administration_deluser_of_missing_user_fails(offline):
    r = offline.ctl("deluser", f"nobody@{HOST}", check=False)
    assert r.returncode != 0
    assert f"there is no account nobody@{HOST}" in r.stderr


def test_readme_administration_passwd_with_running_server(server):
    jid = server.add_user("alice", "old password")
    assert login_works(server, jid, "old password")
    r = server.ctl("passwd", jid, "new password")
    assert r.returncode == 0
    assert r.stdout.strip() == f"password changed for {jid}"
    assert not login_works(server, jid, "old password")
    assert login_works(server, jid, "new password")
    # From stdin as well.
    assert server.ctl("passwd", jid, input="newer password\n").returncode == 0
    assert login_works(server, jid, "newer password")
    assert not login_works(server, jid, "new password")


def test_readme_administration_passwd_of_missing_user_fails(offline):
    r = offline.ctl("passwd", f"nobody@{HOST}", "whatever", check=False)
    assert r.returncode != 0
    assert f"there is no account nobody@{HOST}" in r.stderr
    assert offline.ctl("listusers").stdout == ""  # not created by the way


def test_readme_administration_listusers(offline):
    assert offline.ctl("listusers").stdout == ""
    for name in ("carol", "alice", "bob"):
        offline.add_user(name)
    r = offline.ctl("listusers")
    assert r.returncode == 0
    assert sorted(r.stdout.split()) == [f"alice@{HOST}", f"bob@{HOST}", f"carol@{HOST}"]
    assert len(r.stdout.splitlines()) == 3  # one a line
    assert sorted(offline.ctl("listusers", HOST).stdout.split()) == sorted(r.stdout.split())
    offline.ctl("deluser", f"bob@{HOST}")
    assert sorted(offline.ctl("listusers").stdout.split()) == [f"alice@{HOST}", f"carol@{HOST}"]


# --- check-config, parleyd ------------------------------------------------------------

def test_configuration_check_config_accepts_a_good_file(offline):
    r = offline.ctl("check-config")
    assert r.returncode == 0
    assert r.stdout.startswith(f"{offline.config}: OK")
    assert f"hosts: {HOST}" in r.stdout
    assert r.stderr == ""


def write_with_line(path, lines, marker):
    """Writes the lines; returns the 1-based number of the line containing marker."""
    path.write_text("\n".join(lines) + "\n")
    return next(i + 1 for i, line in enumerate(lines) if marker in line)


@pytest.mark.parametrize("section,key,shown", [
    (None, "hostz = [\"localhost\"]", "hostz"),
    ("[c2s]", "prot = 5222", "c2s.prot"),
    ("[tls]", "certficate = \"/etc/x.pem\"", "tls.certficate"),
    ("[modules.offline]", "max_mesages = 5", "modules.offline.max_mesages"),
])
def test_configuration_unknown_setting_is_file_line_error(tmp_path, section, key, shown):
    path = tmp_path / "bad.toml"
    lines = ['hosts = ["localhost"]', f'data_dir = "{tmp_path / "data"}"', ""]
    if section:
        lines += [section, "# a comment"]
    lines += [key]
    line = write_with_line(path, lines, key)
    r = subprocess.run([str(PARLEYCTL), "--config", str(path), "check-config"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert f"{path}:{line}: unknown setting '{shown}'" in r.stderr
    assert r.stdout == ""


def test_configuration_parleyd_with_bad_config_exits_with_file_line_message(tmp_path):
    path = tmp_path / "bad.toml"
    line = write_with_line(path, ['hosts = ["localhost"]', f'data_dir = "{tmp_path / "data"}"',
                                  "", "[c2s]", "port = 5222", "prot = 5223"], "prot")
    r = subprocess.run([str(PARLEYD), "--config", str(path)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0
    assert f"{path}:{line}: unknown setting 'c2s.prot'" in r.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything
    # A TOML syntax error also names the line.
    line = write_with_line(path, ['hosts = ["localhost"]', "", "[c2s]", "port = = 5222"], "= =")
    r = subprocess.run([str(PARLEYD), "--config", str(path)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0
    assert f"{path}:{line}:" in r.stderr


def bad_module_config(tmp_path, table, key):
    path = tmp_path / "bad.toml"
    lines = ['hosts = ["localhost"]', f'data_dir = "{tmp_path / "data"}"', "", "[c2s]",
             "port = 0", "direct_tls_port = 0", "", table, key]
    path.write_text("\n".join(lines) + "\n")
    return path, lines.index(table) + 1, lines.index(key) + 1


def test_configuration_parleyd_unknown_module_setting_names_file_and_line(tmp_path):
    path, _, line = bad_module_config(tmp_path, "[modules.offline]", "max_mesages = 5")
    r = subprocess.run([str(PARLEYD), "--config", str(path)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0
    assert "unknown setting 'modules.offline.max_mesages'" in r.stderr
    assert f"{path}:{line}: unknown setting 'modules.offline.max_mesages'" in r.stderr


@pytest.mark.parametrize("program", ["parleyctl check-config", "parleyd"])
def test_configuration_misspelt_module_table_is_file_line_error(tmp_path, program):
    path, header_line, key_line = bad_module_config(tmp_path, "[modules.offlin]", "max_messages = 5")
    if program == "parleyd":
        code, output = run_parleyd(path)
    else:
        r = subprocess.run([str(PARLEYCTL), "--config", str(path), "check-config"],
                           capture_output=True, text=True, timeout=60)
        code, output = r.returncode, r.stderr
    assert code not in (None, 0), f"{program} accepted the misspelt module table:\n{output}"
    m = re.search(rf"{re.escape(str(path))}:(\d+): .*modules\.offlin\b", output)
    assert m and int(m.group(1)) in (header_line, key_line), output


def test_configuration_parleyd_with_missing_config_file_says_so(tmp_path):
    path = tmp_path / "nothere.toml"
    r = subprocess.run([str(PARLEYD), "--config", str(path)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode != 0
    assert str(path) in r.stderr


def test_parleyd_version():
    r = subprocess.run([str(PARLEYD), "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert re.fullmatch(r"parleyd \d+\.\d+\.\d+\S*\n", r.stdout), r.stdout
    assert subprocess.run([str(PARLEYD), "-v"], capture_output=True, text=True,
                          timeout=60).stdout == r.stdout


def run_parleyd(config, timeout=20):
    """Runs parleyd until it exits (returns (exit code, output)) or becomes
    ready (then stops it and returns (None, output))."""
    proc = subprocess.Popen([str(PARLEYD), "--config", str(config)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    fd = proc.stdout.fileno()
    output = b""
    deadline = time.time() + timeout
    while True:
        if time.time() > deadline:
            proc.kill()
            proc.wait()
            raise AssertionError(f"parleyd neither exited nor became ready:\n{output.decode()}")
        if not select.select([fd], [], [], 0.1)[0]:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break  # it closed its output: it is exiting
        output += chunk
        if b"ready." in output:
            proc.send_signal(signal.SIGTERM)
            output += proc.communicate(timeout=20)[0]
            return None, output.decode(errors="replace")
    proc.wait(timeout=20)
    return proc.returncode, output.decode(errors="replace")


def test_parleyd_refuses_a_port_in_use_with_a_helpful_message(tmp_path):
    srv = Server(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", srv.c2s_port))
        taken.listen()
        code, output = run_parleyd(srv.config)
    assert code is not None, "parleyd started although its port is taken:\n" + output
    assert code != 0
    assert f"cannot listen for c2s on 127.0.0.1:{srv.c2s_port}" in output
    assert "Address already in use" in output
    assert "is another server using the port?" in output


def test_parleyd_refuses_a_port_another_parleyd_listens_on(tmp_path):
    (tmp_path / "one").mkdir()
    first = Server(tmp_path / "one")
    first.start()
    try:
        (tmp_path / "two").mkdir()
        second = Server(tmp_path / "two")
        # The same ports as the running server, a separate data directory.
        text = second.config.read_text()
        for attr in ("c2s_port", "tls_port", "component_port"):
            text = text.replace(f"= {getattr(second, attr)}\n", f"= {getattr(first, attr)}\n")
        second.config.write_text(text)
        code, output = run_parleyd(second.config)
        assert code is not None, "a second parleyd started on ports in use:\n" + output
        assert code != 0
        assert "is another server using the port?" in output
    finally:
        assert first.stop() == 0
