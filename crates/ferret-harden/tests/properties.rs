//! Property tests: no input makes the parsers panic, lexing keeps what it was given, and address
//! matching agrees with plain integer arithmetic.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ferret_harden::sshd::pattern::{addr_match_list, match_pattern};
use proptest::prelude::*;
use std::net::Ipv4Addr;

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Match all".to_string()),
        "Match (User|Group|Host|Address|LocalPort|LocalAddress|RDomain)[ =][!a-z0-9.*?,/:]{0,12}",
        "(PermitRootLogin|PasswordAuthentication|AcceptEnv|Banner|Ciphers|MaxStartups|IPQoS|Subsystem|ForceCommand|AuthorizedKeysFile)[ =]{1,2}[ -~]{0,20}",
        "[ -~]{0,30}",
    ]
}

proptest! {
    #[test]
    fn sshd_resolver_never_panics(lines in proptest::collection::vec(line(), 0..30)) {
        let data = lines.join("\n");
        ferret_harden::fuzzing::sshd_config(data.as_bytes());
    }

    #[test]
    fn sshd_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        ferret_harden::fuzzing::sshd_config(&data);
        ferret_harden::fuzzing::sysctl(&data);
        ferret_harden::fuzzing::authorized_keys(&data);
        ferret_harden::fuzzing::crontab(&data);
    }

    #[test]
    fn lexing_keeps_keyword_and_plain_args(kw in "[A-Za-z]{1,20}", args in proptest::collection::vec("[a-zA-Z0-9/._-]{1,10}", 1..5), eq in any::<bool>()) {
        let line = if eq { format!("{kw}={}", args.join(" ")) } else { format!("  {kw}\t{}  # c", args.join(" ")) };
        let d: Vec<_> = ferret_harden::sshd::parse(line.as_bytes()).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(d.len(), 1);
        prop_assert_eq!(&d[0].keyword, kw.as_bytes());
        let got: Vec<String> = d[0].args.iter().map(|a| String::from_utf8(a.clone()).unwrap()).collect();
        prop_assert_eq!(got, args);
    }

    #[test]
    fn cidr_matches_integer_arithmetic(a in any::<u32>(), net in any::<u32>(), len in 0u32..=32) {
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        let net = net & mask;
        let list = format!("{}/{len}", Ipv4Addr::from(net));
        let expect = i32::from(a & mask == net);
        prop_assert_eq!(addr_match_list(Some(Ipv4Addr::from(a).to_string().as_bytes()), list.as_bytes()), expect);
        let neg = format!("!{list}");
        prop_assert_eq!(addr_match_list(Some(Ipv4Addr::from(a).to_string().as_bytes()), neg.as_bytes()), -expect);
    }

    #[test]
    fn star_matches_everything(s in "[ -~]{0,20}") {
        prop_assert!(match_pattern(s.as_bytes(), b"*"));
        prop_assert!(match_pattern(s.as_bytes(), s.as_bytes()) || s.contains(['*', '?']));
    }
}
