//! Versioned JSON persistence: the envelope every model and state is saved in.
//!
//! ```json
//! {"format":"nextbest","kind":"thompson_bandit","version":1,"payload":{...}}
//! ```
//! Loading checks the format, the kind and the version before the payload is read, refuses a
//! newer version or another kind with a message that says so, and then validates every number,
//! index and length of the payload ([`Persist::from_payload`]): a document is never trusted.

use crate::error::{Error, ErrorKind, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The `format` field of every document.
pub const FORMAT: &str = "nextbest";

/// Documents larger than this are refused before parsing (64 MiB).
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;

/// A type saved as a versioned JSON document.
pub trait Persist: Sized {
    /// The `kind` field, e.g. `"thompson_bandit"`.
    const KIND: &'static str;
    /// The newest payload version this build writes and reads.
    const VERSION: u32;
    /// The serialized form of the payload.
    type Payload: Serialize + DeserializeOwned;

    /// The payload of `self`.
    fn to_payload(&self) -> Self::Payload;

    /// Rebuilds a value from a payload of `version` (at most [`Persist::VERSION`]), checking
    /// every constraint the type relies on.
    fn from_payload(payload: Self::Payload, version: u32) -> Result<Self>;

    /// The whole document as a JSON string.
    fn to_json(&self) -> String {
        serde_json::to_string(&Envelope {
            format: FORMAT,
            kind: Self::KIND,
            version: Self::VERSION,
            payload: self.to_payload(),
        })
        .expect("serializing a payload of plain data cannot fail")
    }

    /// The whole document as a JSON value, for nesting inside another document.
    fn to_document(&self) -> serde_json::Value {
        serde_json::to_value(Envelope {
            format: FORMAT,
            kind: Self::KIND,
            version: Self::VERSION,
            payload: self.to_payload(),
        })
        .expect("serializing a payload of plain data cannot fail")
    }

    /// Loads a document written by [`Persist::to_json`] (of this or an older version).
    fn from_json(json: &str) -> Result<Self> {
        Self::from_document(parse_document(json)?)
    }

    /// Loads a document already parsed as a JSON value (see [`Persist::to_document`]).
    fn from_document(document: serde_json::Value) -> Result<Self> {
        let (version, payload) = check_envelope(document, Self::KIND, Self::VERSION)?;
        let payload: Self::Payload = serde_json::from_value(payload).map_err(|e| {
            Error::document(format!(
                "{} document has an invalid payload: {e}",
                Self::KIND
            ))
        })?;
        Self::from_payload(payload, version)
    }
}

/// The envelope as written.
#[derive(Serialize)]
struct Envelope<'a, P> {
    format: &'a str,
    kind: &'a str,
    version: u32,
    payload: P,
}

/// Parses `json` as a JSON value, refusing documents over [`MAX_DOCUMENT_BYTES`].
pub fn parse_document(json: &str) -> Result<serde_json::Value> {
    if json.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::document(format!(
            "document of {} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes",
            json.len()
        )));
    }
    serde_json::from_str(json).map_err(|e| {
        Error::document(format!(
            "not a nextbest document: {e} (expected {{\"format\":\"nextbest\",\"kind\":...,\"version\":...,\"payload\":...}})"
        ))
    })
}

/// The `kind` of a parsed document, after checking its format.
pub fn document_kind(document: &serde_json::Value) -> Result<&str> {
    let format = document.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT) {
        return Err(Error::document(match format {
            Some(f) => format!("document format is {f:?}, expected \"{FORMAT}\""),
            None => "not a nextbest document: expected an object {\"format\":\"nextbest\",\"kind\":...,\"version\":...,\"payload\":...}".to_owned(),
        }));
    }
    document
        .get("kind")
        .and_then(|k| k.as_str())
        .ok_or_else(|| Error::document("document has no \"kind\" string"))
}

/// Checks the envelope of `json` and returns its version and payload.
pub fn open_envelope(json: &str, kind: &str, newest: u32) -> Result<(u32, serde_json::Value)> {
    check_envelope(parse_document(json)?, kind, newest)
}

/// Checks the envelope of a parsed document and returns its version and payload.
pub fn check_envelope(
    document: serde_json::Value,
    kind: &str,
    newest: u32,
) -> Result<(u32, serde_json::Value)> {
    #[derive(Deserialize)]
    struct Envelope {
        format: String,
        kind: String,
        version: u64,
        payload: serde_json::Value,
    }
    let env: Envelope = serde_json::from_value(document).map_err(|e| {
        Error::document(format!(
            "not a nextbest document: {e} (expected {{\"format\":\"nextbest\",\"kind\":...,\"version\":...,\"payload\":...}})"
        ))
    })?;
    if env.format != FORMAT {
        return Err(Error::document(format!(
            "document format is {:?}, expected \"{FORMAT}\"",
            env.format
        )));
    }
    if env.kind != kind {
        return Err(Error::new(
            ErrorKind::WrongKind,
            format!("document holds a {:?}, not a {kind:?}", env.kind),
        ));
    }
    if env.version == 0 || env.version > newest as u64 {
        return Err(Error::new(
            ErrorKind::UnsupportedVersion,
            format!(
                "{kind} document version {} is not supported: this build reads versions 1 to {newest}",
                env.version
            ),
        ));
    }
    Ok((env.version as u32, env.payload))
}

/// Serde adapter for `[u64; 4]` as four hexadecimal strings (1 to 16 digits each), so that
/// 64-bit values survive JSON tools that read every number as a double.
pub mod hex_words {
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    /// Writes the words as 16-digit lowercase hexadecimal strings.
    pub fn serialize<S: Serializer>(words: &[u64; 4], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(words.iter().map(|w| format!("{w:016x}")))
    }

    /// Reads four hexadecimal strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u64; 4], D::Error> {
        let strings = <[String; 4]>::deserialize(d)?;
        let mut words = [0u64; 4];
        for (w, s) in words.iter_mut().zip(&strings) {
            if s.is_empty() || s.len() > 16 {
                return Err(D::Error::custom(format!(
                    "generator word {s:?} is not 1 to 16 hexadecimal digits"
                )));
            }
            *w = u64::from_str_radix(s, 16).map_err(|_| {
                D::Error::custom(format!("generator word {s:?} is not hexadecimal"))
            })?;
        }
        Ok(words)
    }
}
