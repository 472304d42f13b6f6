//! Crypto-miner configurations and wallet addresses, from bytes.
//!
//! [`miner_config`] recognises XMRig-style JSON (`"pools"` with a `stratum+tcp://` URL,
//! `"donate-level"`, a mining algorithm, a wallet as `"user"`) and xmr-stak's `pools.txt`
//! (`"pool_list"`, `"pool_address"`, `"wallet_address"`); [`wallets`] finds Monero addresses
//! (standard, integrated and sub-addresses: base58, checked for length and prefix) and Bitcoin
//! addresses (base58check and bech32, both checksums verified).
//!
//! ```
//! use ferret_scan::miner::{miner_config, Coin};
//! let cfg = br#"{ "donate-level": 1, "cpu": { "enabled": true },
//!   "pools": [ { "url": "stratum+tcp://pool.example.net:3333",
//!     "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
//!     "pass": "x" } ] }"#;
//! let m = miner_config(cfg).unwrap();
//! assert_eq!(m.pools, [b"stratum+tcp://pool.example.net:3333".to_vec()]);
//! assert_eq!(m.wallets[0].coin, Coin::Monero);
//! assert!(m.signals.iter().any(|s| s == "donate-level"));
//! ```

/// Bytes of a file searched for a configuration.
pub const MAX_CONFIG_BYTES: usize = 1 << 20;

/// A crypto-currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[non_exhaustive]
pub enum Coin {
    /// Monero (XMR): what almost every cryptojacker mines.
    Monero,
    /// Bitcoin (BTC).
    Bitcoin,
}

impl Coin {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Coin::Monero => "monero",
            Coin::Bitcoin => "bitcoin",
        }
    }
}

/// A wallet address found in text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Wallet {
    /// The coin.
    pub coin: Coin,
    /// The address (ASCII).
    pub address: String,
    /// Byte offset in the text.
    pub offset: usize,
}

/// A miner configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct MinerConfig {
    /// Pool URLs (`stratum+tcp://host:port`) and `host:port` pool addresses found.
    #[cfg_attr(feature = "serde", serde(with = "ferret_core::escaped::list"))]
    pub pools: Vec<Vec<u8>>,
    /// Wallet addresses found.
    pub wallets: Vec<Wallet>,
    /// Which configuration keys were seen (`pools`, `donate-level`, `algo`, `pool_list`, ...).
    pub signals: Vec<String>,
}

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn is_b58(c: u8) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

fn b58_value(c: u8) -> Option<u8> {
    BASE58.iter().position(|&x| x == c).map(|p| p as u8)
}

/// Decodes base58 (Bitcoin alphabet) into bytes; `None` on a foreign character.
fn b58_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for &c in s {
        let mut carry = u32::from(b58_value(c)?);
        for b in out.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.iter().take_while(|&&c| c == b'1').count();
    let mut v = vec![0u8; zeros];
    v.extend(out);
    Some(v)
}

fn bitcoin_base58check(s: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let Some(raw) = b58_decode(s) else {
        return false;
    };
    if raw.len() != 25 || !matches!(raw.first(), Some(0x00 | 0x05)) {
        return false;
    }
    let (body, check) = raw.split_at(21);
    let h = Sha256::digest(Sha256::digest(body));
    h.get(..4) == Some(check)
}

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for &v in values {
        let b = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (b >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// A `bc1...` address with a valid bech32 (constant 1) or bech32m (0x2bc830a3) checksum.
fn bitcoin_bech32(s: &[u8]) -> bool {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let Some(data) = s.strip_prefix(b"bc1") else {
        return false;
    };
    let mut values = vec![3u8, 3, 0, 2, 3]; // hrp "bc" expanded
    for &c in data {
        match CHARSET.iter().position(|&x| x == c) {
            Some(p) => values.push(p as u8),
            None => return false,
        }
    }
    let m = bech32_polymod(&values);
    m == 1 || m == 0x2bc8_30a3
}

/// Monero: 95 base58 characters (standard `4`, sub-address `8`) or 106 (integrated `4`), the
/// second character of a mainnet standard address being one of `0-9AB`.
fn monero(s: &[u8]) -> bool {
    match (s.len(), s.first(), s.get(1)) {
        (95, Some(b'4'), Some(c)) => c.is_ascii_digit() || matches!(c, b'A' | b'B'),
        (95, Some(b'8'), Some(_)) | (106, Some(b'4'), Some(_)) => true,
        _ => false,
    }
}

/// The coin whose address `run` (a whole alphanumeric run) is, if any: Monero by its length and
/// prefix, Bitcoin by its Base58Check or bech32 checksum.
fn coin_of(run: &[u8]) -> Option<Coin> {
    if run.len() >= 26 && run.iter().all(|c| is_b58(*c)) {
        if monero(run) {
            Some(Coin::Monero)
        } else if run.len() <= 35
            && matches!(run.first(), Some(b'1' | b'3'))
            && bitcoin_base58check(run)
        {
            Some(Coin::Bitcoin)
        } else {
            None
        }
    } else if (42..=62).contains(&run.len()) && run.starts_with(b"bc1") && bitcoin_bech32(run) {
        Some(Coin::Bitcoin)
    } else {
        None
    }
}

/// Finds wallet addresses in text: runs of address characters bounded by anything else.
pub fn wallets(text: &[u8]) -> Vec<Wallet> {
    /// The shortest address (a base58 Bitcoin one); shorter runs are never addresses.
    const MIN: usize = 26;
    let alnum = |i: usize| text.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let mut out = Vec::new();
    // `i` starts a stretch whose previous byte (if any) is not an address character. A run of
    // MIN characters starting at or after `i` covers `i + MIN - 1`: when that byte is not one,
    // the next MIN positions are skipped at once (most text has no long runs).
    let mut i = 0;
    while i + MIN <= text.len() {
        let probe = i + MIN - 1;
        if !alnum(probe) {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && alnum(start - 1) {
            start -= 1;
        }
        let mut end = probe + 1;
        while alnum(end) {
            end += 1;
        }
        i = end + 1;
        if end - start < MIN {
            continue;
        }
        let run = text.get(start..end).unwrap_or_default();
        if let Some(coin) = coin_of(run) {
            out.push(Wallet {
                coin,
                address: String::from_utf8_lossy(run).into_owned(),
                offset: start,
            });
        }
    }
    out
}

/// Pool URL schemes.
const STRATUM: &[&[u8]] = &[
    b"stratum+tcp://",
    b"stratum+ssl://",
    b"stratum+tls://",
    b"stratum1+tcp://",
    b"stratum2+tcp://",
    b"stratum2+ssl://",
];

/// The pool URLs (`stratum+tcp://host:port`) in text.
pub fn stratum_urls(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let lower = text.to_ascii_lowercase();
    for scheme in STRATUM {
        for at in memchr::memmem::find_iter(&lower, scheme) {
            let rest = text.get(at..).unwrap_or_default();
            let end = rest
                .iter()
                .position(|c| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b',' | b'`'))
                .unwrap_or(rest.len())
                .min(256);
            let url = rest.get(..end).unwrap_or_default().to_vec();
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

/// What every pool side of [`miner_config`] contains: the keys `"pools"`, `"pool_list"`,
/// `"pool_address"` and the [`STRATUM`] schemes (ASCII case-insensitive).
static POOL_SIDE: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([&b"\"pool"[..], b"stratum"])
            .ok()
    });

/// JSON keys of miner configurations, with the signal each gives.
const KEYS: &[(&[u8], &str)] = &[
    (b"\"pools\"", "pools"),
    (b"\"donate-level\"", "donate-level"),
    (b"\"donate-over-proxy\"", "donate-level"),
    (b"\"pool_list\"", "pool_list"),
    (b"\"pool_address\"", "pool_address"),
    (b"\"wallet_address\"", "wallet_address"),
    (b"\"randomx\"", "randomx"),
    (b"\"nicehash\"", "nicehash"),
    (b"\"rig-id\"", "rig-id"),
    (b"\"cpu_threads_conf\"", "cpu_threads_conf"),
];

/// Mining algorithms, as configuration values (`"algo": "rx/0"`) or names.
const ALGOS: &[&[u8]] = &[
    b"\"rx/0\"",
    b"\"rx/wow\"",
    b"\"cn/r\"",
    b"\"cn/0\"",
    b"\"cn-heavy/0\"",
    b"\"randomx\"",
    b"\"cryptonight\"",
    b"\"kawpow\"",
    b"\"ghostrider\"",
    b"\"argon2/chukwa\"",
    b"\"astrobwt\"",
];

/// Recognises a miner configuration (see the [module docs](self)); only the first
/// [`MAX_CONFIG_BYTES`] are read. Needs a pool list or pool URL together with a second
/// miner-specific sign (donate level, algorithm, wallet, xmr-stak keys), so that a document
/// merely mentioning a pool is not a configuration.
pub fn miner_config(text: &[u8]) -> Option<MinerConfig> {
    let text = text.get(..MAX_CONFIG_BYTES).unwrap_or(text);
    // Every configuration has a pool side: a `"pool...` key or a `stratum...://` URL. One
    // case-insensitive pass rejects the other texts (nearly all) before the key searches.
    if POOL_SIDE.as_ref().is_some_and(|p| !p.is_match(text)) {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let mut signals: Vec<&'static str> = Vec::new();
    for (k, s) in KEYS {
        if memchr::memmem::find(&lower, k).is_some() && !signals.contains(s) {
            signals.push(s);
        }
    }
    if ALGOS
        .iter()
        .any(|a| memchr::memmem::find(&lower, a).is_some())
    {
        signals.push("algo");
    }
    let pools = stratum_urls(text);
    if !pools.is_empty() {
        signals.push("stratum-url");
    }
    let wallets = wallets(text);
    if wallets.iter().any(|w| w.coin == Coin::Monero) {
        signals.push("monero-wallet");
    }
    let has = |s: &str| signals.contains(&s);
    let pool_side = has("pools") || has("pool_list") || has("pool_address") || has("stratum-url");
    let miner_side = has("donate-level")
        || has("algo")
        || has("randomx")
        || has("monero-wallet")
        || has("wallet_address")
        || has("rig-id")
        || has("cpu_threads_conf")
        || has("nicehash")
        || (has("stratum-url") && (has("pools") || has("pool_list")));
    if !(pool_side && miner_side) {
        return None;
    }
    Some(MinerConfig {
        pools,
        wallets,
        signals: signals.into_iter().map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Addresses from the projects' own documentation: the Monero project's donation address
    // (getmonero.org), the Bitcoin genesis block's coinbase address, BIP-173's test vectors.
    const XMR: &str = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
    const BTC: &str = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    const BECH32: &str = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";

    #[test]
    fn wallet_formats_and_checksums() {
        let t = format!("pay {XMR} or {BTC}, {BECH32}.");
        let w = wallets(t.as_bytes());
        let got: Vec<(Coin, &str)> = w.iter().map(|w| (w.coin, w.address.as_str())).collect();
        assert_eq!(
            got,
            [
                (Coin::Monero, XMR),
                (Coin::Bitcoin, BTC),
                (Coin::Bitcoin, BECH32)
            ]
        );
        assert_eq!(w[0].offset, 4);
        // One changed character breaks each checksum; a Monero address one character short
        // is no address.
        assert!(wallets(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb").is_empty());
        assert!(wallets(b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5").is_empty());
        assert!(wallets(&XMR.as_bytes()[1..]).is_empty());
        // Hex digests and words are not addresses.
        assert!(
            wallets(b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").is_empty()
        );
    }

    #[test]
    fn configs_need_two_sides() {
        assert!(miner_config(b"see stratum+tcp://pool:3333 in the docs").is_none());
        assert!(miner_config(br#"{"pools": [], "name": "x"}"#).is_none());
        let stak = br#""pool_list" : [ {"pool_address" : "pool.supportxmr.com:5555", "wallet_address" : "x"} ],"#;
        let m = miner_config(stak).unwrap();
        assert!(m.signals.iter().any(|s| s == "pool_list"));
        assert!(m.signals.iter().any(|s| s == "wallet_address"));
        let cmd = format!("./xmrig -o stratum+tcp://1.2.3.4:3333 -u {XMR} -k");
        let m = miner_config(cmd.as_bytes()).unwrap();
        assert_eq!(m.pools, [b"stratum+tcp://1.2.3.4:3333".to_vec()]);
    }

    /// The per-byte scan `wallets` replaced: every run of address characters, judged.
    fn wallets_per_byte(text: &[u8]) -> Vec<(Coin, String, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let start = i;
            while text.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                i += 1;
            }
            if i == start {
                i += 1;
                continue;
            }
            let run = &text[start..i];
            if let Some(c) = coin_of(run) {
                out.push((c, String::from_utf8_lossy(run).into_owned(), start));
            }
        }
        out
    }

    proptest::proptest! {
        /// The skipping scan finds exactly what a byte-by-byte scan finds, wherever the
        /// addresses sit among words, separators and long non-address runs.
        #[test]
        fn skipping_scan_equals_the_per_byte_scan(
            parts in proptest::collection::vec(0usize..7, 0..24),
            seps in proptest::collection::vec(proptest::sample::select(&b" ,.:\"\n-_/=\xffa9"[..]), 24),
        ) {
            let pieces = [XMR, BTC, BECH32, "word", "0123456789abcdef0123456789abcdef", "x", ""];
            let mut t = Vec::new();
            for (k, p) in parts.iter().enumerate() {
                t.extend_from_slice(pieces[*p].as_bytes());
                t.push(seps[k]);
            }
            let got: Vec<(Coin, String, usize)> = wallets(&t)
                .into_iter()
                .map(|w| (w.coin, w.address, w.offset))
                .collect();
            proptest::prop_assert_eq!(got, wallets_per_byte(&t));
        }
    }
}
