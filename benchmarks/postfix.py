"""A private Postfix (Debian's package) in a scratch folder, on loopback ports only.

Its own main.cf, master.cf, queue and log; no DNS (every next hop is a loopback
address), nothing shared with a system Postfix. Postfix's master must run as root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.postfix.test
mydomain = postfix.test
myorigin = $myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{outbound_port}
relay_domains = {kith_domain}
transport_maps = inline:{{ {kith_domain}=smtp:[127.0.0.1]:{inbound_port} }}
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtputf8_enable = yes
smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
message_size_limit = 52428800
alias_maps =
alias_database =
local_recipient_maps =
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


class PrivatePostfix:
    """`port` takes mail; mail for `kith_domain` goes to `inbound_port` (kith smtp),
    everything else to the relay at `outbound_port`."""

    def __init__(
        self, root: Path, *, port: int, kith_domain: str, inbound_port: int, outbound_port: int
    ) -> None:
        if os.geteuid() != 0:
            raise SystemExit("Postfix's master runs as root: run this benchmark as root.")
        if not shutil.which("postfix"):
            raise SystemExit("Postfix not found: apt-get install postfix (Debian package).")
        self.root, self.port = root, port
        (root / "etc").mkdir(parents=True)
        for folder in (root, *root.parents):  # its daemons run as the postfix user
            if folder.stat().st_mode & 0o005 != 0o005:
                folder.chmod(folder.stat().st_mode | 0o005)
        (root / "queue").mkdir()
        (root / "data").mkdir()
        postfix_uid = pwd.getpwnam("postfix").pw_uid
        os.chown(root / "data", postfix_uid, -1)
        (root / "etc" / "main.cf").write_text(
            MAIN_CF.format(
                root=root,
                kith_domain=kith_domain,
                inbound_port=inbound_port,
                outbound_port=outbound_port,
            )
        )
        (root / "etc" / "master.cf").write_text(MASTER_CF.format(port=port))
        self.proc: subprocess.Popen | None = None

    @property
    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text() if path.exists() else ""

    def start(self) -> PrivatePostfix:
        self.proc = subprocess.Popen(
            ["postfix", "-c", str(self.root / "etc"), "start-fg"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while "daemon started" not in self.log:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Postfix did not start:\n{self.log}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        subprocess.run(["postfix", "-c", str(self.root / "etc"), "stop"], capture_output=True)
        if self.proc is not None:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def warnings(self) -> list[str]:
        """Lines of its log that say something went wrong."""
        bad = ("warning:", "error:", "fatal:", "panic:", "status=bounced", "status=deferred")
        return [line for line in self.log.splitlines() if any(b in line for b in bad)]
