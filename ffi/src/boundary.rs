//! The edge between C and Rust: every exported function runs its body through
//! [`guard`], so that a panic becomes an error return instead of unwinding into
//! C, and is never printed; and C strings are read here, once, as bytes.

use std::cell::Cell;
use std::ffi::{c_char, CStr};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Depth of exported calls running on this thread.
    static INSIDE: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Runs `body`, returning `on_panic` with the panic's message if it panics.
///
/// While `body` runs, the process's panic hook stays silent for this thread
/// (nothing may be written to the host program's stdout or stderr); panics on
/// other threads, outside the library's calls, go to the hook that was there
/// before.
pub(crate) fn guard<T>(body: impl FnOnce() -> T, on_panic: impl FnOnce(String) -> T) -> T {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if INSIDE.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
    INSIDE.with(|d| d.set(d.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(body));
    INSIDE.with(|d| d.set(d.get().saturating_sub(1)));
    match result {
        Ok(v) => v,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_owned());
            // Dropping a payload can itself panic; keep it from unwinding out.
            let _ = panic::catch_unwind(AssertUnwindSafe(|| drop(payload)));
            on_panic(format!("internal error (panic: {what})"))
        }
    }
}

/// The bytes of a NUL-terminated C string, or `None` for a NULL pointer.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn c_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL and NUL-terminated, per this function's contract.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_fallback_value() {
        let v = guard(
            || -> i32 { panic!("boom {}", 1) },
            |m| {
                assert!(m.contains("boom 1"), "{m}");
                -1
            },
        );
        assert_eq!(v, -1);
        assert_eq!(guard(|| 7, |_| -1), 7);
    }
}
