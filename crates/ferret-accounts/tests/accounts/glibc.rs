//! Edge cases from glibc's own nss tests (`$FERRET_TESTDATA/glibc/nss`).

use ferret_accounts::{group, passwd, shadow, Content};

fn c_strings(src: &str) -> Vec<String> {
    // Every C string literal on a line, with \n unescaped; good enough for these test tables.
    let mut out = Vec::new();
    for line in src.lines() {
        let mut rest = line;
        while let Some(s) = rest.find('"') {
            let after = &rest[s + 1..];
            let Some(e) = after.find('"') else { break };
            out.push(after[..e].replace("\\n", "\n").replace("\\t", "\t"));
            rest = &after[e + 1..];
        }
    }
    out
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn fgetsgent_r_table() {
    let f = ferret_testkit::testdata("glibc/nss/tst-fgetsgent_r.c");
    let src = std::fs::read_to_string(f).unwrap();
    // rows look like: { "input\n", "expected\n" }, or { "input\n", NULL },
    let mut checked = 0;
    for line in src.lines().map(str::trim).filter(|l| l.starts_with("{ \"")) {
        let s = c_strings(line);
        let input = &s[0];
        let l = group::parse_gshadow_lines(input.as_bytes()).next().unwrap();
        if line.contains("NULL") {
            assert!(
                matches!(l.content, Ok(Content::Blank | Content::Comment)),
                "{input:?}: {:?}",
                l.content
            );
        } else {
            let e = l.entry().unwrap_or_else(|| panic!("{input:?}"));
            let mut w = e.to_owned_entry(1).to_line();
            w.push(b'\n');
            assert_eq!(String::from_utf8(w).unwrap(), s[1], "{input:?}");
        }
        checked += 1;
    }
    // multi-line rows (g8, g9) are checked through the generic string scan below
    assert!(checked >= 10, "{checked}");
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn put_tests_expected_lines_parse_and_write_back() {
    let dir = ferret_testkit::testdata("glibc/nss");
    let mut checked = 0;
    for (file, fields) in [
        ("tst-putpwent.c", 7),
        ("tst-putspent.c", 9),
        ("tst-putsgent.c", 4),
        ("tst-fgetsgent_r.c", 4),
    ] {
        let src = std::fs::read_to_string(dir.join(file)).unwrap();
        for s in c_strings(&src) {
            let s = s.trim_end_matches('\n');
            if s.contains('\n')
                || s.split(':').count() != fields
                || s.starts_with([':', '#', ' ', '\t'])
                || s.contains('%')
            {
                continue;
            }
            let b = s.as_bytes();
            let text = match file {
                "tst-putpwent.c" => passwd::parse(b)
                    .next()
                    .unwrap()
                    .entry()
                    .map(|e| e.to_owned_entry(1).to_line()),
                "tst-putspent.c" => shadow::parse(b)
                    .next()
                    .unwrap()
                    .entry()
                    .map(|e| e.to_owned_entry(1).to_line()),
                _ => group::parse_gshadow_lines(b)
                    .next()
                    .unwrap()
                    .entry()
                    .map(|e| e.to_owned_entry(1).to_line()),
            };
            let text = text.unwrap_or_else(|| panic!("{file}: {s:?} did not parse"));
            assert_eq!(text, b, "{file}");
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked}");
}

#[test]
#[cfg_attr(
    not(ferret_testdata),
    ignore = "needs FERRET_TESTDATA (../shared/data)"
)]
fn nss_compat_root_keeps_nis_lines() {
    let dir = ferret_testkit::testdata("glibc/nss/tst-nss-compat1.root/etc");
    let pw = std::fs::read(dir.join("passwd")).unwrap();
    let doc = passwd::document(&pw);
    assert_eq!(doc.to_bytes(), pw);
    let nis: Vec<_> = doc.lines.iter().filter_map(|l| l.nis()).collect();
    assert_eq!(
        nis.len(),
        pw.split(|&b| b == b'\n')
            .filter(|l| l.first() == Some(&b'+'))
            .count()
    );
    assert!(nis.iter().all(|n| n.include && n.name.starts_with(b"name")));
    assert_eq!(doc.entries().count(), 1);
    let sh = std::fs::read(dir.join("shadow")).unwrap();
    assert_eq!(shadow::document(&sh).to_bytes(), sh);
    let gr = std::fs::read(dir.join("group")).unwrap();
    let g = group::document(&gr);
    assert_eq!(g.to_bytes(), gr);
    assert_eq!(g.entries().next().unwrap().1.name, b"wilma");
}
