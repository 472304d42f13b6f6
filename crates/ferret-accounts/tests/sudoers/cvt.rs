//! What `cvtsudoers -f json` prints, built from our parse tree (sudo's
//! `plugins/sudoers/cvtsudoers_json.c`, re-done on our types): the reference form the parity
//! test compares with sudo's expected output.

use ferret_accounts::sudoers::{
    defaults, AliasKind, Binding, CmndSpec, Command, DefaultOp, Member, Name, Sudoers, Tag,
};
use serde_json::{json, Map, Value};

#[derive(Clone, Copy, PartialEq)]
enum Word {
    Command,
    Host,
    RunasGroup,
    RunasUser,
    User,
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn obj(k: &str, v: Value) -> Value {
    let mut m = Map::new();
    m.insert(k.to_owned(), v);
    Value::Object(m)
}

fn command(c: &Command, negated: bool) -> Value {
    let text = s(&c.text());
    if !negated && c.digests.is_empty() {
        return obj("command", json!(text));
    }
    let mut m = Map::new();
    m.insert("command".into(), json!(text));
    for kind in ["sha224", "sha256", "sha384", "sha512"] {
        let d: Vec<&str> = c
            .digests
            .iter()
            .filter(|d| d.kind.as_str() == kind)
            .map(|d| d.value.as_str())
            .collect();
        match d.len() {
            0 => {}
            1 => {
                m.insert(kind.into(), json!(d[0]));
            }
            _ => {
                m.insert(kind.into(), json!(d));
            }
        }
    }
    if negated {
        m.insert("negated".into(), json!(true));
    }
    Value::Object(m)
}

fn id(v: &[u8]) -> Option<i64> {
    std::str::from_utf8(v).ok()?.parse::<i64>().ok()
}

fn member(tree: &Sudoers, m: &Member, word: Word) -> Value {
    let (key, val): (&str, Value) = match &m.name {
        Name::Command(c) => return command(c, m.negated),
        Name::Group(g) => {
            if let Some(rest) = g.strip_prefix(b":") {
                match rest.strip_prefix(b"#").and_then(id) {
                    Some(n) => ("nonunixgid", json!(n)),
                    None => ("nonunixgroup", json!(s(rest))),
                }
            } else {
                match g.strip_prefix(b"#").and_then(id) {
                    Some(n) => ("usergid", json!(n)),
                    None => ("usergroup", json!(s(g))),
                }
            }
        }
        Name::Netgroup(n) => ("netgroup", json!(s(n))),
        Name::Address(a) => ("networkaddr", json!(a)),
        Name::Alias(a) => {
            let (kind, key) = match word {
                Word::Command => (AliasKind::Cmnd, "cmndalias"),
                Word::Host => (AliasKind::Host, "hostalias"),
                Word::RunasGroup | Word::RunasUser => (AliasKind::Runas, "runasalias"),
                Word::User => (AliasKind::User, "useralias"),
            };
            if tree.alias(kind, a).is_some() || kind == AliasKind::Cmnd {
                (key, json!(a))
            } else {
                word_value(a.as_bytes(), word)
            }
        }
        Name::All => word_value(b"ALL", word),
        Name::Myself => word_value(b"", word),
        Name::Word(w) => word_value(w, word),
        _ => ("unknown", Value::Null),
    };
    if m.negated {
        let mut o = Map::new();
        o.insert(key.into(), val);
        o.insert("negated".into(), json!(true));
        Value::Object(o)
    } else {
        obj(key, val)
    }
}

fn word_value(w: &[u8], word: Word) -> (&'static str, Value) {
    match word {
        Word::Command => ("command", json!(s(w))),
        Word::Host => ("hostname", json!(s(w))),
        Word::RunasGroup => ("usergroup", json!(s(w))),
        Word::RunasUser | Word::User => match w.strip_prefix(b"#").and_then(id) {
            Some(n) => ("userid", json!(n)),
            None => ("username", json!(s(w))),
        },
    }
}

fn option(name: &str, op: DefaultOp, value: Option<&[u8]>) -> Option<Value> {
    let set = defaults::lookup(name.as_bytes())?;
    Some(match value {
        None => obj(name, json!(op != DefaultOp::Negate)),
        Some(_) if set.kind == defaults::Kind::Flag => obj(name, json!(op != DefaultOp::Negate)),
        Some(v) if set.kind == defaults::Kind::List => {
            let op = match op {
                DefaultOp::Add => "list_add",
                DefaultOp::Remove => "list_remove",
                _ => "list_assign",
            };
            let words: Vec<String> = v
                .split(|b| *b == b' ' || *b == b'\t')
                .filter(|w| !w.is_empty())
                .map(s)
                .collect();
            json!({ "operation": op, name: words })
        }
        Some(v) => obj(name, json!(s(v))),
    })
}

fn tag_set(t: Tag) -> bool {
    t != Tag::Unset
}

fn tags_changed(a: &CmndSpec, b: &CmndSpec) -> bool {
    let (x, y) = (a.tags.named(), b.tags.named());
    x.iter()
        .zip(y.iter())
        .any(|(o, n)| n.1.is_set() && n.1 != o.1)
}

fn continues(cs: &CmndSpec, next: &CmndSpec) -> bool {
    let runas_same = next.inherited.runas
        || (cs.runas_users.is_none()
            && cs.runas_groups.is_none()
            && next.runas_users.is_none()
            && next.runas_groups.is_none());
    let same = |inh: bool, a: bool, b: bool| inh || (!a && !b);
    let (o, n) = (&cs.options, &next.options);
    runas_same
        && !tags_changed(cs, next)
        && same(
            next.inherited.privs,
            o.privs.is_some() || o.limitprivs.is_some(),
            n.privs.is_some() || n.limitprivs.is_some(),
        )
        && same(
            next.inherited.role_type,
            o.role.is_some() || o.selinux_type.is_some(),
            n.role.is_some() || n.selinux_type.is_some(),
        )
        && same(
            next.inherited.apparmor_profile,
            o.apparmor_profile.is_some(),
            n.apparmor_profile.is_some(),
        )
        && same(
            next.inherited.chroot,
            o.chroot.is_some(),
            n.chroot.is_some(),
        )
        && same(next.inherited.cwd, o.cwd.is_some(), n.cwd.is_some())
}

fn gmt(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = ferret_accounts::core::civil::civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn cmndspec(tree: &Sudoers, specs: &[CmndSpec], i: &mut usize) -> Value {
    let cs = &specs[*i];
    let mut m = Map::new();
    if let Some(u) = &cs.runas_users {
        m.insert(
            "runasusers".into(),
            Value::Array(u.iter().map(|x| member(tree, x, Word::RunasUser)).collect()),
        );
    }
    if let Some(g) = &cs.runas_groups {
        m.insert(
            "runasgroups".into(),
            Value::Array(
                g.iter()
                    .map(|x| member(tree, x, Word::RunasGroup))
                    .collect(),
            ),
        );
    }
    let o = &cs.options;
    let mut opts = Vec::new();
    let str_opt = |k: &str, v: &Option<Vec<u8>>, opts: &mut Vec<Value>| {
        if let Some(v) = v {
            opts.push(obj(k, json!(s(v))));
        }
    };
    str_opt("runchroot", &o.chroot, &mut opts);
    str_opt("runcwd", &o.cwd, &mut opts);
    if let Some(t) = o.timeout.filter(|t| *t > 0) {
        opts.push(obj("command_timeout", json!(t)));
    }
    if let Some(t) = o.notbefore {
        opts.push(obj("notbefore", json!(gmt(t))));
    }
    if let Some(t) = o.notafter {
        opts.push(obj("notafter", json!(gmt(t))));
    }
    for (name, t, invert) in cs.tags.named() {
        if tag_set(t) {
            opts.push(obj(name, json!(t.is_on() != invert)));
        }
    }
    if o.role.is_some() && o.selinux_type.is_some() {
        str_opt("role", &o.role, &mut opts);
        str_opt("type", &o.selinux_type, &mut opts);
    }
    str_opt("apparmor_profile", &o.apparmor_profile, &mut opts);
    str_opt("privs", &o.privs, &mut opts);
    str_opt("limitprivs", &o.limitprivs, &mut opts);
    if !opts.is_empty() {
        m.insert("Options".into(), Value::Array(opts));
    }
    let mut cmds = vec![member(tree, &cs.command, Word::Command)];
    let mut cur = *i;
    while let Some(next) = specs.get(cur + 1) {
        if !continues(&specs[cur], next) {
            break;
        }
        cmds.push(member(tree, &next.command, Word::Command));
        cur += 1;
    }
    *i = cur + 1;
    m.insert("Commands".into(), Value::Array(cmds));
    Value::Object(m)
}

/// The JSON `cvtsudoers -f json` prints for `tree` (`None`: it prints nothing).
pub fn to_json(tree: &Sudoers) -> Option<Value> {
    let mut top = Map::new();
    let mut defs = Vec::new();
    for d in &tree.defaults {
        let (members, word) = match &d.binding {
            Binding::Global => (&[][..], Word::User),
            Binding::User(m) => (m.as_slice(), Word::User),
            Binding::Host(m) => (m.as_slice(), Word::Host),
            Binding::Runas(m) => (m.as_slice(), Word::RunasUser),
            Binding::Cmnd(m) => (m.as_slice(), Word::Command),
            _ => (&[][..], Word::User),
        };
        // cvtsudoers drops unknown settings; each one splits the line's object in two
        let mut runs: Vec<Vec<Value>> = vec![Vec::new()];
        for e in &d.entries {
            match option(&e.name, e.op, e.value.as_deref()) {
                Some(v) => runs.last_mut().expect("a run").push(v),
                None => runs.push(Vec::new()),
            }
        }
        for opts in runs.into_iter().filter(|r| !r.is_empty()) {
            let mut o = Map::new();
            if !members.is_empty() {
                o.insert(
                    "Binding".into(),
                    Value::Array(members.iter().map(|m| member(tree, m, word)).collect()),
                );
            }
            o.insert("Options".into(), Value::Array(opts));
            defs.push(Value::Object(o));
        }
    }
    if !defs.is_empty() {
        top.insert("Defaults".into(), Value::Array(defs));
    }
    for (kind, title, word) in [
        (AliasKind::User, "User_Aliases", Word::User),
        (AliasKind::Runas, "Runas_Aliases", Word::RunasUser),
        (AliasKind::Host, "Host_Aliases", Word::Host),
        (AliasKind::Cmnd, "Command_Aliases", Word::Command),
    ] {
        let mut al: Vec<_> = tree.aliases.iter().filter(|a| a.kind == kind).collect();
        al.sort_by(|a, b| a.name.cmp(&b.name));
        if al.is_empty() {
            continue;
        }
        let mut m = Map::new();
        for a in al {
            m.insert(
                a.name.clone(),
                Value::Array(a.members.iter().map(|x| member(tree, x, word)).collect()),
            );
        }
        top.insert(title.into(), Value::Object(m));
    }
    let mut specs = Vec::new();
    for us in &tree.user_specs {
        for p in &us.privileges {
            let mut cs = Vec::new();
            let mut i = 0;
            while i < p.commands.len() {
                cs.push(cmndspec(tree, &p.commands, &mut i));
            }
            specs.push(json!({
                "User_List": us.users.iter().map(|m| member(tree, m, Word::User)).collect::<Vec<_>>(),
                "Host_List": p.hosts.iter().map(|m| member(tree, m, Word::Host)).collect::<Vec<_>>(),
                "Cmnd_Specs": cs,
            }));
        }
    }
    if !specs.is_empty() {
        top.insert("User_Specs".into(), Value::Array(specs));
    }
    (!top.is_empty()).then_some(Value::Object(top))
}
