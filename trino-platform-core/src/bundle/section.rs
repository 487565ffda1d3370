//! [`Section`]: a part of a tenant file that leaves out what the tenant states once (its
//! workspace, its namespace, the gateway's external URL).
//!
//! A section is read as the spec it holds (a `TrinoClusterSpec`, an `ExchangeBucketSpec`, …),
//! with each inherited key the section does not write fed in as a stand-in value, which
//! [`TenantSpec::resolve`](super::TenantSpec) then replaces with the tenant's. The section is
//! read straight from the file's own deserializer (no buffering into a value tree), so an
//! error inside it still names its line.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A spec whose sections may leave out some keys.
pub trait Inherits {
    /// The keys a section may leave out, each with a stand-in value its type accepts.
    const INHERITED: &'static [(&'static str, &'static str)];
}

/// A spec read from a section of a tenant file, and which inherited keys the section wrote.
#[derive(Debug, Clone)]
pub struct Section<T> {
    /// The spec (inherited keys still stand-ins until the tenant is resolved).
    pub value: T,
    /// The inherited keys the section gave itself.
    pub explicit: Vec<&'static str>,
}

impl<'de, T: Deserialize<'de> + Inherits> Deserialize<'de> for Section<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SectionVisitor(PhantomData))
    }
}

struct SectionVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de> + Inherits> Visitor<'de> for SectionVisitor<T> {
    type Value = Section<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Section<T>, A::Error> {
        let mut access = Injecting { inner: map, extras: T::INHERITED, next_extra: 0, seen: Vec::new(), pending: None };
        let value = T::deserialize(de::value::MapAccessDeserializer::new(&mut access))?;
        let explicit = T::INHERITED.iter().map(|(key, _)| *key).filter(|key| access.seen.iter().any(|s| s == key));
        Ok(Section { value, explicit: explicit.collect() })
    }
}

/// The section's own entries, then a stand-in entry for each inherited key it lacked.
struct Injecting<A> {
    inner: A,
    extras: &'static [(&'static str, &'static str)],
    next_extra: usize,
    seen: Vec<String>,
    pending: Option<&'static str>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Injecting<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        if self.next_extra == 0
            && let Some(key) = self.inner.next_key::<String>()?
        {
            let value = seed.deserialize(key.as_str().into_deserializer())?;
            self.seen.push(key);
            return Ok(Some(value));
        }
        while let Some((key, value)) = self.extras.get(self.next_extra) {
            self.next_extra += 1;
            if !self.seen.iter().any(|s| s == key) {
                self.pending = Some(value);
                return seed.deserialize((*key).into_deserializer()).map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.pending.take() {
            Some(value) => seed.deserialize(value.into_deserializer()),
            None => self.inner.next_value_seed(seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Spec {
        workspace: String,
        size: u32,
    }

    impl Inherits for Spec {
        const INHERITED: &'static [(&'static str, &'static str)] = &[("workspace", "stand-in")];
    }

    #[test]
    fn left_out_keys_get_a_stand_in_and_written_ones_are_kept() {
        let section: Section<Spec> = crate::yaml::from_str("size: 3\n", "section").unwrap();
        assert_eq!((section.value.workspace.as_str(), section.value.size), ("stand-in", 3));
        assert!(section.explicit.is_empty());
        let section: Section<Spec> = crate::yaml::from_str("workspace: acme\nsize: 3\n", "section").unwrap();
        assert_eq!(section.value.workspace, "acme");
        assert_eq!(section.explicit, ["workspace"]);
    }

    #[test]
    fn errors_inside_a_section_keep_their_line() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct File {
            name: String,
            section: Section<Spec>,
        }
        let err = crate::yaml::from_str::<File>("name: x\nsection:\n  size: 3\n  colour: red\n", "file").unwrap_err();
        assert!(err.message().contains("colour") && err.message().contains("line 4"), "{err}");
        let err = crate::yaml::from_str::<File>("name: x\nsection:\n  size: lots\n", "file").unwrap_err();
        assert!(err.message().contains("line 3"), "{err}");
    }
}
