//! SQLite `rpmdb.sqlite` (rpm >= 4.16: Fedora 33+, RHEL/Rocky/Alma 9, Amazon Linux 2023,
//! CBL-Mariner), read through `ferret-sqlite`: table `Packages (hnum INTEGER PRIMARY KEY,
//! blob BLOB)`, with the committed frames of `rpmdb.sqlite-wal`.

use super::Item;
use ferret_sqlite::{ByteSource, Database, Value};

/// Reads every row of `Packages`.
pub(crate) fn read<S: ByteSource>(
    db: &Database<S>,
    emit: &mut dyn FnMut(Item),
) -> Result<(), ferret_sqlite::Error> {
    let t = db.table("Packages")?;
    let blob_col = t.column_index("blob").unwrap_or(1);
    for row in db.rows(&t)? {
        match row {
            Ok(row) => {
                let Ok(hnum) = u32::try_from(row.rowid()) else {
                    emit(Item::Error(format!(
                        "row {}: not a header number",
                        row.rowid()
                    )));
                    continue;
                };
                match row.get(blob_col) {
                    Value::Blob(b) | Value::Text(b) => emit(Item::Blob(hnum, b.to_vec())),
                    v => emit(Item::Error(format!(
                        "header {hnum}: the blob column holds {v:?}"
                    ))),
                }
            }
            Err(e) => emit(Item::Error(e.to_string())),
        }
    }
    Ok(())
}
