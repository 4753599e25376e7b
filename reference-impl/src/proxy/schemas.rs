//! The JSON Schemas clients ask answers to match (`response_format` of type
//! `json_schema`), compiled once and kept: a client sends the same schema
//! with each of its requests, and compiling one costs far more than finding
//! it by its text. Bounded: schemas that change with every request hold at
//! most [`CAPACITY`] places, and long ones are compiled each time instead.
use std::sync::Arc;

use jsonschema::Validator;
use quick_cache::sync::Cache;
use serde_json::value::RawValue;

/// Schemas kept.
const CAPACITY: usize = 256;
/// Schemas longer than this (bytes of JSON) are never kept.
const LONGEST_KEPT: usize = 16 * 1024;

/// Compiled schemas by their text; `None` for a text that is no schema the
/// gateway can compile, so that it is not tried again either.
pub struct Schemas(Cache<Box<str>, Option<Arc<Validator>>>);

impl Default for Schemas {
    fn default() -> Self {
        Self(Cache::new(CAPACITY))
    }
}

impl Schemas {
    /// `schema` compiled, or `None` when the gateway cannot compile it.
    pub fn compiled(&self, schema: &RawValue) -> Option<Arc<Validator>> {
        let text = schema.get();
        if text.len() > LONGEST_KEPT {
            return compile(text);
        }
        if let Some(kept) = self.0.get(text) {
            return kept;
        }
        let compiled = compile(text);
        self.0.insert(text.into(), compiled.clone());
        compiled
    }

    /// Schemas kept.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

fn compile(text: &str) -> Option<Arc<Validator>> {
    let schema: serde_json::Value = serde_json::from_str(text).ok()?;
    jsonschema::validator_for(&schema).ok().map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn a_schema_sent_again_is_the_one_compiled_before() {
        let schemas = Schemas::default();
        let schema = raw(r#"{"type":"object","required":["a"]}"#);
        let first = schemas.compiled(&schema).expect("a schema");
        let again = schemas.compiled(&schema).expect("a schema");
        assert!(Arc::ptr_eq(&first, &again), "compiled once");
        assert!(first.is_valid(&serde_json::json!({"a": 1})));
        assert!(!first.is_valid(&serde_json::json!({"b": 1})));
    }

    #[test]
    fn what_is_no_schema_is_remembered_as_none() {
        let schemas = Schemas::default();
        let broken = raw(r#"{"type":"no such type"}"#);
        assert!(schemas.compiled(&broken).is_none());
        assert!(schemas.compiled(&broken).is_none());
        assert_eq!(schemas.len(), 1);
    }

    #[test]
    fn long_schemas_are_compiled_each_time_and_never_kept() {
        let schemas = Schemas::default();
        let padding = "x".repeat(LONGEST_KEPT);
        let long = raw(&format!(r#"{{"type":"object","description":"{padding}"}}"#));
        let first = schemas.compiled(&long).expect("a schema");
        let again = schemas.compiled(&long).expect("a schema");
        assert!(!Arc::ptr_eq(&first, &again));
        assert_eq!(schemas.len(), 0);
    }

    #[test]
    fn the_cache_is_bounded() {
        let schemas = Schemas::default();
        for n in 0..CAPACITY * 2 {
            schemas.compiled(&raw(&format!(r#"{{"maxLength":{n}}}"#)));
        }
        assert!(schemas.len() <= CAPACITY, "{} kept", schemas.len());
    }
}
