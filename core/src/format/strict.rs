//! JSON documents read strictly and reported in the format's words.
//!
//! serde's derived structs also accept a JSON array of their fields in order, so
//! `tinyae.anomaly: ["mse", 0.1]` would load. [`Strict`] is a deserializer over a parsed
//! [`Value`] that gives structs (and internally tagged enums) only JSON objects, at any depth.
//! [`read`] adds the path of the failing field (`layers[0].out_features`) with
//! `serde_path_to_error` and replaces Rust type names (`usize`, `struct GraphDoc`) in serde's
//! messages with what the file should hold.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Unexpected, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// The JSON document of the metadata entry `key`: a JSON object, read strictly; `section` is
/// where docs/FORMAT.md defines it.
pub(crate) fn entry<T: DeserializeOwned>(key: &str, text: &str, section: &str) -> Result<T, Error> {
    let bad = |message: String| {
        Error::new(ErrorKind::BadMetadata, message)
            .help(format!("see docs/FORMAT.md {section} for this entry's fields"))
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("`{key}` is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(bad(format!("`{key}` is {}, expected a JSON object", json_kind(&value))));
    }
    read(&value).map_err(|(path, message)| match path.as_str() {
        "" => bad(format!("`{key}` is invalid: {message}")),
        path => bad(format!("`{key}` field `{path}`: {message}")),
    })
}

/// What a JSON value is, for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a JSON array",
        Value::Object(_) => "a JSON object",
    }
}

/// `T` from `value`, or the path of the failing field (empty at the top) and what is wrong.
pub(crate) fn read<T: DeserializeOwned>(value: &Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(Strict(value)).map_err(|e| {
        let mut path = e.path().to_string();
        let message = plain_words(&e.into_inner().to_string());
        // `unknown field `x``: the field is the message's subject, the path its parent.
        let last = path.rsplit(['.', '[']).next().unwrap_or_default().to_owned();
        if path == "." || message.contains(&format!("`{last}`")) {
            path.truncate(path.len() - last.len());
            path = path.trim_end_matches(['.', '[']).to_owned();
            path = if path == "." { String::new() } else { path };
        }
        (path, message)
    })
}

/// serde's message with Rust type names replaced by JSON words.
pub(crate) fn plain_words(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("expected usize", "expected a non-negative integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected i32", "expected an integer"),
        ("expected i64", "expected an integer"),
        ("expected f32", "expected a number"),
        ("expected f64", "expected a number"),
        ("integer `", "the integer `"),
        ("floating point `", "the number `"),
        ("expected a sequence", "expected a JSON array"),
    ];
    let mut out = message.to_owned();
    for (rust, json) in WORDS {
        out = out.replace(rust, json);
    }
    // `expected struct GraphDoc`, `internally tagged enum CalibrationDoc`, ...: the shape is
    // what matters to the reader.
    for kind in ["struct ", "internally tagged enum ", "enum "] {
        while let Some(at) = out.find(&format!("expected {kind}")) {
            let name_start = at + "expected ".len() + kind.len();
            let name_end = out[name_start..]
                .find(|c: char| !c.is_alphanumeric() && c != '_')
                .map_or(out.len(), |n| name_start + n);
            out.replace_range(at..name_end, "expected a JSON object");
        }
    }
    out
}

/// A parsed JSON value as a serde deserializer that gives structs only objects.
pub(crate) struct Strict<'a>(pub &'a Value);

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (_, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Other("a JSON array"),
        Value::Object(_) => Unexpected::Other("a JSON object"),
    }
}

/// Whether a visitor builds an internally tagged enum (serde buffers those through
/// `deserialize_any`, and would take an array whose first element is the tag).
fn wants_tagged_object<'de, V: Visitor<'de>>(visitor: &V) -> bool {
    struct Expecting<'v, V>(&'v V);
    impl<'de, V: Visitor<'de>> fmt::Display for Expecting<'_, V> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.expecting(f)
        }
    }
    Expecting(visitor).to_string().starts_with("internally tagged enum")
}

fn not_an_object(v: &Value) -> serde_json::Error {
    de::Error::invalid_type(unexpected(v), &"a JSON object")
}

impl<'de> de::Deserializer<'de> for Strict<'_> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => visitor.visit_u64(u),
                (_, Some(i)) => visitor.visit_i64(i),
                _ => visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::Array(_) if wants_tagged_object(&visitor) => Err(not_an_object(self.0)),
            Value::Array(items) => visit_seq(items, visitor),
            Value::Object(map) => visitor.visit_map(MapAccess { iter: map.iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(MapAccess { iter: map.iter(), value: None }),
            other => Err(not_an_object(other)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(de::value::StrDeserializer::new(s)),
            Value::Object(map) if map.len() == 1 => {
                let (variant, value) = map.iter().next().expect("one entry");
                visitor.visit_enum(Variant { variant, value })
            }
            other => Err(de::Error::invalid_type(unexpected(other), &"a string")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

fn visit_seq<'de, V: Visitor<'de>>(
    items: &[Value],
    visitor: V,
) -> Result<V::Value, serde_json::Error> {
    let mut seq = SeqAccess { iter: items.iter() };
    let value = visitor.visit_seq(&mut seq)?;
    match seq.iter.len() {
        0 => Ok(value),
        _ => Err(de::Error::invalid_length(items.len(), &"fewer elements in the array")),
    }
}

struct SeqAccess<'a> {
    iter: std::slice::Iter<'a, Value>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_> {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.iter.next().map(|v| seed.deserialize(Strict(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapAccess<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.iter.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(de::value::StrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a value without a key"))?;
        seed.deserialize(Strict(value))
    }
}

/// `{"variant": value}`, an externally tagged enum variant.
struct Variant<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'de, 'a> de::EnumAccess<'de> for Variant<'a> {
    type Error = serde_json::Error;
    type Variant = Strict<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Strict<'a>), Self::Error> {
        let tag =
            seed.deserialize(de::value::StrDeserializer::<serde_json::Error>::new(self.variant))?;
        Ok((tag, Strict(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Strict<'_> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        match self.0 {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(other), &"null")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        scale: f32,
        zero_point: i32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        A { n: usize },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        inner: Inner,
        tagged: Tagged,
        sizes: Vec<usize>,
        pair: [usize; 2],
    }

    #[test]
    fn objects_are_required_at_any_depth_arrays_stay_arrays() {
        let ok = json!({"inner": {"scale": 0.5, "zero_point": -3}, "tagged": {"kind": "a", "n": 2}, "sizes": [1, 2], "pair": [3, 4]});
        let outer: Outer = super::read(&ok).unwrap();
        assert_eq!(outer.inner, Inner { scale: 0.5, zero_point: -3 });
        let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = ok.clone();
            edit(&mut v);
            super::read::<Outer>(&v).unwrap_err()
        };
        let (path, message) = bad(&|v| v["inner"] = json!([0.5, -3]));
        assert_eq!(
            (path.as_str(), message.as_str()),
            ("inner", "invalid type: a JSON array, expected a JSON object")
        );
        let (path, _) = bad(&|v| v["tagged"] = json!(["a", 2]));
        assert_eq!(path, "tagged");
        let (path, message) = bad(&|v| v["sizes"][1] = json!(-2));
        assert_eq!(path, "sizes[1]");
        assert_eq!(message, "invalid value: the integer `-2`, expected a non-negative integer");
        let (path, message) = bad(&|v| v["inner"]["zero_point"] = json!(1.5));
        assert_eq!(path, "inner.zero_point");
        assert_eq!(message, "invalid type: the number `1.5`, expected an integer");
        let (_, message) = super::read::<Outer>(&json!([1, 2, 3, 4])).unwrap_err();
        assert_eq!(message, "invalid type: a JSON array, expected a JSON object");
    }
}
