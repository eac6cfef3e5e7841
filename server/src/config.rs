//! Configuration from the environment, read once at startup.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;

/// Used when `DATABASE_URL` is unset: the PostgreSQL server of a developer machine.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/leadbase";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_DATA_DIR: &str = "data";
/// Default site root: the directory cargo-leptos writes the compiled WASM, JS and CSS to.
pub const DEFAULT_OPERATOR: &str = "operator";
pub const DEFAULT_SITE_ROOT: &str = "target/site";

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid {variable} {value:?}: {reason}")]
    Invalid { variable: &'static str, value: String, reason: String },
}

/// Settings shared by every command.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: the PostgreSQL database to use; created when missing.
    pub database_url: String,
    /// `LEADBASE_ADDR`: the address `serve` listens on.
    pub addr: SocketAddr,
    /// `LEADBASE_DATA_DIR`: where Leadbase keeps files of its own.
    pub data_dir: PathBuf,
    /// `LEPTOS_SITE_ROOT`: the compiled site served under `/pkg`.
    pub site_root: PathBuf,
    /// `LEADBASE_OPERATOR`: the name recorded for changes made in the UI,
    /// until sign-in exists.
    pub operator: String,
    /// `LEADBASE_INDEX_DIR`: where the search index lives; `search` under the
    /// data dir by default.
    pub index_dir: PathBuf,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, which returns a variable's value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let value = |name: &str, default: &str| {
            lookup(name).filter(|value| !value.trim().is_empty()).unwrap_or_else(|| default.to_string())
        };

        let database_url = value("DATABASE_URL", DEFAULT_DATABASE_URL);
        let invalid_url = |reason: String| ConfigError::Invalid {
            variable: "DATABASE_URL",
            value: redact_password(&database_url),
            reason: format!("{reason}; expected postgres://USER@HOST:PORT/DATABASE"),
        };
        if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
            return Err(invalid_url("not a PostgreSQL URL".to_string()));
        }
        PgConnectOptions::from_str(&database_url).map_err(|error| invalid_url(error.to_string()))?;

        let raw_addr = value("LEADBASE_ADDR", DEFAULT_ADDR);
        let addr = raw_addr.parse().map_err(|_| ConfigError::Invalid {
            variable: "LEADBASE_ADDR",
            value: raw_addr.clone(),
            reason: "expected an IP address and port such as 127.0.0.1:3000".to_string(),
        })?;

        let operator = value("LEADBASE_OPERATOR", DEFAULT_OPERATOR).trim().to_string();
        if operator.chars().count() > 100 || operator.chars().any(char::is_control) {
            return Err(ConfigError::Invalid {
                variable: "LEADBASE_OPERATOR",
                value: operator,
                reason: "expected a name of at most 100 characters without control characters".to_string(),
            });
        }

        let data_dir = PathBuf::from(value("LEADBASE_DATA_DIR", DEFAULT_DATA_DIR));
        let index_dir = lookup("LEADBASE_INDEX_DIR")
            .filter(|value| !value.trim().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("search"));
        Ok(Config {
            operator,
            database_url,
            addr,
            index_dir,
            data_dir,
            site_root: PathBuf::from(value("LEPTOS_SITE_ROOT", DEFAULT_SITE_ROOT)),
        })
    }

    /// Returns the database location for logs: host, port and database, never the password.
    pub fn database_display(&self) -> String {
        redact_password(&self.database_url)
    }
}

/// Replaces the password in a connection URL with `***`.
pub fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> =
            pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        Config::from_lookup(move |name| {
            pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn defaults_apply_when_unset() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(config.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert_eq!(config.index_dir, PathBuf::from(DEFAULT_DATA_DIR).join("search"));
    }

    #[test]
    fn index_dir_follows_the_data_dir_unless_set() {
        let config = config(&[("LEADBASE_DATA_DIR", "/srv/leadbase")]).unwrap();
        assert_eq!(config.index_dir, PathBuf::from("/srv/leadbase/search"));
        let config = config_with_index();
        assert_eq!(config.index_dir, PathBuf::from("/fast/index"));
    }

    fn config_with_index() -> Config {
        config(&[("LEADBASE_DATA_DIR", "/srv/leadbase"), ("LEADBASE_INDEX_DIR", "/fast/index")]).unwrap()
    }

    #[test]
    fn operator_defaults_and_rejects_control_characters() {
        assert_eq!(config(&[]).expect("defaults").operator, "operator");
        assert_eq!(config(&[("LEADBASE_OPERATOR", " Ana Ruiz ")]).expect("valid").operator, "Ana Ruiz");
        let error = config(&[("LEADBASE_OPERATOR", "a\u{7}b")]).unwrap_err().to_string();
        assert!(error.contains("LEADBASE_OPERATOR"), "{error}");
    }

    #[test]
    fn invalid_addr_names_variable_and_value() {
        let error = config(&[("LEADBASE_ADDR", "localhost")]).unwrap_err().to_string();
        assert!(error.contains("LEADBASE_ADDR"), "{error}");
        assert!(error.contains("\"localhost\""), "{error}");
        assert!(error.contains("127.0.0.1:3000"), "{error}");
    }

    #[test]
    fn invalid_database_url_hides_password() {
        let error = config(&[("DATABASE_URL", "mysql://user:secret@host/db")]).unwrap_err().to_string();
        assert!(error.contains("DATABASE_URL"), "{error}");
        assert!(!error.contains("secret"), "{error}");
    }

    #[test]
    fn redact_password_keeps_user_and_host() {
        assert_eq!(
            redact_password("postgres://app:hunter2@db.internal:5432/leadbase"),
            "postgres://app:***@db.internal:5432/leadbase"
        );
        assert_eq!(redact_password("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
    }
}
