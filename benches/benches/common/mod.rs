//! What every criterion bench of this crate shares.

use std::time::Duration;

use criterion::Criterion;

/// Modest sample counts, so the whole suite runs in minutes.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
}
