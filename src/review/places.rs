//! Where a user's own files live outside the review folder: their config
//! (extra keys) and the papers cache. Read from the environment once, at the
//! edge, and passed down, so nothing below the command line consults `$HOME`
//! and a test names its own folders.
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Places {
    /// The user's config file (it may not exist).
    pub user_config: Option<PathBuf>,
    /// The cache folder; none reads every source and caches nothing.
    pub cache_dir: Option<PathBuf>,
}

impl Places {
    /// The places this process's environment names (`$THEMA_CONFIG`,
    /// `$XDG_CONFIG_HOME`, `$THEMA_CACHE_DIR`, `$XDG_CACHE_HOME`, `$HOME`).
    pub fn from_env() -> Places {
        Places {
            user_config: crate::review::config::user_config_path(),
            cache_dir: crate::review::cache::default_dir(),
        }
    }

    /// No user config and no cache: the review folder alone.
    pub fn none() -> Places {
        Places::default()
    }
}
