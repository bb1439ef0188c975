//! One module per subcommand.

pub mod controls;
pub mod scan;
