//! Feature transforms: from mixed tables and raw transaction logs to model-ready matrices.
//!
//! - [`PipelineSpec`] and [`FeaturePipeline`]: per-column numeric and categorical transforms,
//!   fitted on training data and applied, row by row, to any data; persisted as a versioned
//!   document that a C system loads to apply exactly the fitted transform.
//! - [`transaction_features`]: one row of customer aggregates (recency, frequency, monetary
//!   value, monthly flows, income, category shares, balances, life events) per customer.

mod categorical;
pub mod pipeline;
mod table;
pub mod transactions;

pub use categorical::{number_label, CategoricalColumn};
pub use pipeline::*;
pub use table::{Column, Table};
pub use transactions::*;
