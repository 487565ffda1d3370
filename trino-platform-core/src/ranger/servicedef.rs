//! Ranger's `trino` service definition (id 203, `ranger-servicedef-trino.json`, identical in
//! Ranger 2.5.0–2.9.0): its resources and their hierarchy, access types, and mask types with
//! the SQL transformers Trino's plugin applies. Policies and requests are validated against it,
//! so an unknown resource or access type is a typed error naming what was wrong.

use std::fmt;

use crate::error::{Error, Result};

/// A resource of the service definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDef {
    /// Name (`catalog`, `schema`, …).
    pub name: &'static str,
    /// Parent resource (`schema` for `table`).
    pub parent: Option<&'static str>,
    /// Level in the hierarchy (10, 20, 30, 40).
    pub level: u32,
    /// Access types allowed on this resource (empty: any).
    pub access_restrictions: &'static [&'static str],
}

/// The resources, in the definition's order.
pub const RESOURCES: [ResourceDef; 13] = [
    ResourceDef { name: "catalog", parent: None, level: 10, access_restrictions: &[] },
    ResourceDef { name: "schema", parent: Some("catalog"), level: 20, access_restrictions: &[] },
    ResourceDef { name: "table", parent: Some("schema"), level: 30, access_restrictions: &[] },
    ResourceDef { name: "column", parent: Some("table"), level: 40, access_restrictions: &[] },
    ResourceDef { name: "trinouser", parent: None, level: 10, access_restrictions: &["impersonate"] },
    ResourceDef { name: "systemproperty", parent: None, level: 10, access_restrictions: &["alter"] },
    ResourceDef { name: "sessionproperty", parent: Some("catalog"), level: 20, access_restrictions: &["alter"] },
    ResourceDef { name: "function", parent: None, level: 10, access_restrictions: &["execute", "grant"] },
    ResourceDef { name: "procedure", parent: Some("schema"), level: 30, access_restrictions: &["execute", "grant"] },
    // The definition restricts schemafunction to create/drop/show, yet Trino's plugin checks
    // `execute` on it (ExecuteFunction); requests for `execute` are therefore accepted too.
    ResourceDef {
        name: "schemafunction",
        parent: Some("schema"),
        level: 30,
        access_restrictions: &["create", "drop", "show", "execute"],
    },
    ResourceDef { name: "queryid", parent: None, level: 10, access_restrictions: &["execute"] },
    ResourceDef { name: "sysinfo", parent: None, level: 10, access_restrictions: &["read_sysinfo", "write_sysinfo"] },
    ResourceDef {
        name: "role",
        parent: None,
        level: 10,
        access_restrictions: &["create", "drop", "show", "grant", "revoke"],
    },
];

/// Index of a resource in [`RESOURCES`].
pub(crate) type ResIdx = u8;

/// The paths from a root resource to a leaf. A policy's (or request's) resource keys must be a
/// prefix of one of them: `catalog, schema, table` is, `catalog, table` is not.
const HIERARCHIES: [&[ResIdx]; 10] = [
    &[0, 1, 2, 3], // catalog, schema, table, column
    &[0, 1, 8],    // catalog, schema, procedure
    &[0, 1, 9],    // catalog, schema, schemafunction
    &[0, 6],       // catalog, sessionproperty
    &[4],          // trinouser
    &[5],          // systemproperty
    &[7],          // function
    &[10],         // queryid
    &[11],         // sysinfo
    &[12],         // role
];

/// Access types, in the definition's order (`_any` requests try them in this order).
pub const ACCESS_TYPES: [&str; 15] = [
    "select",
    "insert",
    "create",
    "drop",
    "delete",
    "use",
    "alter",
    "grant",
    "revoke",
    "show",
    "impersonate",
    "execute",
    "read_sysinfo",
    "write_sysinfo",
    "all",
];

/// The access type that implies every other one.
pub(crate) const ALL: AccessBit = 14;

/// Index of an access type in [`ACCESS_TYPES`].
pub(crate) type AccessBit = u8;

/// The special access of checks that pass when *any* access is allowed (Trino's filters,
/// `AccessCatalog`, `ShowSchemas`, `ShowTables`, `ShowColumns`).
pub const ANY_ACCESS: &str = "_any";

/// A mask type of the data-mask definition and the transformer the plugin applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskTypeDef {
    /// Name (`MASK_HASH`).
    pub name: &'static str,
    /// SQL with `{col}` and `{type}` placeholders; `None` for `MASK_NULL`, `MASK_NONE`, `CUSTOM`.
    pub transformer: Option<&'static str>,
}

/// The mask types of the Trino service definition.
pub const MASK_TYPES: [MaskTypeDef; 8] = [
    MaskTypeDef {
        name: "MASK",
        transformer: Some(
            "cast(regexp_replace(regexp_replace(regexp_replace({col},'([A-Z])', 'X'),'([a-z])','x'),'([0-9])','0') as {type})",
        ),
    },
    MaskTypeDef {
        name: "MASK_SHOW_LAST_4",
        transformer: Some(
            "cast(regexp_replace({col}, '(.*)(.{4}$)', x -> regexp_replace(x[1], '.', 'X') || x[2]) as {type})",
        ),
    },
    MaskTypeDef {
        name: "MASK_SHOW_FIRST_4",
        transformer: Some(
            "cast(regexp_replace({col}, '(^.{4})(.*)', x -> x[1] || regexp_replace(x[2], '.', 'X')) as {type})",
        ),
    },
    MaskTypeDef { name: "MASK_HASH", transformer: Some("cast(to_hex(sha256(to_utf8({col}))) as {type})") },
    MaskTypeDef { name: "MASK_NULL", transformer: None },
    MaskTypeDef { name: "MASK_NONE", transformer: None },
    MaskTypeDef { name: "MASK_DATE_SHOW_YEAR", transformer: Some("date_trunc('year', {col})") },
    MaskTypeDef { name: "CUSTOM", transformer: None },
];

/// Looks up a mask type (case-insensitive, as the plugin compares them).
pub fn mask_type(name: &str) -> Option<&'static MaskTypeDef> {
    MASK_TYPES.iter().find(|m| m.name.eq_ignore_ascii_case(name))
}

/// The index of resource `name`, or an `InvalidInput` error naming it and the valid ones.
pub(crate) fn resource_index(name: &str, context: &dyn fmt::Display) -> Result<ResIdx> {
    RESOURCES.iter().position(|r| r.name == name).map(|i| i as ResIdx).ok_or_else(|| {
        Error::invalid_input(format!(
            "{context}: unknown resource type {name:?}; the trino service defines {}",
            RESOURCES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The index of access type `name` (case-insensitive), or an `InvalidInput` error naming it.
pub(crate) fn access_bit(name: &str, context: &dyn fmt::Display) -> Result<AccessBit> {
    ACCESS_TYPES.iter().position(|a| a.eq_ignore_ascii_case(name)).map(|i| i as AccessBit).ok_or_else(|| {
        Error::invalid_input(format!(
            "{context}: unknown access type {name:?}; the trino service defines {}",
            ACCESS_TYPES.join(", ")
        ))
    })
}

/// Orders resource keys along their hierarchy path. Fails with `InvalidInput` on an unknown
/// name, a duplicate, or keys that are not a root-to-node prefix of one hierarchy.
pub(crate) fn resource_path<'a>(
    names: impl IntoIterator<Item = &'a str>,
    context: &dyn fmt::Display,
) -> Result<Vec<ResIdx>> {
    let mut indices = Vec::new();
    for name in names {
        let index = resource_index(name, context)?;
        if indices.contains(&index) {
            return Err(Error::invalid_input(format!("{context}: resource {name:?} is given twice")));
        }
        indices.push(index);
    }
    if indices.is_empty() {
        return Err(Error::invalid_input(format!("{context}: no resource is given")));
    }
    for hierarchy in HIERARCHIES {
        if indices.len() <= hierarchy.len() && hierarchy[..indices.len()].iter().all(|i| indices.contains(i)) {
            return Ok(hierarchy[..indices.len()].to_vec());
        }
    }
    let mut names: Vec<&str> = indices.iter().map(|&i| RESOURCES[i as usize].name).collect();
    names.sort_unstable();
    Err(Error::invalid_input(format!(
        "{context}: resources {} do not form a Trino resource path; use a prefix of one of: {}",
        names.join(", "),
        HIERARCHIES
            .iter()
            .map(|h| h.iter().map(|&i| RESOURCES[i as usize].name).collect::<Vec<_>>().join("."))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Name of the resource at `index`.
pub(crate) fn resource_name(index: ResIdx) -> &'static str {
    RESOURCES[index as usize].name
}

/// Checks that `access` may be asked on the leaf resource of `path` (`select` on `queryid` is
/// a mistake, not a deny).
pub(crate) fn check_access_on(path: &[ResIdx], access: &str, context: &dyn fmt::Display) -> Result<()> {
    let Some(&leaf) = path.last() else { return Ok(()) };
    let def = &RESOURCES[leaf as usize];
    if access == ANY_ACCESS || def.access_restrictions.is_empty() || def.access_restrictions.contains(&access) {
        return Ok(());
    }
    Err(Error::invalid_input(format!(
        "{context}: access {access:?} does not apply to resource {:?}; it takes {}",
        def.name,
        def.access_restrictions.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn paths_are_ordered_and_checked() {
        let ctx = "test";
        assert_eq!(resource_path(["table", "catalog", "schema"], &ctx).unwrap(), vec![0, 1, 2]);
        assert_eq!(resource_path(["queryid"], &ctx).unwrap(), vec![10]);
        assert_eq!(resource_path(["procedure", "schema", "catalog"], &ctx).unwrap(), vec![0, 1, 8]);
        for bad in [&["catalog", "table"][..], &["schema"], &["catalog", "queryid"], &[], &["catalog", "catalog"]] {
            let err = resource_path(bad.iter().copied(), &ctx).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
        let err = resource_path(["tabel"], &ctx).unwrap_err();
        assert!(err.message().contains("\"tabel\""), "{err}");
        let err = access_bit("selec", &ctx).unwrap_err();
        assert!(err.message().contains("\"selec\""), "{err}");
        assert_eq!(access_bit("SELECT", &ctx).unwrap(), 0);
        assert_eq!(ACCESS_TYPES[ALL as usize], "all");
    }
}
