//! Whose code a stack frame is in: the one definition of "the application's
//! frame", shared by listener add sites (`stack_trace`) and allocation sites
//! (`allocation_sites`).

/// Whose code a frame runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameClass {
    /// Node's own (`node:`) or V8's (no script: `(program)`, `<anonymous>`).
    Runtime,
    /// leakguard's own files (under one of the ignored prefixes).
    Own,
    /// A dependency (`node_modules`).
    Dependency,
    /// The application's own code.
    App,
}

impl FrameClass {
    /// Code someone other than Node and leakguard wrote: a dependency or the
    /// application. A listener's add site may be in either.
    pub fn is_user(self) -> bool {
        matches!(self, FrameClass::Dependency | FrameClass::App)
    }
}

/// Classifies a frame by its script's URL or path (`file://` allowed);
/// `ignored` are leakguard's own path prefixes.
pub fn classify_frame(url: &str, ignored: &[String]) -> FrameClass {
    let path = url.strip_prefix("file://").unwrap_or(url);
    if path.is_empty() || path.starts_with("node:") || path == "<anonymous>" || path == "native" {
        FrameClass::Runtime
    } else if ignored
        .iter()
        .any(|prefix| path.starts_with(prefix.as_str()) || url.starts_with(prefix.as_str()))
    {
        FrameClass::Own
    } else if path.contains("/node_modules/") || path.contains("\\node_modules\\") {
        FrameClass::Dependency
    } else {
        FrameClass::App
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_from_its_path() {
        let own = vec!["/app/node_modules/leakguard/".to_string()];
        for (url, class) in [
            ("", FrameClass::Runtime),
            ("node:internal/timers", FrameClass::Runtime),
            ("<anonymous>", FrameClass::Runtime),
            ("/app/node_modules/leakguard/lib/guard.js", FrameClass::Own),
            (
                "/app/node_modules/express/lib/router.js",
                FrameClass::Dependency,
            ),
            (
                "C:\\app\\node_modules\\lru\\index.js",
                FrameClass::Dependency,
            ),
            ("/app/src/server.js", FrameClass::App),
            ("file:///app/src/main.mjs", FrameClass::App),
        ] {
            assert_eq!(classify_frame(url, &own), class, "{url}");
        }
        assert!(FrameClass::Dependency.is_user() && FrameClass::App.is_user());
        assert!(!FrameClass::Own.is_user() && !FrameClass::Runtime.is_user());
    }
}
