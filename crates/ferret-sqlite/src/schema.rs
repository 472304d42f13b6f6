//! Column names from a `CREATE TABLE` statement: just enough SQL to name the columns, find the
//! `INTEGER PRIMARY KEY` (an alias of the rowid, stored as NULL in the record) and see
//! `WITHOUT ROWID`.

/// One column of a table, as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Column {
    /// The name (quotes removed).
    pub name: String,
    /// The declared type, as written (may be empty).
    pub decl_type: String,
    /// Whether the column is an alias of the rowid (`INTEGER PRIMARY KEY`).
    pub rowid_alias: bool,
}

/// What [`parse_create_table`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableDef {
    pub columns: Vec<Column>,
    pub without_rowid: bool,
}

/// Splits SQL into tokens: identifiers and keywords (quotes kept), punctuation as single
/// characters; comments and blanks dropped.
fn tokens(sql: &str) -> Vec<&str> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let start = i;
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b.get(i) == Some(&b'*') && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(b.len());
                continue;
            }
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if c == b'[' { b']' } else { c };
                i += 1;
                loop {
                    match b.get(i) {
                        None => break,
                        Some(&x) if x == close => {
                            // A doubled quote is an escaped quote (not for `[...]`).
                            if close != b']' && b.get(i + 1) == Some(&close) {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 || c == b'$' => {
                while b.get(i).is_some_and(|&c| {
                    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 || c == b'$'
                }) {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        if let Some(t) = sql.get(start..i) {
            out.push(t);
        }
    }
    out
}

/// An identifier without its quotes.
pub(crate) fn unquote(t: &str) -> String {
    let b = t.as_bytes();
    match (b.first(), b.last()) {
        (Some(&q @ (b'\'' | b'"' | b'`')), Some(&e)) if q == e && t.len() >= 2 => {
            let inner = t.get(1..t.len() - 1).unwrap_or("");
            let q = char::from(q);
            inner.replace(&format!("{q}{q}"), &q.to_string())
        }
        (Some(b'['), Some(b']')) if t.len() >= 2 => t.get(1..t.len() - 1).unwrap_or("").to_owned(),
        _ => t.to_owned(),
    }
}

fn is(t: &str, kw: &str) -> bool {
    t.eq_ignore_ascii_case(kw)
}

const COLUMN_CONSTRAINTS: [&str; 10] = [
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
];

/// Parses `CREATE TABLE name (column defs, table constraints) [WITHOUT ROWID]`. `None` when
/// the statement has no column list (`CREATE TABLE x AS SELECT` keeps no declaration here).
pub(crate) fn parse_create_table(sql: &str) -> Option<TableDef> {
    let toks = tokens(sql);
    let open = toks.iter().position(|t| *t == "(")?;
    let mut def = TableDef::default();
    let mut depth = 0usize;
    let mut part: Vec<&str> = Vec::new();
    let mut parts: Vec<Vec<&str>> = Vec::new();
    let mut close = None;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match *t {
            "(" => {
                depth += 1;
                if depth > 1 {
                    part.push(t);
                }
            }
            ")" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    parts.push(std::mem::take(&mut part));
                    close = Some(i);
                    break;
                }
                part.push(t);
            }
            "," if depth == 1 => parts.push(std::mem::take(&mut part)),
            _ => part.push(t),
        }
    }
    let close = close?;
    let tail = toks.get(close + 1..).unwrap_or(&[]);
    def.without_rowid = tail
        .windows(2)
        .any(|w| matches!(w, [a, b] if is(a, "WITHOUT") && is(b, "ROWID")));
    let mut table_pk: Vec<String> = Vec::new();
    for p in parts {
        let Some(first) = p.first() else { continue };
        if ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|k| is(first, k))
        {
            if let Some(k) = p.iter().position(|t| is(t, "PRIMARY")) {
                if let Some(o) = p.iter().skip(k).position(|t| *t == "(") {
                    table_pk = p
                        .iter()
                        .skip(k + o + 1)
                        .take_while(|t| **t != ")")
                        .filter(|t| **t != ",")
                        .map(|t| unquote(t))
                        .collect();
                    // Only the column names: `PRIMARY KEY(a ASC)` names `a`.
                    table_pk.retain(|n| !is(n, "ASC") && !is(n, "DESC"));
                }
            }
            continue;
        }
        let name = unquote(first);
        let rest = p.get(1..).unwrap_or(&[]);
        let type_end = rest
            .iter()
            .position(|t| COLUMN_CONSTRAINTS.iter().any(|k| is(t, k)) || is(t, "AS"))
            .unwrap_or(rest.len());
        let decl_type = rest.get(..type_end).unwrap_or(&[]).join(" ");
        let after = rest.get(type_end..).unwrap_or(&[]);
        let pk = after
            .windows(2)
            .position(|w| matches!(w, [a, b] if is(a, "PRIMARY") && is(b, "KEY")));
        // `INTEGER PRIMARY KEY DESC` is famously not an alias.
        let desc = pk.is_some_and(|k| after.get(k + 2).is_some_and(|t| is(t, "DESC")));
        let rowid_alias = pk.is_some() && !desc && is(decl_type.trim(), "INTEGER");
        def.columns.push(Column {
            name,
            decl_type,
            rowid_alias,
        });
    }
    if let [only] = table_pk.as_slice() {
        for c in &mut def.columns {
            if c.name.eq_ignore_ascii_case(only) && is(c.decl_type.trim(), "INTEGER") {
                c.rowid_alias = true;
            }
        }
    }
    if def.without_rowid {
        for c in &mut def.columns {
            c.rowid_alias = false;
        }
    }
    Some(def)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<(String, bool)> {
        parse_create_table(sql)
            .unwrap()
            .columns
            .into_iter()
            .map(|c| (c.name, c.rowid_alias))
            .collect()
    }

    #[test]
    fn rpm_packages_table() {
        assert_eq!(
            names("CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)"),
            [("hnum".into(), true), ("blob".into(), false)]
        );
    }

    #[test]
    fn quoting_constraints_and_table_keys() {
        let d = parse_create_table(
            "CREATE TABLE \"a b\"( [x y] int, \"q\"\"q\" TEXT DEFAULT 'a,b', id INTEGER, -- c\n \
             CONSTRAINT k PRIMARY KEY (id), CHECK (x > 0))",
        )
        .unwrap();
        let n: Vec<_> = d
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.rowid_alias))
            .collect();
        assert_eq!(n, [("x y", false), ("q\"q", false), ("id", true)]);
        assert!(!d.without_rowid);
    }

    #[test]
    fn desc_and_without_rowid_are_not_aliases() {
        assert_eq!(
            names("CREATE TABLE t(a INTEGER PRIMARY KEY DESC)"),
            [("a".into(), false)]
        );
        let d =
            parse_create_table("CREATE TABLE t(a INTEGER PRIMARY KEY, b) WITHOUT ROWID").unwrap();
        assert!(d.without_rowid);
        assert!(!d.columns[0].rowid_alias);
    }
}
