//! Roles are named sets of permissions. Three are predefined; the
//! configuration's `api.roles` adds custom ones.

use palisade_policy::ApiConfig;

/// One thing the read API lets a principal do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// `GET /api/v1/events`.
    Events,
    /// `GET /api/v1/summary`.
    Summary,
    /// `GET /api/v1/events/verify`.
    Verify,
    /// `GET /api/v1/export`.
    Export,
    /// `GET /api/v1/config`.
    Config,
    /// Events and summaries of every namespace, not only the principal's.
    AllNamespaces,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::Events,
        Permission::Summary,
        Permission::Verify,
        Permission::Export,
        Permission::Config,
        Permission::AllNamespaces,
    ];

    /// The name used in `api.roles`.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Events => "events",
            Permission::Summary => "summary",
            Permission::Verify => "verify",
            Permission::Export => "export",
            Permission::Config => "config",
            Permission::AllNamespaces => "all-namespaces",
        }
    }
}

/// The permissions of `role`: predefined, else custom; an unknown role or
/// permission name grants nothing.
pub fn permissions(role: &str, api: &ApiConfig) -> Vec<Permission> {
    use Permission::*;
    match role {
        "admin" => Permission::ALL.to_vec(),
        "auditor" => vec![Events, Summary, Verify, Export, AllNamespaces],
        "developer" => vec![Events, Summary],
        custom => api
            .roles
            .get(custom)
            .map(|names| {
                Permission::ALL
                    .into_iter()
                    .filter(|p| names.iter().any(|n| n == p.as_str()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Unknown permission names in custom roles, for a start-up warning.
pub fn unknown_permissions(api: &ApiConfig) -> Vec<String> {
    api.roles
        .iter()
        .flat_map(|(role, names)| {
            names
                .iter()
                .filter(|n| !Permission::ALL.iter().any(|p| p.as_str() == n.as_str()))
                .map(move |n| format!("{role}: {n}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predefined_and_custom_roles() {
        let mut api = ApiConfig::default();
        api.roles.insert(
            "reader".into(),
            vec!["events".into(), "summary".into(), "bogus".into()],
        );
        assert_eq!(permissions("admin", &api), Permission::ALL.to_vec());
        assert!(!permissions("auditor", &api).contains(&Permission::Config));
        assert!(!permissions("developer", &api).contains(&Permission::AllNamespaces));
        assert_eq!(
            permissions("reader", &api),
            vec![Permission::Events, Permission::Summary]
        );
        assert!(permissions("nobody", &api).is_empty());
        assert_eq!(unknown_permissions(&api), vec!["reader: bogus".to_owned()]);
    }
}
