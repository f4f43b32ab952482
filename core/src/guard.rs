//! Containment of panics from the FST library on damaged data.
//!
//! `fst` does not validate a node before decoding it, and panics on damaged
//! bytes. Walks over the FST run inside [`guarded`], which turns such a panic into
//! an error; a panic hook installed once keeps these contained panics quiet while
//! passing every other panic to the hook that was there before.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// Runs `f`, turning a panic inside it into `Err(())` without printing it.
#[inline]
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, ()> {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|_| ())
}
