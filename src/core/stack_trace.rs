//! Reads V8 stack traces (`Error.captureStackTrace` text) into frames, drops
//! the runtime's and leakguard's own, and names the site that made a call.

use crate::core::frame_class::classify_frame;

/// One frame of a stack trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The frame as V8 printed it, without the leading `at `.
    pub text: String,
    /// `file:line:column`, when the frame has one.
    pub location: Option<String>,
}

/// Frames of `stack`, top first, in code a user wrote (the application or a
/// dependency: see [`classify_frame`]), without Node's and leakguard's own.
pub fn user_frames(stack: &str, ignored: &[String]) -> Vec<Frame> {
    stack
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("at "))
        .map(|text| Frame {
            text: text.to_string(),
            location: location_of(text),
        })
        .filter(|frame| match &frame.location {
            Some(loc) => classify_frame(loc, ignored).is_user(),
            None => !frame.text.contains("(node:") && frame.text != "<anonymous>",
        })
        .collect()
}

/// The location part of a frame's text: inside the last parentheses, or the
/// whole text; `None` for `<anonymous>` and `native`.
fn location_of(text: &str) -> Option<String> {
    let inner = match (text.rfind('('), text.ends_with(')')) {
        (Some(open), true) => &text[open + 1..text.len() - 1],
        _ => text,
    };
    let inner = inner.strip_prefix("async ").unwrap_or(inner);
    let inner = inner.strip_prefix("file://").unwrap_or(inner);
    if inner == "<anonymous>" || inner == "native" || inner.is_empty() {
        None
    } else {
        Some(inner.to_string())
    }
}

/// The first user frame that has a location: where the call came from.
pub fn call_site(frames: &[Frame]) -> Option<&Frame> {
    frames.iter().find(|f| f.location.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STACK: &str = "Error\n    at EventEmitter.addListener (/app/node_modules/leakguard/lib/listener-hook.js:20:11)\n    at EventEmitter.once (node:events:632:8)\n    at Server.handle (/app/src/server.js:42:10)\n    at new Promise (<anonymous>)\n    at async run (file:///app/src/main.mjs:7:3)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)";

    #[test]
    fn drops_runtime_and_own_frames() {
        let ignored = vec!["/app/node_modules/leakguard/".to_string()];
        let frames = user_frames(STACK, &ignored);
        let texts: Vec<&str> = frames.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Server.handle (/app/src/server.js:42:10)",
                "new Promise (<anonymous>)",
                "async run (file:///app/src/main.mjs:7:3)"
            ]
        );
        let site = call_site(&frames).unwrap();
        assert_eq!(site.location.as_deref(), Some("/app/src/server.js:42:10"));
        assert_eq!(frames[2].location.as_deref(), Some("/app/src/main.mjs:7:3"));
    }

    #[test]
    fn frames_without_parentheses_and_garbage() {
        let frames = user_frames(
            "Error\n    at /app/a.js:1:2\nnot a frame\n    at native\n",
            &[],
        );
        assert_eq!(frames.len(), 2);
        assert_eq!(
            call_site(&frames).unwrap().location.as_deref(),
            Some("/app/a.js:1:2")
        );
        assert!(user_frames("", &[]).is_empty());
        assert!(call_site(&user_frames("garbage", &[])).is_none());
    }
}
